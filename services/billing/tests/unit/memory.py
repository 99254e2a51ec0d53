"""Billing's unit of work in memory: the repositories of ``billing.service.unit_of_work`` over plain dicts, with
the same rules the SQL ones enforce (the balance checks of a posting, one active charge per lesson and student,
lesson credits never below zero), and transactions: a unit of work works on a copy of the
store and writes it back only at ``commit`` (leaving the block without commit rolls everything back)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from billing.domain.errors import BalanceLimitExceeded, InsufficientFunds, SubscriptionStateInvalid
from billing.domain.model import (
    CENT,
    DEFAULT_LIMITS,
    LESSON_CREDIT,
    Discount,
    FamilyAccount,
    MoneyLimits,
    Subscription,
    SubscriptionStatus,
    SubscriptionType,
    Transaction,
)
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
from kabinet.context import EventContext, current_context
from kabinet.events.contracts import EventContract, Prepared
from kabinet.idempotency import IdempotencyKeys, MemoryKeyStore
from kabinet.money import AMOUNT_COLUMN_MAX


@dataclass
class Store:
    """All of billing's data, as the database would hold it."""

    accounts: dict[str, FamilyAccount] = field(default_factory=dict)  # by id
    ledger: list[tuple[Transaction, Posted]] = field(default_factory=list)
    subscription_types: dict[str, SubscriptionType] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    ending_announced: set[str] = field(default_factory=set)  # subscriptions announced as ending
    discounts: dict[str, Discount] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    checkouts: dict[str, Checkout] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    charges: dict[str, LessonCharge] = field(default_factory=dict)
    active_charges: dict[tuple[str, str], str] = field(default_factory=dict)  # (lesson, student) -> charge id
    students: dict[str, Student] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    branches: dict[str, Branch] = field(default_factory=dict)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    participants: dict[tuple[str, str], Participant] = field(default_factory=dict)
    idempotency: MemoryKeyStore = field(default_factory=MemoryKeyStore)
    published: list[tuple[EventContract, EventContext]] = field(default_factory=list)

    def account_of(self, family_id: str) -> FamilyAccount | None:
        return next((a for a in self.accounts.values() if a.family_id == family_id), None)

    def events(self, kind: type[EventContract] | None = None) -> list[EventContract]:
        return [e for e, _ in self.published if kind is None or isinstance(e, kind)]


class MemoryAccounts:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add_many_if_absent(self, new: Sequence[FamilyAccount]) -> list[FamilyAccount]:
        added = []
        for a in new:
            if self.s.account_of(a.family_id) is None:
                self.s.accounts[a.id] = copy.copy(a)
                added.append(a)
        return added

    async def by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]:
        return {a.family_id: copy.copy(a) for a in self.s.accounts.values() if a.family_id in family_ids}

    async def ids_by_families(self, family_ids: Sequence[str]) -> dict[str, str]:
        return {f: a.id for f, a in (await self.by_families(family_ids)).items()}

    async def by_family(self, family_id: str) -> FamilyAccount | None:
        return (await self.by_families([family_id])).get(family_id)

    async def with_branches(self, family_id: str) -> tuple[FamilyAccount | None, set[str]]:
        return await self.by_family(family_id), {
            st.branch_id for st in self.s.students.values() if st.family_id == family_id and st.branch_id}

    async def set_credit_limit(self, account_id: str, limit: Decimal) -> None:
        self.s.accounts[account_id].credit_limit = limit


