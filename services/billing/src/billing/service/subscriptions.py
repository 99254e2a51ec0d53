"""Subscriptions (абонементы, R-BIL-4): types, sale (paid or on credit), freeze, closing, expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from billing.domain.errors import (
    StudentUnknown,
    SubscriptionNotFound,
    SubscriptionStateInvalid,
    SubscriptionTypeNotFound,
    TrialAlreadyUsed,
)
from billing.domain.events import (
    SubscriptionClosed,
    SubscriptionExpired,
    SubscriptionFrozen,
    SubscriptionSold,
    SubscriptionUnfrozen,
)
from billing.domain.model import (
    Entry,
    LedgerAccount,
    PaymentMethod,
    Subscription,
    SubscriptionStatus,
    SubscriptionType,
    Transaction,
    TxKind,
    credit_move,
    money_move,
    new_id,
    positive_amount,
    utcnow,
)
from billing.service.access import actor, require_booked_managed, require_branch_managed, require_family_managed
from billing.service.ledger import account_of, post
from billing.service.payments import RecordPayment, apply_payment
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_role
from kabinet.errors import InvalidInput
from kabinet.events import MoneyPayload
from kabinet.idempotency import user_scope


@dataclass(frozen=True)
class CreateSubscriptionType:
    name: str
    lessons: int | None
    validity_days: int
    price: Decimal
    lesson_types: list[str]
    course_ids: list[str]
    trial: bool
    branch_id: str | None


async def create_subscription_type(cmd: CreateSubscriptionType, uow: BillingUnitOfWork, p: Principal
                                   ) -> SubscriptionType:
    require_branch_managed(p, cmd.branch_id)
    if not cmd.name.strip():
        raise InvalidInput("Name the subscription type.", field="name")
    if cmd.lessons is not None and cmd.lessons <= 0:
        raise InvalidInput("A subscription has at least one lesson (or none for unlimited).", field="lessons")
    if cmd.validity_days <= 0:
        raise InvalidInput("Validity is at least one day.", field="validityDays")
    price = positive_amount(cmd.price, uow.limits, field="price", zero=True)  # free trials cost 0
    if not cmd.lesson_types:
        raise InvalidInput("List the lesson types it pays for.", field="lessonTypes")
    t = SubscriptionType(new_id(), cmd.name.strip(), cmd.lessons, cmd.validity_days, price,
                         sorted(set(cmd.lesson_types)), sorted(set(cmd.course_ids)), cmd.trial, cmd.branch_id)
    await uow.subscriptions.add_type(t, utcnow())
    await uow.commit()
    return t


@dataclass(frozen=True)
class SaleResult:
    subscription_id: str
    balance_after: Decimal


@dataclass(frozen=True)
class CloseResult:
    subscription_id: str
    refunded: Decimal  # the unused lessons' value, back on the balance


@dataclass(frozen=True)
class SellSubscription:
    type_id: str
    student_id: str
    on_credit: bool = False
    paid_with: PaymentMethod | None = None  # paid at once: the payment is recorded with the sale
    starts_on: date | None = None
    idempotency_key: str | None = None


async def sell_subscription(cmd: SellSubscription, uow: BillingUnitOfWork, p: Principal) -> SaleResult:
    student = await uow.projections.student(cmd.student_id)
    if student is None:
        raise StudentUnknown(field="studentId")
    await require_family_managed(p, uow.projections, student.family_id, student_id=student.id)
    if cmd.paid_with is PaymentMethod.ONLINE:  # as record_payment: only the provider's notification records those
        raise InvalidInput("Online payments are confirmed by the payment provider.", field="paidWith")
    content = {"type": cmd.type_id, "student": cmd.student_id, "credit": cmd.on_credit,
               "paid": cmd.paid_with.value if cmd.paid_with else None,
               "starts": cmd.starts_on.isoformat() if cmd.starts_on else None}

    async def action() -> SaleResult:
        repo = uow.subscriptions
        t = await repo.type(cmd.type_id)
        if t is None:
            raise SubscriptionTypeNotFound(field="typeId")
        if t.branch_id is not None:
            require_branch_managed(p, t.branch_id)  # a branch's own plan is sold by that branch only
        if t.trial and await uow.projections.family_had_trial(student.family_id):
            raise TrialAlreadyUsed(field="typeId")  # one free trial per family (R-SCH-6), packages too
        account = await account_of(uow, student.family_id)
        start = cmd.starts_on or utcnow().date()
        sub = Subscription(
            id=new_id(), type_id=t.id, account_id=account.id, family_id=student.family_id, student_id=student.id,
            branch_id=student.branch_id or t.branch_id, name=t.name, lessons_total=t.lessons, lessons_left=t.lessons,
            price=t.price, lesson_types=t.lesson_types, course_ids=t.course_ids, trial=t.trial,
            on_credit=cmd.on_credit, valid_from=start, valid_until=start + timedelta(days=t.validity_days - 1),
            currency=t.currency)
        await repo.add(sub)
        if cmd.paid_with is not None and t.price > 0:
            await apply_payment(RecordPayment(student.family_id, t.price, cmd.paid_with, None, t.currency,
                                              branch_id=sub.branch_id), uow, actor(p), user_scope(p.user_id))
        entries: list[Entry] = []
        if t.price > 0:
            entries += money_move(account.id, -t.price, LedgerAccount.REVENUE_SUBSCRIPTIONS, account.currency)
        if t.lessons:
            entries += credit_move(account.id, sub.id, t.lessons, LedgerAccount.CREDITS_ISSUED)
        balance = account.balance
        if entries:
            tx = Transaction(account.id, account.family_id, TxKind.SUBSCRIPTION_SALE,
                             f"Subscription «{t.name}»" + (" (on credit)" if cmd.on_credit else ""), entries,
                             branch_id=sub.branch_id, student_id=sub.student_id, subscription_id=sub.id,
                             created_by=actor(p))
            # Paid at once (the payment above covers it exactly) or sold on credit, an earlier debt does not
            # block the sale; sold from the balance, the money must be there.
            paid_now = cmd.paid_with is not None
            balance = (await post(uow, tx, allow_debt=cmd.on_credit or paid_now)).balance_after
        uow.publish(SubscriptionSold(subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id,
                                     branch_id=sub.branch_id, trial=sub.trial, on_credit=cmd.on_credit))
        return SaleResult(sub.id, balance)

    keys = uow.idempotency.of(SaleResult)
    result = (await keys.run_once(user_scope(p.user_id), cmd.idempotency_key, "sell", content, action)).result
    await uow.commit()
    return result


async def _managed_subscription(uow: BillingUnitOfWork, p: Principal, subscription_id: str, *,
                               undoes_money: bool = False) -> Subscription:
    """``undoes_money``: the operation gives back money booked where the subscription is (closing refunds its
    unused lessons), so it is checked as a refund is (``require_booked_managed``)."""
    sub = await uow.subscriptions.get(subscription_id, lock=True)
    if sub is None:
        raise SubscriptionNotFound(field="subscriptionId")
    if undoes_money:
        await require_booked_managed(p, uow.projections, sub.family_id, sub.branch_id)
    else:
        await require_family_managed(p, uow.projections, sub.family_id, branch_id=sub.branch_id)
    return sub


@dataclass(frozen=True)
class FreezeSubscription:
    subscription_id: str
    on: date | None = None  # today by default


async def freeze_subscription(cmd: FreezeSubscription, uow: BillingUnitOfWork, p: Principal) -> Subscription:
    """Freezing a frozen subscription changes nothing (safe to retry)."""
    sub = await _managed_subscription(uow, p, cmd.subscription_id)
    if sub.status is SubscriptionStatus.FROZEN:
        return sub
    sub.freeze(cmd.on or utcnow().date())
    await uow.subscriptions.save_state(sub)
    uow.publish(SubscriptionFrozen(subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id))
    await uow.commit()
    return sub


@dataclass(frozen=True)
class UnfreezeSubscription:
    subscription_id: str
    on: date | None = None  # today by default


async def unfreeze_subscription(cmd: UnfreezeSubscription, uow: BillingUnitOfWork, p: Principal) -> Subscription:
    sub = await _managed_subscription(uow, p, cmd.subscription_id)
    if sub.status is SubscriptionStatus.ACTIVE:
        return sub
    sub.unfreeze(cmd.on or utcnow().date())
    await uow.subscriptions.save_state(sub)
    uow.publish(SubscriptionUnfrozen(subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id,
                                     valid_until=sub.valid_until.isoformat()))
    await uow.commit()
    return sub


@dataclass(frozen=True)
class CloseSubscription:
    subscription_id: str
    idempotency_key: str | None = None


async def close_subscription(cmd: CloseSubscription, uow: BillingUnitOfWork, p: Principal) -> CloseResult:
    """Close early: unused lessons are refunded to the family's balance at the price per lesson, booked where the
    subscription is."""
    sub = await _managed_subscription(uow, p, cmd.subscription_id, undoes_money=True)
    keys = uow.idempotency.of(CloseResult)
    result = (await keys.run_once(user_scope(p.user_id), cmd.idempotency_key, "close",
                                  {"subscription": cmd.subscription_id}, lambda: _close(uow, p, sub))).result
    await uow.commit()
    return result


async def _close(uow: BillingUnitOfWork, p: Principal, sub: Subscription) -> CloseResult:
    if sub.ended:
        raise SubscriptionStateInvalid("The subscription is already closed.")
    refund = sub.unused_value()
    entries: list[Entry] = []
    if refund > 0:
        entries += money_move(sub.account_id, refund, LedgerAccount.REVENUE_SUBSCRIPTIONS, sub.currency)
    if sub.lessons_left:
        entries += credit_move(sub.account_id, sub.id, -sub.lessons_left, LedgerAccount.CREDITS_ISSUED)
    if entries:
        tx = Transaction(sub.account_id, sub.family_id, TxKind.SUBSCRIPTION_CLOSE,
                         f"Subscription «{sub.name}» closed: {sub.lessons_left or 0} unused lessons refunded",
                         entries, branch_id=sub.branch_id, student_id=sub.student_id, subscription_id=sub.id,
                         created_by=actor(p))
        await post(uow, tx)
    sub.status = SubscriptionStatus.CLOSED
    await uow.subscriptions.save_state(sub)
    uow.publish(SubscriptionClosed(subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id,
                                   refunded=MoneyPayload(amount=refund, currency=sub.currency)))
    return CloseResult(sub.id, refund)


@dataclass(frozen=True)
class RunExpiry:
    as_of: date


async def run_expiry(cmd: RunExpiry, uow: BillingUnitOfWork, p: Principal) -> int:
    """The owner runs the expiry by hand (it normally runs by itself: expiry_job.py); returns how many expired."""
    require_role(p, Role.OWNER)
    n = await expire_due(uow, cmd.as_of)
    await uow.commit()
    return n


async def expire_due(uow: BillingUnitOfWork, today: date) -> int:
    """Expire subscriptions past validity: unused lessons burn, or are refunded where the branch says so.

    Run daily (the owner's ``runSubscriptionExpiry`` mutation or a scheduled job); safe to repeat: only
    active ones past validity change.
    """
    repo = uow.subscriptions
    projections = uow.projections
    count = 0
    for sub in await repo.due_to_expire(today):
        branch = await projections.branch(sub.branch_id) if sub.branch_id else None
        burn = branch.burn_expired_lessons if branch is not None else True
        left = sub.lessons_left or 0
        entries: list[Entry] = []
        if left:
            if burn:
                entries += credit_move(sub.account_id, sub.id, -left, LedgerAccount.CREDITS_BURNED)
            else:
                entries += credit_move(sub.account_id, sub.id, -left, LedgerAccount.CREDITS_ISSUED)
                value = sub.unused_value()
                if value > 0:
                    entries += money_move(sub.account_id, value, LedgerAccount.REVENUE_SUBSCRIPTIONS, sub.currency)
        if entries:
            what = "burned" if burn else "refunded"
            await post(uow, Transaction(sub.account_id, sub.family_id, TxKind.SUBSCRIPTION_EXPIRY,
                                        f"Subscription «{sub.name}» expired: {left} lessons {what}", entries,
                                        branch_id=sub.branch_id, student_id=sub.student_id,
                                        subscription_id=sub.id))
        sub.status = SubscriptionStatus.EXPIRED
        await repo.save_state(sub)
        uow.publish(SubscriptionExpired(subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id,
                                        lessons_burned=left if burn else 0))
        count += 1
    return count
