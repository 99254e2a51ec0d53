"""What billing's use cases and event handlers need from storage: a unit of work with repositories, domain
types in and out. ``adapters/unit_of_work.py`` implements it on SQLAlchemy, ``tests/unit/memory.py`` in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from billing.domain.model import Discount, FamilyAccount, MoneyLimits, Subscription, SubscriptionType, Transaction
from billing.domain.records import (
    Branch,
    Checkout,
    Invoice,
    Lesson,
    LessonCharge,
    Participant,
    Payment,
    Posted,
    PostedTransaction,
    Student,
)
from kabinet.context import EventContext
from kabinet.events.contracts import EventContract, Prepared
from kabinet.idempotency import IdempotencyKeys


class Accounts(Protocol):
    async def add_many_if_absent(self, new: Sequence[FamilyAccount]) -> list[FamilyAccount]:
        """Open the accounts of families that have none; returns those opened."""
        ...

    async def by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]: ...

    async def ids_by_families(self, family_ids: Sequence[str]) -> dict[str, str]:
        """Family id -> its account's id (what charging needs: no balance read)."""
        ...

    async def by_family(self, family_id: str) -> FamilyAccount | None: ...

    async def with_branches(self, family_id: str) -> tuple[FamilyAccount | None, set[str]]:
        """The family's account (None: it has none) and the branches its students study in, in one read."""
        ...

    async def set_credit_limit(self, account_id: str, limit: Decimal) -> None: ...


class Ledger(Protocol):
    async def post(self, tx: Transaction, *, allow_debt: bool, ceiling: Decimal) -> Posted:
        """Apply one transaction under the account's lock: InsufficientFunds beyond the credit limit (unless
        ``allow_debt``), BalanceLimitExceeded beyond ± ``ceiling``; lesson credits move with it."""
        ...

    async def post_payment(self, tx: Transaction, payment: Payment, *, ceiling: Decimal) -> Posted:
        """``post`` of a payment's transaction (money in) and the payment added, together."""
        ...

    async def post_many(self, txs: Sequence[Transaction], ceiling: Decimal) -> dict[str, Posted]:
        """Apply many transactions, locking accounts in id order; never refused for the credit limit."""
        ...

    async def transactions(self, tx_ids: Sequence[str]) -> dict[str, PostedTransaction]: ...


class Charges(Protocol):
    async def claim_many(self, charges: Sequence[LessonCharge]) -> set[tuple[str, str]]:
        """Record active charges; returns the (lesson, student) pairs newly charged."""
        ...

    async def active(self, lesson_id: str, student_id: str | None = None) -> list[LessonCharge]: ...

    async def mark_refunded(self, charge_id: str, refund_tx_id: str) -> None: ...


class Subscriptions(Protocol):
    async def add_type(self, t: SubscriptionType, created_at: datetime) -> None: ...

    async def type(self, type_id: str) -> SubscriptionType | None: ...

    async def add(self, s: Subscription) -> None: ...

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None: ...

    async def save_state(self, s: Subscription) -> None: ...

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, list[Subscription]]: ...

    async def due_to_expire(self, today: date) -> list[Subscription]: ...

    async def announce_ending(self, subscription_ids: Sequence[str], lessons: int, now: datetime
                              ) -> list[Subscription]:
        """Those of these subscriptions now ending (``Subscription.ending_at(lessons)``) and not announced yet,
        marked announced at ``now`` in one statement: each is returned once, ever (a redelivered charge, a refund
        and a later charge find it marked)."""
        ...


class Discounts(Protocol):
    async def add(self, d: Discount, created_by: str | None, created_at: datetime) -> None: ...

    async def candidates_between(self, targets: Sequence[str], first: date, last: date) -> list[Discount]: ...


class Payments(Protocol):
    async def add(self, payment: Payment) -> None: ...

    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None: ...

    async def add_refunded(self, payment_id: str, amount: Decimal) -> None: ...


