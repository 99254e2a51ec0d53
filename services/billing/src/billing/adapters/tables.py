"""Billing's tables (SQLAlchemy Core). The ledger tables are append-only: triggers refuse UPDATE/DELETE."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kabinet.db import add_dead_letter_table, add_messaging_tables, idempotency_table
from kabinet.db.messaging_tables import SeqType
from kabinet.db.types import Amount, UtcDateTime

metadata = MetaData()

MONEY = Amount()  # NUMERIC(14, 2) on PostgreSQL; exact integer cents on SQLite

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    # Cached sum of the account's "family" entries; always changed in the same transaction as the entries.
    Column("balance", MONEY, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    # How far below zero a staff-initiated charge may take the balance (0: no credit).
    Column("credit_limit", MONEY, nullable=False, server_default="0"),
)

# One row per business operation; its entries sum to zero per currency (checked per INSERT on PostgreSQL).
ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("family_id", String(36), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("description", Text, nullable=False),
    Column("amount", MONEY, nullable=False),  # the change to the family's money balance
    Column("currency", String(3), nullable=False),
    Column("balance_after", MONEY, nullable=False),
    Column("lessons_delta", Integer, nullable=False, server_default="0"),
    Column("debt", Boolean, nullable=False, server_default="0"),  # took the balance below the credit limit
    Column("branch_id", String(36), nullable=True),
    Column("student_id", String(36), nullable=True),
    Column("lesson_id", String(36), nullable=True),
    Column("subscription_id", String(36), nullable=True),
    Column("payment_id", String(36), nullable=True),
    Column("invoice_id", String(36), nullable=True),
    Column("reverses_id", String(36), nullable=True),
    Column("discount_id", String(36), nullable=True),
    Column("discount_name", Text, nullable=True),
    Column("discount_amount", MONEY, nullable=True),
    Column("created_by", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index("ix_ledger_transactions_account_seq", ledger_transactions.c.account_id, ledger_transactions.c.seq)
Index("ix_ledger_transactions_branch_created", ledger_transactions.c.branch_id, ledger_transactions.c.created_at)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transaction_id", String(36), nullable=False, index=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=True, index=True),
    # "family", "subscription:<id>" (lesson credits) or a house account ("revenue:lessons", "cash", ...).
    Column("ledger_account", String(60), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),  # RUB, or LSN for lesson credits
    Column("description", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Client-supplied idempotency keys: the first request's content hash and result. A key belongs to its
# caller (``scope``: the user id, or the payment provider): another caller's same key is another key.
idempotency_keys = idempotency_table(metadata)

# -- projections of identity's data ----------------------------------------------------------------
branches = Table(
    "branches",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False, server_default=""),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    # Billing's own per-branch settings.
    Column("charge_on", String(20), nullable=False, server_default="scheduling"),  # or "attendance"
    Column("burn_expired_lessons", Boolean, nullable=False, server_default="1"),
    # How make-ups are charged: "from_package" (only from a package listing the lesson's type, never in money),
    # "as_lesson" (like any lesson), "free" (never).
    Column("makeup_charge", String(20), nullable=False, server_default="from_package"),
)

students = Table(
    "students",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False, index=True),
    Column("branch_id", String(36), nullable=True, index=True),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("erased", Boolean, nullable=False, server_default="0"),
)

# Staff names (identity's staff events), so a statement line says who adjusted the balance.
staff = Table(
    "staff",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("display_name", Text, nullable=False, server_default=""),
)

# -- projections of scheduling's lessons ------------------------------------------------------------
lessons = Table(
    "lessons",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_id", String(36), nullable=False),
    Column("group_id", String(36), nullable=True),
    Column("course_id", String(36), nullable=True),
    Column("teacher_id", String(36), nullable=True),
    Column("lesson_type", String(40), nullable=False),
    Column("charged_by_default", Boolean, nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("price", MONEY, nullable=True),  # the lesson's default price (participants may have their own)
    Column("currency", String(3), nullable=False, server_default="RUB"),
    Column("cancelled", Boolean, nullable=False, server_default="0"),
)

lesson_participants = Table(
    "lesson_participants",
    metadata,
    Column("lesson_id", String(36), nullable=False),
    Column("student_id", String(36), nullable=False),
    Column("family_id", String(36), nullable=False),
    Column("price", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("removed", Boolean, nullable=False, server_default="0"),
    Column("reason", String(20), nullable=False, server_default="member"),  # member | makeup | trial | booking
    Column("attendance_status", String(20), nullable=True),
    Column("attendance_revision", Integer, nullable=False, server_default="-1"),
    UniqueConstraint("lesson_id", "student_id", name="uq_lesson_participant"),
)

# A lesson charged to a student: at most one active charge per (lesson, student).
lesson_charges = Table(
    "lesson_charges",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("lesson_id", String(36), nullable=False, index=True),
    Column("student_id", String(36), nullable=False),
    Column("family_id", String(36), nullable=False),
    Column("branch_id", String(36), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subscription_id", String(36), nullable=True),
    Column("transaction_id", String(36), nullable=True),  # NULL: an unlimited subscription moved nothing
    Column("refund_transaction_id", String(36), nullable=True),
    # "<lesson>:<student>" while active, NULL once refunded: the unique constraint allows one active charge.
    Column("active_key", String(80), nullable=True, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# -- subscriptions (абонементы) -------------------------------------------------------------------
subscription_types = Table(
    "subscription_types",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_id", String(36), nullable=True),
    Column("name", Text, nullable=False),
    Column("lessons", Integer, nullable=True),  # NULL: unlimited for the period
    Column("validity_days", Integer, nullable=False),
    Column("price", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lesson_types", Text, nullable=False),  # JSON list of lesson type codes it pays for
    Column("course_ids", Text, nullable=False),  # JSON list; empty = any course
    Column("trial", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type_id", String(36), ForeignKey("subscription_types.id"), nullable=False),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("family_id", String(36), nullable=False, index=True),
    Column("student_id", String(36), nullable=False, index=True),
    Column("branch_id", String(36), nullable=True),
    Column("name", Text, nullable=False),
    Column("lessons_total", Integer, nullable=True),
    Column("lessons_left", Integer, nullable=True),  # cached sum of the subscription's LSN entries
    Column("price", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lesson_types", Text, nullable=False),
    Column("course_ids", Text, nullable=False),
    Column("trial", Boolean, nullable=False),
    Column("on_credit", Boolean, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("status", String(20), nullable=False),  # active | frozen | expired | closed
    Column("frozen_on", Date, nullable=True),
    Column("sold_at", UtcDateTime(), nullable=False),
    # When billing.subscription.ending was published for it (once per subscription); None: not yet.
    Column("ending_announced_at", UtcDateTime(), nullable=True),
)

discounts = Table(
    "discounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("branch_id", String(36), nullable=True),
    Column("name", Text, nullable=False),
    Column("scope", String(20), nullable=False),  # student | family | group | course | lesson_type | branch
    Column("target", String(64), nullable=False),
    Column("kind", String(10), nullable=False),  # percent | fixed
    Column("value", MONEY, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("created_by", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("family_id", String(36), nullable=False, index=True),
    Column("branch_id", String(36), nullable=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(20), nullable=False),  # cash | card | bank_transfer | online
    Column("invoice_id", String(36), nullable=True),
    Column("external_id", String(120), nullable=True, unique=True),  # the provider's payment id
    Column("refunded", MONEY, nullable=False, server_default="0"),
    Column("transaction_id", String(36), nullable=False),
    Column("received_by", String(64), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
)

# Online checkouts billing started: a provider's notification is applied only when it matches one of them
# (its provider, payment id, family, amount, currency and invoice).
checkout_sessions = Table(
    "checkout_sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("provider", String(40), nullable=False),
    Column("provider_payment_id", String(120), nullable=False),
    Column("family_id", String(36), nullable=False, index=True),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("invoice_id", String(36), nullable=True),
    Column("status", String(20), nullable=False),  # started | paid
    Column("payment_id", String(36), nullable=True),
    Column("started_by", String(120), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("provider", "provider_payment_id", name="uq_checkout_provider_payment"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=False),
    Column("family_id", String(36), nullable=False, index=True),
    Column("branch_id", String(36), nullable=True),
    Column("description", Text, nullable=False),
    Column("subscription_id", String(36), nullable=True),
    Column("period_from", Date, nullable=True),
    Column("period_to", Date, nullable=True),
    Column("amount", MONEY, nullable=False),
    Column("paid", MONEY, nullable=False, server_default="0"),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),  # issued | partly_paid | paid | cancelled
    Column("issued_at", UtcDateTime(), nullable=False),
)

outbox, inbox = add_messaging_tables(metadata)
dead_letters = add_dead_letter_table(metadata)
