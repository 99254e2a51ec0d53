"""Identity's tables (SQLAlchemy Core; the domain model knows nothing of them)."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from kabinet.db import add_dead_letter_table, add_messaging_tables, idempotency_table
from kabinet.db.types import Amount, UtcDateTime

metadata = MetaData()

# -- organisation --------------------------------------------------------------------------------------
branches = Table(
    "branches",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("address", String(300), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=True),
    Column("email_confirmed_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

staff_branches = Table(
    "staff_branches",
    metadata,
    Column("staff_id", String(36), ForeignKey("staff.id"), nullable=False),
    Column("branch_id", String(36), ForeignKey("branches.id"), nullable=False, index=True),
    PrimaryKeyConstraint("staff_id", "branch_id", name="pk_staff_branches"),
)

# -- families ------------------------------------------------------------------------------------------
families = Table(
    "families",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("guardian_phone", String(20), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("origin", String(10), nullable=False, server_default="staff"),
    Column("access_open", Boolean, nullable=False, server_default=false()),
)

guardians = Table(
    "guardians",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), ForeignKey("families.id"), nullable=False, index=True),
    Column("phone", String(20), nullable=False, unique=True),  # one phone = one family cabinet
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=True, index=True),
    Column("email_confirmed_at", UtcDateTime(), nullable=True),
    Column("is_payer", Boolean, nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

students = Table(
    "students",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), ForeignKey("families.id"), nullable=False, index=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("birth_date", Date, nullable=True),  # None once erased
    Column("branch_id", String(36), nullable=True, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("erased_at", UtcDateTime(), nullable=True),
)

# A child's own login (R-FAM-1): set by a guardian of the family (or staff); the student signs in with it.
student_logins = Table(
    "student_logins",
    metadata,
    Column("student_id", String(36), ForeignKey("students.id"), primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False, index=True),
    Column("guardian_id", String(36), nullable=True),
    Column("source", String(20), nullable=False),
    Column("version", String(20), nullable=False),
    Column("given_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(36), nullable=True),
    # A withdrawal keeps the row (when consent was given stays on record) and marks it no longer in force.
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("withdrawn_by", String(36), nullable=True),
)

# -- credentials ---------------------------------------------------------------------------------------
one_time_codes = Table(
    "one_time_codes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Index("ix_one_time_codes_phone_created", "phone", "created_at"),
)

# Every SMS sent: the record of what each branch is charged (R-FAM-8); the caps count in sms_day_totals. Kept
# IDENTITY_SMS_RETENTION_DAYS, and a notification's SMS as long as its notification (its charge-once key).
sms_messages = Table(
    "sms_messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("purpose", String(20), nullable=False),
    Column("branch_id", String(36), nullable=True),
    Column("cost_amount", Numeric(10, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("client_ip", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    # A notification's SMS: its one charge, however often it is tried (NULL for codes and invitations).
    Column("notification_id", String(36), nullable=True),
    Index("uq_sms_messages_notification", "notification_id", unique=True),
    Index("ix_sms_messages_ip_created", "client_ip", "created_at"),
    Index("ix_sms_messages_branch_created", "branch_id", "created_at"),
)

# SMS sent per day (UTC) and key - ``all`` for the whole school, ``branch:<id>`` for a branch's paid SMS: the
# caps' counters. One row per key and day, raised by a conditional upsert, so concurrent requests take turns only
# for that one statement's row and a cap holds exactly (counting sms_messages and then inserting would let a
# burst all count before any inserted).
sms_day_totals = Table(
    "sms_day_totals",
    metadata,
    Column("day", Date, nullable=False),
    Column("key", String(50), nullable=False),
    Column("sent", Integer, nullable=False),
    Column("cost_amount", Amount(), nullable=False),
    PrimaryKeyConstraint("day", "key", name="pk_sms_day_totals"),
)

email_tokens = Table(
    "email_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("purpose", String(20), nullable=False),  # confirm_email | reset_password
    Column("subject_kind", String(10), nullable=False),  # guardian | staff
    Column("subject_id", String(36), nullable=False),
    Column("email", String(254), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("chain_id", String(36), nullable=False, index=True),
    Column("subject_kind", String(10), nullable=False),
    Column("subject_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# Generic attempt log for throttles that have no table of their own (record links, password sign-ins).
throttle_events = Table(
    "throttle_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("bucket", String(40), nullable=False),
    Column("key", String(254), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_throttle_events_bucket_key_created", "bucket", "key", "created_at"),
)

idempotency_keys = idempotency_table(metadata)  # the kit's: (scope, key) -> request hash, result

# -- support questions ---------------------------------------------------------------------------------
question_topics = Table(
    "question_topics",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(36), nullable=False),  # a branch id, or "*" for the school-wide default
    Column("code", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("response_hours", Integer, nullable=True),
    Column("response_working_days", Integer, nullable=True),
    UniqueConstraint("scope", "code", name="uq_question_topics_scope_code"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("student_id", String(36), nullable=True),
    Column("branch_id", String(36), nullable=False),
    Column("topic", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_by", String(36), nullable=False),
    Column("status", String(10), nullable=False),
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(36), nullable=True),
    Column("answered_at", UtcDateTime(), nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Index("ix_questions_branch_status_due", "branch_id", "status", "due_at"),
)

# -- leads (R-CRM-1, R-CRM-2) --------------------------------------------------------------------------
leads = Table(
    "leads",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_id", String(36), ForeignKey("branches.id"), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("contact_first_name", String(100), nullable=False),
    Column("contact_last_name", String(100), nullable=False),
    Column("phone", String(20), nullable=False, index=True),
    Column("email", String(254), nullable=True),
    Column("child_first_name", String(100), nullable=False),
    Column("child_last_name", String(100), nullable=False),
    Column("child_birth_date", Date, nullable=True),
    Column("child_age", Integer, nullable=True),
    Column("interest", String(500), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_detail", String(200), nullable=False),
    Column("assigned_staff_id", String(36), nullable=True),
    Column("notes", Text, nullable=False),
    Column("lost_reason", String(500), nullable=True),
    Column("lost_from", String(20), nullable=True),
    Column("family_id", String(36), nullable=True),
    Column("student_id", String(36), nullable=True),
    Column("created_by", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The four names folded for the search (LeadDetails.search_names): written with the lead, compared with LIKE.
    Column("search_names", String(410), nullable=False, server_default=""),
    # The branch's list, a page at a time newest first (keyset on created_at, id), and its monthly funnel (by
    # creation time); a list of one stage by the second. A search compares names only within these.
    Index("ix_leads_branch_created", "branch_id", "created_at"),
    Index("ix_leads_branch_stage_created", "branch_id", "stage", "created_at", "id"),
)

# Every change of a lead, oldest first: who, when, from which stage to which (the same for an edit).
lead_changes = Table(
    "lead_changes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("lead_id", String(36), ForeignKey("leads.id"), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(36), nullable=False),
    Column("from_stage", String(20), nullable=True),
    Column("to_stage", String(20), nullable=False),
    Column("note", String(600), nullable=False),
)

# Which teacher teaches which student, learned from scheduling's events: a teacher sees only those students.
teachings = Table(
    "teachings",
    metadata,
    Column("teacher_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False, index=True),
    Column("since", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("teacher_id", "student_id", name="pk_teachings"),
)

# Requests to attach something to a family that wait for its guardian (a code to the family's phone, or an
# approval in the family's cabinet); only the code's keyed hash is stored.
family_confirmations = Table(
    "family_confirmations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), ForeignKey("families.id"), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("requested_by", String(36), nullable=False),
    Column("branch_id", String(36), nullable=True),
    Column("payload", Text, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Index("ix_family_confirmations_family_created", "family_id", "created_at"),
)

# -- notifications (docs/notifications.md) ---------------------------------------------------------------
# One message to one guardian on one channel about one event (of one kind: a charge may also tell of a low
# balance): the unique key makes a redelivered event record
# nothing new. Email and SMS rows wait for the sender (status pending, next_attempt_at); in-cabinet rows are read.
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("guardian_id", String(36), nullable=False),
    Column("family_id", String(36), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("language", String(5), nullable=False),
    Column("address", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("branch_id", String(36), nullable=True),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("reason", String(200), nullable=True),
    Column("read_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # What it is about (domain.notifications.About): the students' ids comma-separated ("" none); NULL on rows
    # recorded before notifications named their subject.
    Column("student_ids", Text, nullable=True),
    Column("lesson_id", String(36), nullable=True),
    Column("lead_id", String(36), nullable=True),
    Column("question_id", String(36), nullable=True),
    UniqueConstraint("event_id", "kind", "guardian_id", "channel", name="uq_notifications_event_kind_guardian"),
    Index("ix_notifications_guardian_channel_created", "guardian_id", "channel", "created_at"),
    Index("ix_notifications_created", "created_at"),  # the retention job's batches (oldest first)
    Index("ix_notifications_status_next", "status", "next_attempt_at"),
)

# A guardian's choices; no row: the defaults (domain.notifications.Preferences). Kinds are comma-separated.
notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("guardian_id", String(36), primary_key=True),
    Column("language", String(5), nullable=True),
    Column("cabinet_kinds", Text, nullable=False),
    Column("email_kinds", Text, nullable=False),
    Column("sms_kinds", Text, nullable=False),
    Column("quiet_from", String(5), nullable=True),
    Column("quiet_to", String(5), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("telegram_kinds", Text, nullable=True),  # NULL: the default (chosen before Telegram existed, or never)
    Column("web_push_kinds", Text, nullable=True),  # NULL: the default (chosen before web push existed, or never)
    # The kinds there were when these were saved: a kind added since starts at its default (NULL: version 1's).
    Column("known_kinds", Text, nullable=True),
)

# A person's (guardian's or staff member's) linked messenger chat: where their Telegram notifications go.
messenger_links = Table(
    "messenger_links",
    metadata,
    Column("person_id", String(36), nullable=False),
    Column("messenger", String(10), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("person_id", "messenger", name="pk_messenger_links"),
)

# A person's browsers subscribed to web push (identity.service.web_push): each gets every web-push notice.
# The endpoint is the push service's URL for that browser (unique: a browser re-subscribing replaces its row).
web_push_subscriptions = Table(
    "web_push_subscriptions",
    metadata,
    Column("endpoint", String(1000), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("p256dh", String(128), nullable=False),  # the browser's P-256 public key (base64url)
    Column("auth", String(64), nullable=False),  # its auth secret (base64url)
    Column("created_at", UtcDateTime(), nullable=False),
)

# One-time codes that link a chat to the person who asked for one (only the code's SHA-256 is stored).
messenger_link_codes = Table(
    "messenger_link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("person_id", String(36), nullable=False, index=True),
    Column("messenger", String(10), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# Which students a published lesson has, and when it starts and ends, learned from scheduling's events: a moved or
# cancelled lesson's event names only the lesson, so its families are found here. The retention job forgets lessons
# that ended long ago (ends_at; NULL when no event told the time: kept).
notify_lessons = Table(
    "notify_lessons",
    metadata,
    Column("lesson_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("branch_id", String(36), nullable=True),
    Column("starts_at", UtcDateTime(), nullable=True),
    Column("ends_at", UtcDateTime(), nullable=True),
    PrimaryKeyConstraint("lesson_id", "student_id", name="pk_notify_lessons"),
    Index("ix_notify_lessons_ends_at", "ends_at"),  # the retention job's batches (ended longest ago first)
)

outbox, inbox = add_messaging_tables(metadata)
dead_letters = add_dead_letter_table(metadata)
