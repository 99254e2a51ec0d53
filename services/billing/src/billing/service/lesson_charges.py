"""Charges from lessons (R-BIL-2, R-BIL-4, R-BIL-7): at scheduling or at attendance, by the branch's setting.

Every lesson a student takes is charged at most once (one active charge per lesson and student, a unique
constraint), whichever events arrive and however often; cancelling refunds it, rescheduling moves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing.domain.events import AccountOpened, ChargeRefunded
from billing.domain.model import (
    LESSON_CREDIT,
    Discount,
    Entry,
    FamilyAccount,
    LedgerAccount,
    LessonFacts,
    Subscription,
    SubscriptionStatus,
    Transaction,
    TxKind,
    credit_move,
    money_move,
    new_id,
    pick_subscription,
    price_lesson,
    utcnow,
)
from billing.domain.records import Branch, Lesson, LessonCharge
from billing.service.postings import Postings
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.context import EventContext
from kabinet.events import MoneyPayload

log = logging.getLogger(__name__)

CHARGE_ON_SCHEDULING = "scheduling"
CHARGE_ON_ATTENDANCE = "attendance"
FREE_TRIAL = "trial"  # a participant's reason: the family's free trial lesson
CHARGED_STATUSES = frozenset({"present", "late", "absent"})  # an unexcused absence is charged; excused is not
MAKEUP = "makeup"  # a participant's reason: a make-up ("отработка") in another group's or a parallel lesson
# The branch's make-up rule (billing's setting ``makeup_charge``).
MAKEUP_FROM_PACKAGE = "from_package"  # the seeds' rule: only from a package listing the type, else free
MAKEUP_AS_LESSON = "as_lesson"
MAKEUP_FREE = "free"
MAKEUP_RULE_TEXT = {
    MAKEUP_FROM_PACKAGE: "make-ups are charged only from a package that lists the lesson's type",
    MAKEUP_AS_LESSON: "make-ups are charged like any lesson",
    MAKEUP_FREE: "make-ups are free",
}


@dataclass(frozen=True)
class Seat:
    """A student to charge for a lesson, at the participant's price."""

    student_id: str
    family_id: str
    price: Decimal
    currency: str
    reason: str = "member"  # why the student is on the lesson: member | makeup | trial | booking


async def ensure_account(uow: BillingUnitOfWork, family_id: str) -> FamilyAccount:
    """The family's account, opened now if its first event is a lesson rather than a registration."""
    await ensure_account_ids(uow, [family_id])
    account = await uow.accounts.by_family(family_id)
    assert account is not None
    return account


async def ensure_account_ids(uow: BillingUnitOfWork, family_ids: Sequence[str]) -> dict[str, str]:
    """The families' account ids (family id -> account id), opening the missing accounts in one statement."""
    repo = uow.accounts
    found = await repo.ids_by_families(family_ids)
    missing = sorted(set(family_ids) - set(found))
    if missing:
        for account in await repo.add_many_if_absent([FamilyAccount(new_id(), f) for f in missing]):
            uow.publish(AccountOpened(account_id=account.id, family_id=account.family_id,
                                      currency=account.currency))
            found[account.family_id] = account.id
        opened_meanwhile = [f for f in missing if f not in found]  # by a concurrent transaction, committed
        if opened_meanwhile:
            found.update(await repo.ids_by_families(opened_meanwhile))
    return found


async def charge_mode(uow: BillingUnitOfWork, branch_id: str) -> str:
    return mode_of(await uow.projections.branch(branch_id))


def mode_of(branch: Branch | None) -> str:
    """When the branch charges its lessons; at scheduling while billing does not know the branch yet."""
    return str(branch.charge_on) if branch is not None else CHARGE_ON_SCHEDULING


def local_date(branch: Branch | None, starts_at: datetime) -> date:
    """The lesson's calendar date in its branch's time zone (discounts "on a date" mean the local date)."""
    try:
        tz = ZoneInfo(branch.time_zone) if branch is not None else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return starts_at.astimezone(tz).date()