class MemoryLedger:
    def __init__(self, s: Store) -> None:
        self.s = s

    def _move_credits(self, tx: Transaction) -> None:
        for e in tx.entries:
            if e.currency == LESSON_CREDIT and e.account_id is not None:
                sub = self.s.subscriptions[e.ledger_account.split(":", 1)[1]]
                if sub.lessons_left is None or sub.lessons_left + int(e.amount) < 0:
                    raise SubscriptionStateInvalid("The subscription has no lessons left.")
                sub.lessons_left += int(e.amount)

    def _apply(self, tx: Transaction, after: Decimal, limit: Decimal) -> Posted:
        self.s.accounts[tx.account_id].balance = after
        posted = Posted(tx.id, after, tx.family_delta < 0 and after < -limit)
        self.s.ledger.append((tx, posted))
        return posted

    async def post_payment(self, tx: Transaction, payment: Payment, *, ceiling: Decimal = AMOUNT_COLUMN_MAX
                           ) -> Posted:
        posted = await self.post(tx, allow_debt=False, ceiling=ceiling)
        self.s.payments[payment.id] = payment
        return posted

    async def post(self, tx: Transaction, *, allow_debt: bool, ceiling: Decimal = AMOUNT_COLUMN_MAX) -> Posted:
        account = self.s.accounts[tx.account_id]
        delta, ceiling = tx.family_delta, min(ceiling, AMOUNT_COLUMN_MAX)
        after = (account.balance + delta).quantize(CENT)
        if (delta > 0 and after > ceiling) or (delta < 0 and after < -ceiling):
            raise BalanceLimitExceeded(field="amount")
        if delta < 0 and not allow_debt and after < -account.credit_limit:
            raise InsufficientFunds()
        self._move_credits(tx)
        return self._apply(tx, after, account.credit_limit)

    async def post_many(self, txs: Sequence[Transaction], ceiling: Decimal = AMOUNT_COLUMN_MAX
                        ) -> dict[str, Posted]:
        ceiling = min(ceiling, AMOUNT_COLUMN_MAX)
        running = {tx.account_id: self.s.accounts[tx.account_id].balance for tx in txs}
        for tx in txs:
            running[tx.account_id] += tx.family_delta
            if (tx.family_delta > 0 and running[tx.account_id] > ceiling) or (
                    tx.family_delta < 0 and running[tx.account_id] < -ceiling):
                raise BalanceLimitExceeded(field="amount")
        out = {}
        for tx in txs:
            self._move_credits(tx)
            account = self.s.accounts[tx.account_id]
            out[tx.id] = self._apply(tx, (account.balance + tx.family_delta).quantize(CENT), account.credit_limit)
        return out

    async def transactions(self, tx_ids: Sequence[str]) -> dict[str, PostedTransaction]:
        return {t.id: PostedTransaction(t.id, t.account_id, t.family_id, t.description, tuple(t.entries))
                for t, _ in self.s.ledger if t.id in tx_ids}


class MemoryCharges:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def claim_many(self, charges: Sequence[LessonCharge]) -> set[tuple[str, str]]:
        claimed = set()
        for c in charges:
            key = (c.lesson_id, c.student_id)
            if key not in self.s.active_charges:
                self.s.active_charges[key] = c.id
                self.s.charges[c.id] = c
                claimed.add(key)
        return claimed

    async def active(self, lesson_id: str, student_id: str | None = None) -> list[LessonCharge]:
        return [self.s.charges[cid] for (lid, sid), cid in sorted(self.s.active_charges.items())
                if lid == lesson_id and student_id in (None, sid)]

    async def mark_refunded(self, charge_id: str, refund_tx_id: str) -> None:
        c = self.s.charges[charge_id]
        self.s.charges[charge_id] = replace(c, refund_transaction_id=refund_tx_id)
        del self.s.active_charges[(c.lesson_id, c.student_id)]


class MemorySubscriptions:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add_type(self, t: SubscriptionType, created_at: datetime) -> None:
        self.s.subscription_types[t.id] = copy.deepcopy(t)

    async def type(self, type_id: str) -> SubscriptionType | None:
        return copy.deepcopy(self.s.subscription_types.get(type_id))

    async def add(self, s: Subscription) -> None:
        # Credits arrive through the ledger (as in the database): the count starts at 0, the sale adds them.
        self.s.subscriptions[s.id] = replace(copy.deepcopy(s), lessons_left=None if s.unlimited else 0)

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        return copy.deepcopy(self.s.subscriptions.get(subscription_id))

    async def save_state(self, s: Subscription) -> None:
        stored = self.s.subscriptions[s.id]
        stored.status, stored.frozen_on, stored.valid_until = s.status, s.frozen_on, s.valid_until

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, list[Subscription]]:
        out: dict[str, list[Subscription]] = {sid: [] for sid in student_ids}
        for s in sorted(self.s.subscriptions.values(), key=lambda s: s.sold_at):
            if s.student_id in out:
                out[s.student_id].append(copy.deepcopy(s))
        return out

    async def due_to_expire(self, today: date) -> list[Subscription]:
        return [copy.deepcopy(s) for s in self.s.subscriptions.values()
                if s.status is SubscriptionStatus.ACTIVE and s.valid_until < today]

    async def announce_ending(self, subscription_ids: Sequence[str], lessons: int, now: datetime
                              ) -> list[Subscription]:
        found = [self.s.subscriptions[i] for i in sorted(set(subscription_ids)) if i in self.s.subscriptions]
        ending = [s for s in found if s.id not in self.s.ending_announced and s.ending_at(lessons)]
        self.s.ending_announced.update(s.id for s in ending)
        return [copy.deepcopy(s) for s in ending]


