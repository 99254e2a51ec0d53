"""Scheduling's tables (SQLAlchemy Core; the domain model knows nothing of them)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy import Table as _Table
from sqlalchemy.sql.schema import SchemaItem

from kabinet.db import add_dead_letter_table, add_messaging_tables, idempotency_table
from kabinet.db.types import Amount, UtcDateTime

metadata = MetaData()
Id = String(36)


def Table(name: str, *cols: SchemaItem) -> _Table:
    """Every table in this service's metadata."""
    return _Table(name, metadata, *cols)


# -- projections of identity's events -------------------------------------------------------------
branches = Table(
    "branches",
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    # The booking policy is scheduling's own data about the branch.
    Column("cancel_notice_hours", Integer, nullable=False, server_default="24"),
    Column("late_cancellation", String(10), nullable=False, server_default="refuse"),
    # A published lesson whose sheet is not saved this long after its end is marked missed.
    Column("sheet_deadline_hours", Integer, nullable=False, server_default="48"),
)

students = Table(
    "students",
    Column("id", Id, primary_key=True),
    Column("family_id", Id, nullable=False, index=True),
    Column("branch_id", Id, nullable=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("erased", Boolean, nullable=False, server_default=false()),
)

staff = Table(
    "staff",
    Column("id", Id, primary_key=True),
    Column("role", String(20), nullable=False),
    Column("branch_ids", JSON, nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
)

# -- catalogue -------------------------------------------------------------------------------------
rooms = Table(
    "rooms",
    Column("id", Id, primary_key=True),
    Column("branch_id", Id, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("capacity", Integer, nullable=True),
)

courses = Table(
    "courses",
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
)

lesson_types = Table(
    "lesson_types",
    Column("code", String(60), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("charged_by_default", Boolean, nullable=False),
    Column("builtin", Boolean, nullable=False),
)

groups = Table(
    "groups",
    Column("id", Id, primary_key=True),
    Column("branch_id", Id, nullable=False, index=True),
    Column("course_id", Id, ForeignKey("courses.id"), nullable=True),
    Column("teacher_id", Id, nullable=False, index=True),
    Column("room_id", Id, ForeignKey("rooms.id"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("price", Amount(12), nullable=False),
    Column("currency", String(3), nullable=False),
)

memberships = Table(
    "memberships",
    Column("id", Id, primary_key=True),
    Column("group_id", Id, ForeignKey("groups.id"), nullable=False, index=True),
    Column("student_id", Id, nullable=False, index=True),
    Column("family_id", Id, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("transferred_to", Id, nullable=True),
    # member, or makeup for a one-day membership that makes up a missed lesson (R-SCH-4, R-SCH-5)
    Column("reason", String(20), nullable=False, server_default="member"),
)

recurring_rules = Table(
    "recurring_rules",
    Column("id", Id, primary_key=True),
    Column("branch_id", Id, nullable=False, index=True),
    Column("group_id", Id, ForeignKey("groups.id"), nullable=True, index=True),
    Column("course_id", Id, nullable=True),
    Column("teacher_id", Id, nullable=False),
    Column("room_id", Id, nullable=True),
    Column("lesson_type", String(60), nullable=False),
    Column("rrule", String(500), nullable=False),
    Column("start_time", Time, nullable=False),
    Column("duration_min", Integer, nullable=False),
    Column("price", Amount(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("skip_dates", JSON, nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
)

lessons = Table(
    "lessons",
    Column("id", Id, primary_key=True),
    Column("branch_id", Id, nullable=False),
    Column("group_id", Id, nullable=True),
    Column("course_id", Id, nullable=True),
    Column("teacher_id", Id, nullable=False),
    Column("room_id", Id, nullable=True),
    Column("lesson_type", String(60), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("charged_by_default", Boolean, nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("price", Amount(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("rule_id", Id, nullable=True),
    Column("parallel_of", Id, nullable=True),
    Column("status", String(20), nullable=False),
    Column("published", Boolean, nullable=False),
    Column("bookable", Boolean, nullable=False, server_default=false()),
    Column("cancel_reason", Text, nullable=True),
    # One lesson per occurrence of a rule: regenerating a month inserts nothing twice.
    UniqueConstraint("rule_id", "local_date", name="uq_lessons_rule_occurrence"),
    Index("ix_lessons_branch_start", "branch_id", "starts_at"),
    Index("ix_lessons_teacher_start", "teacher_id", "starts_at"),
    Index("ix_lessons_room_start", "room_id", "starts_at"),
    Index("ix_lessons_group_start", "group_id", "starts_at"),
)

participants = Table(
    "participants",
    Column("lesson_id", Id, ForeignKey("lessons.id"), nullable=False),
    Column("student_id", Id, nullable=False),
    Column("family_id", Id, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("price", Amount(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("booking_id", Id, nullable=True),
    PrimaryKeyConstraint("lesson_id", "student_id", name="pk_participants"),
    # (student, lesson) and (family, lesson): a student's or family's lessons come from the index alone.
    Index("ix_participants_student", "student_id", "lesson_id"),
    Index("ix_participants_family", "family_id", "lesson_id"),
)

bookings = Table(
    "bookings",
    Column("id", Id, primary_key=True),
    Column("lesson_id", Id, ForeignKey("lessons.id"), nullable=False, index=True),
    Column("student_id", Id, nullable=False, index=True),
    Column("family_id", Id, nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("cancelled_at", UtcDateTime(), nullable=True),
)

availability_slots = Table(
    "availability_slots",
    Column("id", Id, primary_key=True),
    Column("branch_id", Id, nullable=False, index=True),
    Column("teacher_id", Id, nullable=False),
    Column("lesson_type", String(60), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("price", Amount(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("room_id", Id, nullable=True),
    Column("lesson_id", Id, nullable=True),
    Column("closed_at", UtcDateTime(), nullable=True),
)

# One row per family: the primary key is the one-free-trial rule, race-free.
trials = Table(
    "trials",
    Column("family_id", Id, primary_key=True),
    Column("student_id", Id, nullable=False),
    Column("lesson_id", Id, nullable=True),
    Column("source", String(20), nullable=False),
    Column("used_at", UtcDateTime(), nullable=False),
)

calendar_feeds = Table(
    "calendar_feeds",
    Column("id", Id, primary_key=True),
    # Only a hash of the token is stored: a database leak does not expose subscribable URLs.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("owner_kind", String(10), nullable=False),  # student | teacher
    Column("owner_id", Id, nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

idempotency_keys = idempotency_table(metadata)

outbox, inbox = add_messaging_tables(metadata)
dead_letters = add_dead_letter_table(metadata)