async def lesson_date(uow: BillingUnitOfWork, branch_id: str, starts_at: datetime) -> date:
    return local_date(await uow.projections.branch(branch_id), starts_at)


async def charge_participant(uow: BillingUnitOfWork, postings: Postings, lesson: Lesson, student_id: str,
                             family_id: str, price: Decimal, currency: str, reason: str = "member") -> str | None:
    """Charge one student for one lesson; returns the charge id, or None when nothing is charged."""
    return (await charge_seats(uow, postings, lesson, [Seat(student_id, family_id, price, currency, reason)])
            ).get(student_id)


async def charge_seats(uow: BillingUnitOfWork, postings: Postings, lesson: Lesson, seats: Sequence[Seat],
                       branch: Branch | None = None) -> dict[str, str]:
    """Charge one lesson's students; returns student → charge id."""
    if branch is None:
        branch = await uow.projections.branch(lesson.branch_id)
    got = await charge_lessons(uow, postings, [(lesson, seats)],
                               {lesson.branch_id: branch} if branch is not None else {})
    return {student: charge for (_, student), charge in got.items()}


async def charge_lessons(uow: BillingUnitOfWork, postings: Postings, items: Sequence[tuple[Lesson, Sequence[Seat]]],
                         branches: Mapping[str, Branch], contexts: Mapping[str, EventContext] | None = None,
                         ) -> dict[tuple[str, str], str]:
    """Charge the students of many lessons in a few statements whatever their number; returns
    (lesson, student) → charge id.

    Subscriptions, discounts and accounts are loaded once for all; the charges are claimed in one INSERT
    (the unique active key drops those already charged); the ledger postings go to the batch's ``postings``,
    posted together at its end (see postings.py), with the context of each lesson's event (``contexts`` by
    lesson id, when it is not the current one).
    """
    items = [(lesson, seats) for lesson, seats in items
             if seats and not lesson.cancelled and lesson.charged_by_default]
    if not items:
        return {}
    on_of = {lesson.id: local_date(branches.get(lesson.branch_id), lesson.starts_at) for lesson, _ in items}
    student_ids = sorted({s.student_id for _, seats in items for s in seats})
    subs_of = await uow.subscriptions.of_students(student_ids)
    account_ids = await ensure_account_ids(uow, sorted({s.family_id for _, seats in items for s in seats}))
    targets = sorted({t for _, seats in items for s in seats for t in (s.student_id, s.family_id) if t}
                     | {t for lesson, _ in items for t in (lesson.group_id, lesson.course_id, lesson.lesson_type,
                                                           lesson.branch_id) if t})
    discounts = await uow.discounts.candidates_between(targets, min(on_of.values()),
                                                                         max(on_of.values()))
    plans: list[tuple[Lesson, Seat, LessonCharge, Transaction | None]] = []
    now = utcnow()  # one time for the transactions posted together
    for lesson, seats in items:
        on = on_of[lesson.id]
        branch = branches.get(lesson.branch_id)
        makeup_rule = branch.makeup_charge if branch is not None else MAKEUP_FROM_PACKAGE
        described = _described(lesson, on)  # once per lesson: its seats' plain lines read the same
        for seat in seats:
            plan = _plan_charge(lesson, seat, on, account_ids[seat.family_id], subs_of.get(seat.student_id, ()),
                                discounts, makeup_rule, now, described=described)
            if plan is not None:
                plans.append((lesson, seat, *plan))
    if not plans:
        return {}
    claimed = await uow.charges.claim_many([charge for _, _, charge, _ in plans])
    out: dict[tuple[str, str], str] = {}
    for lesson, seat, charge, tx in plans:
        if (lesson.id, seat.student_id) not in claimed:
            continue  # already charged: an event delivered twice, or scheduled then attended
        # The lesson happened (or is booked): never skipped; beyond the credit limit it is recorded as debt.
        postings.charge(lesson.id, lesson.branch_id, charge, tx, context=(contexts or {}).get(lesson.id))
        out[(lesson.id, seat.student_id)] = charge.id
    return out