class MemoryDiscounts:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, d: Discount, created_by: str | None, created_at: datetime) -> None:
        self.s.discounts[d.id] = d

    async def candidates_between(self, targets: Sequence[str], first: date, last: date) -> list[Discount]:
        return [d for d in self.s.discounts.values() if d.target in targets
                and (d.valid_from is None or d.valid_from <= last) and (d.valid_to is None or d.valid_to >= first)]


class MemoryPayments:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, payment: Payment) -> None:
        self.s.payments[payment.id] = payment

    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        return self.s.payments.get(payment_id)

    async def add_refunded(self, payment_id: str, amount: Decimal) -> None:
        p = self.s.payments[payment_id]
        self.s.payments[payment_id] = replace(p, refunded=p.refunded + amount)


class MemoryCheckouts:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, checkout: Checkout) -> None:
        self.s.checkouts[checkout.id] = checkout

    async def get(self, provider: str, provider_payment_id: str) -> Checkout | None:
        return next((c for c in self.s.checkouts.values()
                     if c.provider == provider and c.provider_payment_id == provider_payment_id), None)

    async def mark_paid(self, checkout_id: str, payment_id: str) -> None:
        self.s.checkouts[checkout_id] = replace(self.s.checkouts[checkout_id], status="paid", payment_id=payment_id)


class MemoryInvoices:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, invoice: Invoice) -> None:
        self.s.invoices[invoice.id] = invoice

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None:
        return self.s.invoices.get(invoice_id)

    async def set_paid(self, invoice_id: str, paid: Decimal, status: str) -> None:
        self.s.invoices[invoice_id] = replace(self.s.invoices[invoice_id], paid=paid, status=status)

    async def set_status(self, invoice_id: str, status: str) -> None:
        self.s.invoices[invoice_id] = replace(self.s.invoices[invoice_id], status=status)


