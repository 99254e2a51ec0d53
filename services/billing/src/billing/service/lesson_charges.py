"""Charges from lessons (R-BIL-2, R-BIL-4, R-BIL-7): at scheduling or at attendance, by the branch's setting.

Every lesson a student takes is charged at most once (one active charge per lesson and student, a unique
constraint), whichever events arrive and however often; cancelling refunds it, rescheduling moves nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row

from billing.adapters.repositories import (
    AccountRepository,
    ChargeRepository,
    DiscountRepository,
    LedgerRepository,
    ProjectionRepository,
    SubscriptionRepository,
)
from billing.domain.events import AccountOpened, ChargeApplied, ChargeRefunded, money
from billing.domain.model import (
    Entry,
    FamilyAccount,
    LedgerAccount,
    LessonFacts,
    SubscriptionStatus,
    Transaction,
    TxKind,
    credit_move,
    money_move,
    new_id,
    pick_subscription,
    price_lesson,
)
from billing.service.ledger import post
from kabinet.db import UnitOfWork

log = logging.getLogger(__name__)

CHARGE_ON_SCHEDULING = "scheduling"
CHARGE_ON_ATTENDANCE = "attendance"
CHARGED_STATUSES = frozenset({"present", "late", "absent"})  # an unexcused absence is charged; excused is not


async def ensure_account(uow: UnitOfWork, family_id: str) -> FamilyAccount:
    """The family's account, opened now if its first event is a lesson rather than a registration."""
    repo = AccountRepository(uow.session)
    account = FamilyAccount(new_id(), family_id)
    if await repo.add_if_absent(account):
        uow.publish(AccountOpened(account_id=account.id, family_id=family_id, currency=account.currency))
        return account
    found = await repo.by_family(family_id)
    assert found is not None
    return found


async def charge_mode(uow: UnitOfWork, branch_id: str) -> str:
    branch = await ProjectionRepository(uow.session).branch(branch_id)
    return str(branch.charge_on) if branch is not None else CHARGE_ON_SCHEDULING


async def lesson_date(uow: UnitOfWork, branch_id: str, starts_at: datetime) -> date:
    """The lesson's calendar date in its branch's time zone (discounts "on a date" mean the local date)."""
    branch = await ProjectionRepository(uow.session).branch(branch_id)
    try:
        tz = ZoneInfo(branch.time_zone) if branch is not None else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return starts_at.astimezone(tz).date()


async def charge_participant(uow: UnitOfWork, lesson: Row[Any], student_id: str, family_id: str,
                             price: Decimal, currency: str) -> str | None:
    """Charge one student for one lesson; returns the charge id, or None when nothing is charged."""
    if lesson.cancelled or not lesson.charged_by_default:
        return None
    charges = ChargeRepository(uow.session)
    account = await ensure_account(uow, family_id)
    on = await lesson_date(uow, lesson.branch_id, lesson.starts_at)
    subs = (await SubscriptionRepository(uow.session).of_students([student_id]))[student_id]
    sub = pick_subscription(subs, lesson.lesson_type, lesson.course_id, on)
    live = [s for s in subs if s.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN)]
    if sub is None and live and not any(lesson.lesson_type in s.lesson_types for s in live):
        # R-BIL-4: a lesson type the student's subscription does not pay for (a make-up) is not charged.
        log.info("lesson type not covered by subscription: not charged",
                 extra={"lesson_id": lesson.id, "student_id": student_id, "lesson_type": lesson.lesson_type})
        return None
    tx_id, charge_id = new_id(), new_id()
    entries: list[Entry] = []
    kwargs: dict[str, Any] = {}
    if sub is not None:
        amount = Decimal("0.00")
        if not sub.unlimited:
            entries = credit_move(account.id, sub.id, -1, LedgerAccount.CREDITS_USED)
        description = f"Lesson {on.isoformat()} ({lesson.lesson_type}) from subscription «{sub.name}»"
        kwargs["subscription_id"] = sub.id
    else:
        facts = LessonFacts(lesson.id, lesson.branch_id, student_id, family_id, lesson.lesson_type, on,
                            lesson.group_id, lesson.course_id)
        targets = [t for t in (student_id, family_id, lesson.group_id, lesson.course_id, lesson.lesson_type,
                               lesson.branch_id) if t]
        priced = price_lesson(price, facts, await DiscountRepository(uow.session).candidates(targets, on))
        amount = priced.charge
        entries = money_move(account.id, -amount, LedgerAccount.REVENUE_LESSONS, currency)
        description = f"Lesson {on.isoformat()} ({lesson.lesson_type})"
        if priced.discount is not None:
            description += f", discount «{priced.discount.name}» −{priced.discount_amount:.2f}"
            kwargs.update(discount_id=priced.discount.id, discount_name=priced.discount.name,
                          discount_amount=priced.discount_amount)
    if not await charges.claim(charge_id=charge_id, lesson_id=lesson.id, student_id=student_id,
                               family_id=family_id, branch_id=lesson.branch_id, amount=amount, currency=currency,
                               subscription_id=kwargs.get("subscription_id"),
                               transaction_id=tx_id if entries else None, created_at=lesson.starts_at):
        return None  # already charged: an event delivered twice, or scheduled then attended
    debt = False
    if entries:
        tx = Transaction(account.id, family_id, TxKind.LESSON_CHARGE, description, entries, id=tx_id,
                         branch_id=lesson.branch_id, student_id=student_id, lesson_id=lesson.id, **kwargs)
        # The lesson happened (or is booked): never skipped; beyond the credit limit it is recorded as debt.
        debt = (await post(uow, tx, allow_debt=True)).debt
    uow.publish(ChargeApplied(charge_id=charge_id, family_id=family_id, student_id=student_id, lesson_id=lesson.id,
                              amount=money(amount, currency), subscription_id=kwargs.get("subscription_id"),
                              debt=debt))
    return charge_id


async def refund_charges(uow: UnitOfWork, lesson_id: str, student_id: str | None, reason: str) -> int:
    """Reverse the active charges of a lesson (of one student, or all): money or credit goes back."""
    charges = ChargeRepository(uow.session)
    ledger = LedgerRepository(uow.session)
    refunded = 0
    for c in await charges.active(lesson_id, student_id):
        refund_tx_id = None
        if c.transaction_id is not None:
            original = await ledger.transaction(c.transaction_id)
            assert original is not None
            entries = [Entry(e.ledger_account, -e.amount, e.currency, e.account_id)
                       for e in await ledger.entries_of(c.transaction_id)]
            tx = Transaction(original.account_id, c.family_id, TxKind.LESSON_REFUND,
                             f"Refund: {original.description} — {reason}", entries, branch_id=c.branch_id,
                             student_id=c.student_id, lesson_id=lesson_id, subscription_id=c.subscription_id,
                             reverses_id=original.id)
            await post(uow, tx, allow_debt=True)
            refund_tx_id = tx.id
        await charges.mark_refunded(c.id, refund_tx_id or "")
        uow.publish(ChargeRefunded(charge_id=c.id, family_id=c.family_id, student_id=c.student_id,
                                   lesson_id=lesson_id, amount=money(c.amount, c.currency),
                                   subscription_id=c.subscription_id))
        refunded += 1
    return refunded