def _described(lesson: Lesson, on: date) -> str:
    """A money charge's statement line without a discount."""
    return f"Lesson {on.isoformat()} ({lesson.lesson_type})"


def _plan_charge(lesson: Lesson, seat: Seat, on: date, account_id: str, subs: Sequence[Subscription],
                 discounts: list[Discount], makeup_rule: str = MAKEUP_FROM_PACKAGE, now: datetime | None = None,
                 *, described: str) -> tuple[LessonCharge, Transaction | None] | None:
    """What charging this seat means: from a covering subscription, else in money less the best discount;
    None when the lesson type is one the student's subscriptions do not pay for (R-BIL-4), and for a make-up
    whatever the branch's rule says it is not charged. ``described``: ``_described(lesson, on)``, computed once per
    lesson by the caller."""
    # Most seats of a month: no subscription, no discount candidate - nothing to pick from then.
    sub = pick_subscription(subs, lesson.lesson_type, lesson.course_id, on) if subs else None
    makeup = seat.reason == MAKEUP
    if makeup and (makeup_rule == MAKEUP_FREE or (makeup_rule == MAKEUP_FROM_PACKAGE and sub is None)):
        log.info("make-up not charged by the branch's rule",
                 extra={"lesson_id": lesson.id, "student_id": seat.student_id, "rule": makeup_rule})
        return None
    live = [s for s in subs if s.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN)] if subs else ()
    if sub is None and live and not any(lesson.lesson_type in s.lesson_types for s in live):
        log.info("lesson type not covered by subscription: not charged",
                 extra={"lesson_id": lesson.id, "student_id": seat.student_id, "lesson_type": lesson.lesson_type})
        return None
    entries: list[Entry] = []
    kwargs: dict[str, Any] = {}
    if sub is not None:
        amount = Decimal("0.00")
        if not sub.unlimited:
            entries = credit_move(account_id, sub.id, -1, LedgerAccount.CREDITS_USED)
        description = f"Lesson {on.isoformat()} ({lesson.lesson_type}) from subscription «{sub.name}»"
        kwargs["subscription_id"] = sub.id
    else:
        # Most lessons have no discount candidates at all: no facts to build then (a month is 35,000 seats).
        priced = price_lesson(seat.price, LessonFacts(
            lesson.id, lesson.branch_id, seat.student_id, seat.family_id, lesson.lesson_type, on, lesson.group_id,
            lesson.course_id), discounts) if discounts else None
        amount = priced.charge if priced is not None else seat.price
        entries = money_move(account_id, -amount, LedgerAccount.REVENUE_LESSONS, seat.currency)
        description = described
        if priced is not None and priced.discount is not None:
            description += f", discount «{priced.discount.name}» −{priced.discount_amount:.2f}"
            kwargs.update(discount_id=priced.discount.id, discount_name=priced.discount.name,
                          discount_amount=priced.discount_amount)
    if makeup:  # the statement line says which rule charged it
        description = f"Make-up: {description}; branch rule: {MAKEUP_RULE_TEXT.get(makeup_rule, makeup_rule)}"
    tx = Transaction(account_id, seat.family_id, TxKind.LESSON_CHARGE, description, entries,
                     branch_id=lesson.branch_id, student_id=seat.student_id, lesson_id=lesson.id,
                     created_at=now or utcnow(), **kwargs) if entries else None
    charge = LessonCharge(new_id(), lesson.id, seat.student_id, seat.family_id, lesson.branch_id, amount,
                          seat.currency, kwargs.get("subscription_id"), tx.id if tx else None, lesson.starts_at)
    return charge, tx