class MemoryProjections:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None, name: str) -> None:
        old = self.s.students.get(student_id)
        self.s.students[student_id] = Student(student_id, family_id, branch_id, name, old.erased if old else False)

    async def upsert_staff(self, staff_id: str, name: str) -> None:
        self.s.staff[staff_id] = name

    async def erase_student(self, student_id: str) -> None:
        if student_id in self.s.students:
            self.s.students[student_id] = replace(self.s.students[student_id], display_name="", erased=True)

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        old = self.s.branches.get(branch_id) or Branch(branch_id, "", "UTC", "scheduling", True, "from_package")
        self.s.branches[branch_id] = replace(old, name=name, time_zone=time_zone)

    async def ensure_branch(self, branch_id: str) -> None:
        self.s.branches.setdefault(branch_id, Branch(branch_id, "", "UTC", "scheduling", True, "from_package"))

    async def branch(self, branch_id: str) -> Branch | None:
        return self.s.branches.get(branch_id)

    async def branches_by_ids(self, ids: Sequence[str]) -> dict[str, Branch]:
        return {i: self.s.branches[i] for i in ids if i in self.s.branches}

    async def set_branch_settings(self, branch_id: str, charge_on: str | None, burn: bool | None,
                                  makeup_charge: str | None = None) -> None:
        await self.ensure_branch(branch_id)
        b = self.s.branches[branch_id]
        self.s.branches[branch_id] = replace(
            b, charge_on=charge_on if charge_on is not None else b.charge_on,
            burn_expired_lessons=burn if burn is not None else b.burn_expired_lessons,
            makeup_charge=makeup_charge if makeup_charge is not None else b.makeup_charge)

    async def student(self, student_id: str) -> Student | None:
        return self.s.students.get(student_id)

    async def family_had_trial(self, family_id: str) -> bool:
        return any(s.family_id == family_id and s.trial for s in self.s.subscriptions.values()) or any(
            p.family_id == family_id and p.reason == "trial" and not p.removed for p in self.s.participants.values())

    async def family_branches(self, family_id: str) -> set[str]:
        return {s.branch_id for s in self.s.students.values() if s.family_id == family_id and s.branch_id}

    async def upsert_lessons(self, lessons: Sequence[Lesson]) -> None:
        for lesson in lessons:
            old = self.s.lessons.get(lesson.id)
            self.s.lessons[lesson.id] = replace(lesson, cancelled=old.cancelled if old else False)

    async def lesson(self, lesson_id: str) -> Lesson | None:
        return self.s.lessons.get(lesson_id)

    async def add_lesson_if_absent(self, lesson: Lesson) -> bool:
        if lesson.id in self.s.lessons:
            return False
        self.s.lessons[lesson.id] = replace(lesson, cancelled=False)
        return True

    async def makeup_places(self, lesson_ids: Sequence[str]) -> list[Participant]:
        return [p for p in self.s.participants.values()
                if p.lesson_id in lesson_ids and p.reason == "makeup" and not p.removed]

    async def lessons_by_ids(self, ids: Sequence[str]) -> dict[str, Lesson]:
        return {i: self.s.lessons[i] for i in ids if i in self.s.lessons}

    async def reschedule_lesson(self, lesson_id: str, starts_at: datetime) -> None:
        self.s.lessons[lesson_id] = replace(self.s.lessons[lesson_id], starts_at=starts_at)

    async def cancel_lesson(self, lesson_id: str) -> None:
        if lesson_id in self.s.lessons:
            self.s.lessons[lesson_id] = replace(self.s.lessons[lesson_id], cancelled=True)

    async def upsert_participants(self, participants: Sequence[Participant]) -> None:
        for p in participants:
            old = self.s.participants.get((p.lesson_id, p.student_id))
            self.s.participants[(p.lesson_id, p.student_id)] = replace(
                p, removed=False, attendance_status=old.attendance_status if old else None,
                attendance_revision=old.attendance_revision if old else -1)

    async def participant(self, lesson_id: str, student_id: str) -> Participant | None:
        return self.s.participants.get((lesson_id, student_id))

    async def remove_participant(self, lesson_id: str, student_id: str) -> None:
        key = (lesson_id, student_id)
        if key in self.s.participants:
            self.s.participants[key] = replace(self.s.participants[key], removed=True)

    async def record_attendance(self, lesson_id: str, student_id: str, status: str, revision: int) -> bool:
        p = self.s.participants.get((lesson_id, student_id))
        if p is None or p.attendance_revision >= revision:
            return False
        self.s.participants[(lesson_id, student_id)] = replace(p, attendance_status=status,
                                                               attendance_revision=revision)
        return True


class MemoryUnitOfWork:
    """``async with MemoryUnitOfWork(store) as uow: ...; await uow.commit()`` - implements BillingUnitOfWork."""

    def __init__(self, store: Store, limits: MoneyLimits = DEFAULT_LIMITS) -> None:
        self.store = store
        self.limits = limits
        self.committed = False
        self._begin()

    def _begin(self) -> None:
        work = copy.deepcopy(self.store)
        work.published = []
        self._work = work
        self.accounts = MemoryAccounts(work)
        self.ledger = MemoryLedger(work)
        self.charges = MemoryCharges(work)
        self.subscriptions = MemorySubscriptions(work)
        self.discounts = MemoryDiscounts(work)
        self.payments = MemoryPayments(work)
        self.checkouts = MemoryCheckouts(work)
        self.invoices = MemoryInvoices(work)
        self.projections = MemoryProjections(work)
        self.idempotency = IdempotencyKeys(work.idempotency)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        return None  # what was not committed is dropped with the working copy

    def publish(self, event: EventContract | Prepared[Any], context: EventContext | None = None) -> EventContract:
        if isinstance(event, Prepared):  # as published: must validate against its contract and dump to itself
            event = event.validated()
        self._work.published.append((event, context or current_context()))
        return event

    async def commit(self) -> None:
        published = self.store.published + self._work.published
        self.store.__dict__.update(copy.deepcopy(self._work).__dict__)
        self.store.published = published
        self.committed = True
        self._begin()  # a commit ends a transaction; what follows is a new one
