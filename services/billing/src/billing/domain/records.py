"""What billing records besides the ledger: payments, checkouts, invoices, lesson charges, and its projections
of other services' data (branches, students, lessons and their participants). Plain frozen dataclasses: the
repositories return them, use cases and the schema read them; none of them is a database row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from billing.domain.model import Entry


@dataclass(frozen=True, slots=True)
class Posted:
    """A transaction applied to the ledger: the family's balance after it, and whether it went into debt."""

    transaction_id: str
    balance_after: Decimal
    debt: bool


@dataclass(frozen=True, slots=True)
class PostedTransaction:
    """A transaction already in the ledger, as a refund needs it: whose, what it said, its entries."""

    id: str
    account_id: str
    family_id: str
    description: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    account_id: str
    family_id: str
    branch_id: str | None
    amount: Decimal
    currency: str
    method: str
    invoice_id: str | None
    external_id: str | None
    refunded: Decimal
    transaction_id: str
    received_by: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Checkout:
    """A checkout billing started with the payment provider: what its notification must match."""

    id: str
    provider: str
    provider_payment_id: str
    family_id: str
    amount: Decimal
    currency: str
    invoice_id: str | None
    status: str
    payment_id: str | None
    started_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Invoice:
    id: str
    account_id: str
    family_id: str
    branch_id: str | None
    description: str
    subscription_id: str | None
    period_from: date | None
    period_to: date | None
    amount: Decimal
    paid: Decimal
    currency: str
    status: str
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class LessonCharge:
    """One student charged for one lesson (at most one active charge per lesson and student)."""

    id: str
    lesson_id: str
    student_id: str
    family_id: str
    branch_id: str
    amount: Decimal
    currency: str
    subscription_id: str | None
    transaction_id: str | None
    created_at: datetime
    refund_transaction_id: str | None = None


# -- projections of other services' data ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    name: str
    time_zone: str
    charge_on: str
    burn_expired_lessons: bool
    makeup_charge: str


@dataclass(frozen=True, slots=True)
class Student:
    id: str
    family_id: str
    branch_id: str | None
    display_name: str
    erased: bool


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    branch_id: str
    group_id: str | None
    course_id: str | None
    teacher_id: str | None
    lesson_type: str
    charged_by_default: bool
    starts_at: datetime
    price: Decimal | None
    currency: str
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class Participant:
    lesson_id: str
    student_id: str
    family_id: str
    price: Decimal
    currency: str
    reason: str = "member"
    removed: bool = False
    attendance_status: str | None = None
    attendance_revision: int = -1