async def _ended_subscriptions(uow: BillingUnitOfWork, ids: set[str]) -> dict[str, tuple[Subscription, bool]]:
    """The closed or expired ones of these subscriptions, each with whether its branch burns expired lessons."""
    out: dict[str, tuple[Subscription, bool]] = {}
    for sid in sorted(ids):
        sub = await uow.subscriptions.get(sid)
        if sub is not None and sub.ended:
            branch = await uow.projections.branch(sub.branch_id) if sub.branch_id else None
            out[sid] = (sub, branch.burn_expired_lessons if branch is not None else True)
    return out


def _settled_as_its_end(ended: tuple[Subscription, bool], account_id: str, reversal: list[Entry]
                        ) -> tuple[list[Entry], str]:
    """A lesson refunded after its subscription ended: the credit going back is settled as the end settled the
    others - closed, or expired where the branch refunds, its value to the balance in money; expired where the
    branch burns them, burned. Without this the credit went back to a subscription no one can use (and the money
    of a closed one was lost to the family). Returns the entries to add and the statement line's words."""
    sub, burns = ended
    credits = int(sum((e.amount for e in reversal if e.currency == LESSON_CREDIT
                       and e.ledger_account == LedgerAccount.subscription(sub.id)), Decimal(0)))
    if credits <= 0:
        return [], ""
    if sub.status is SubscriptionStatus.EXPIRED and burns:
        return (credit_move(account_id, sub.id, -credits, LedgerAccount.CREDITS_BURNED),
                f"; the subscription «{sub.name}» has expired: the lesson burned as its others did")
    value = sub.value_of(credits)
    entries = credit_move(account_id, sub.id, -credits, LedgerAccount.CREDITS_ISSUED)
    if value > 0:
        entries += money_move(account_id, value, LedgerAccount.REVENUE_SUBSCRIPTIONS, sub.currency)
    what = "is closed" if sub.status is SubscriptionStatus.CLOSED else "has expired"
    return entries, f"; the subscription «{sub.name}» {what}: the lesson's {value:.2f} to the balance"


async def refund_charges(uow: BillingUnitOfWork, postings: Postings, lesson_id: str, student_id: str | None,
                         reason: str) -> int:
    """Reverse the active charges of a lesson (of one student, or all): money or credit goes back."""
    charges = uow.charges
    active = await charges.active(lesson_id, student_id)
    if not active:
        return 0
    tx_ids = [c.transaction_id for c in active if c.transaction_id is not None]
    stored = [t for t in tx_ids if postings.transaction(t) is None]
    originals = await uow.ledger.transactions(stored) if stored else {}
    ended = await _ended_subscriptions(uow, {c.subscription_id for c in active if c.subscription_id})
    for c in active:
        refund_tx_id = None
        if c.transaction_id is not None:
            queued = postings.transaction(c.transaction_id)  # charged in this very unit of work
            if queued is not None:
                account_id, description = queued.account_id, queued.description
                entries = [Entry(e.ledger_account, -e.amount, e.currency, e.account_id) for e in queued.entries]
            else:
                original = originals[c.transaction_id]
                account_id, description = original.account_id, original.description
                entries = [Entry(e.ledger_account, -e.amount, e.currency, e.account_id) for e in original.entries]
            sub = ended.get(c.subscription_id or "")
            if sub is not None:
                settled = _settled_as_its_end(sub, account_id, entries)
                entries += settled[0]
                description += settled[1]
            tx = Transaction(account_id, c.family_id, TxKind.LESSON_REFUND, f"Refund: {description} — {reason}",
                             entries, branch_id=c.branch_id, student_id=c.student_id, lesson_id=lesson_id,
                             subscription_id=c.subscription_id, reverses_id=c.transaction_id)
            postings.add(tx)
            refund_tx_id = tx.id
        uow.publish(ChargeRefunded(charge_id=c.id, family_id=c.family_id, student_id=c.student_id,
                                   lesson_id=lesson_id, amount=MoneyPayload(amount=c.amount, currency=c.currency),
                                   subscription_id=c.subscription_id))
        await charges.mark_refunded(c.id, refund_tx_id or "")
    return len(active)