class Checkouts(Protocol):
    async def add(self, checkout: Checkout) -> None: ...

    async def get(self, provider: str, provider_payment_id: str) -> Checkout | None: ...

    async def mark_paid(self, checkout_id: str, payment_id: str) -> None: ...


class Invoices(Protocol):
    async def add(self, invoice: Invoice) -> None: ...

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None: ...

    async def set_paid(self, invoice_id: str, paid: Decimal, status: str) -> None: ...

    async def set_status(self, invoice_id: str, status: str) -> None: ...


class Projections(Protocol):
    """Billing's copies of other services' data, kept from their events."""

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None, name: str) -> None: ...

    async def upsert_staff(self, staff_id: str, name: str) -> None: ...

    async def erase_student(self, student_id: str) -> None: ...

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None: ...

    async def ensure_branch(self, branch_id: str) -> None: ...

    async def branch(self, branch_id: str) -> Branch | None: ...

    async def branches_by_ids(self, ids: Sequence[str]) -> dict[str, Branch]: ...

    async def set_branch_settings(self, branch_id: str, charge_on: str | None, burn: bool | None,
                                  makeup_charge: str | None = None) -> None: ...

    async def student(self, student_id: str) -> Student | None: ...

    async def family_had_trial(self, family_id: str) -> bool:
        """Whether the family's free trial is used; the family's trial is held until commit (a sale checks it)."""
        ...

    async def family_branches(self, family_id: str) -> set[str]: ...

    async def upsert_lessons(self, lessons: Sequence[Lesson]) -> None:
        """Insert or update lessons; an existing lesson keeps its cancelled flag."""
        ...

    async def lesson(self, lesson_id: str) -> Lesson | None: ...

    async def add_lesson_if_absent(self, lesson: Lesson) -> bool:
        """Insert the lesson unless it exists (waiting for an uncommitted insert of it); False when it did."""
        ...

    async def makeup_places(self, lesson_ids: Sequence[str]) -> list[Participant]:
        """The lessons' make-up places, not removed."""
        ...

    async def lessons_by_ids(self, ids: Sequence[str]) -> dict[str, Lesson]: ...

    async def reschedule_lesson(self, lesson_id: str, starts_at: datetime) -> None: ...

    async def cancel_lesson(self, lesson_id: str) -> None: ...

    async def upsert_participants(self, participants: Sequence[Participant]) -> None:
        """Insert or update (and un-remove) participants; their attendance stays."""
        ...

    async def participant(self, lesson_id: str, student_id: str) -> Participant | None: ...

    async def remove_participant(self, lesson_id: str, student_id: str) -> None: ...

    async def record_attendance(self, lesson_id: str, student_id: str, status: str, revision: int) -> bool:
        """Keep the latest revision only; False when this mark is older than one already applied."""
        ...


class BillingUnitOfWork(Protocol):
    """One transaction: repositories to read and write, events to publish with it, the money limits."""

    @property
    def limits(self) -> MoneyLimits: ...

    @property
    def accounts(self) -> Accounts: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def charges(self) -> Charges: ...

    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def discounts(self) -> Discounts: ...

    @property
    def payments(self) -> Payments: ...

    @property
    def checkouts(self) -> Checkouts: ...

    @property
    def invoices(self) -> Invoices: ...

    @property
    def projections(self) -> Projections: ...

    @property
    def idempotency(self) -> IdempotencyKeys:
        """The idempotency keys of retriable use cases: ``uow.idempotency.of(ResultType).run_once(...)``."""
        ...

    def publish(self, event: EventContract | Prepared[Any], context: EventContext | None = None) -> object:
        """Record an event to be published once this unit of work commits (``Prepared``: its payload as built)."""
        ...

    async def commit(self) -> None: ...


# ``async with uow_factory() as uow: ...``: a new unit of work (the runtime's, or a test's in memory).
UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[BillingUnitOfWork]]
