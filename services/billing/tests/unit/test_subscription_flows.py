"""Subscriptions (R-BIL-4, R-FAM-7): sale paid or on credit, trial flag, freeze, closing refund, expiry - the flows
that were PostgreSQL tests (tests/integration/test_subscriptions.py), now on the in-memory unit of work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.domain.errors import InsufficientFunds
from billing.domain.events import SubscriptionSold
from billing.domain.model import PaymentMethod, SubscriptionStatus, TxKind, remaining_lessons
from billing.service import subscriptions as subs

from .conftest import STARTS, Family, World
from .test_lesson_charge_flows import lesson
from .test_subscriptions import plan, sell


def sold_events(world: World, fam: Family) -> list[SubscriptionSold]:
    return [e for e in world.events() if isinstance(e, SubscriptionSold) and e.family_id == fam.id]


async def test_sale_on_credit_trial_flag_and_refusal_without_money(world: World) -> None:
    fam = await world.family()
    type_id = await plan(world, lessons=4, price="4000.00")
    with pytest.raises(InsufficientFunds):
        await sell(world, fam, type_id)
    assert sold_events(world, fam) == []  # nothing half-done
    credit = await sell(world, fam, type_id, on_credit=True)
    assert credit.balance_after == Decimal("-4000.00")
    # Paid at once, a sale goes through even with an earlier debt (the payment covers exactly the sale).
    cash = await sell(world, fam, type_id, paid_with=PaymentMethod.CASH)
    assert cash.balance_after == Decimal("-4000.00")
    trial = await plan(world, lessons=1, price="0.00", trial=True)
    await sell(world, fam, trial)
    assert [(e.trial, e.on_credit) for e in sold_events(world, fam)] == [(False, True), (False, False),
                                                                          (True, False)]
    async with world.uow() as uow:
        of_student = await uow.subscriptions.of_students([fam.student_ids[0]])
    assert (remaining_lessons(of_student[fam.student_ids[0]]), world.balance(fam)) == (9, Decimal("-4000.00"))


async def test_frozen_subscription_is_not_used_and_unfreeze_extends_validity(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "4000.00")
    sid = (await sell(world, fam, await plan(world, lessons=4, price="4000.00"),
                      starts_on=date(2026, 12, 1))).subscription_id
    async with world.uow() as uow:
        frozen = await subs.freeze_subscription(subs.FreezeSubscription(sid), uow, world.admin)
    assert frozen.status is SubscriptionStatus.FROZEN
    async with world.uow() as uow:  # safe to repeat
        await subs.freeze_subscription(subs.FreezeSubscription(sid), uow, world.admin)
    # While frozen, a lesson is charged in money (and here that means debt), not from the subscription.
    await world.deliver(lesson(fam, price="500.00"))
    assert world.balance(fam) == Decimal("-500.00")
    async with world.uow() as uow:
        unfrozen = await subs.unfreeze_subscription(subs.UnfreezeSubscription(sid), uow, world.admin)
    assert unfrozen.status is SubscriptionStatus.ACTIVE
    assert unfrozen.valid_until >= date(2026, 12, 30)


async def test_closing_refunds_unused_lessons_and_expiry_burns(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "8000.00")
    type_id = await plan(world, lessons=4, price="4000.00")
    sid = (await sell(world, fam, type_id, starts_on=STARTS.date())).subscription_id
    await world.deliver(lesson(fam))
    close = subs.CloseSubscription(sid, idempotency_key="close-1")
    async with world.uow() as uow:
        await subs.close_subscription(close, uow, world.admin)
    closed = world.store.subscriptions[sid]
    assert (closed.status, closed.lessons_left) == (SubscriptionStatus.CLOSED, 0)
    async with world.uow() as uow:  # a replay: the same answer, no error
        await subs.close_subscription(close, uow, world.admin)
    assert world.balances(fam) == (Decimal("7000.00"), Decimal("7000.00"))  # 3 of 4 lessons back

    old = (await sell(world, fam, type_id, starts_on=STARTS.date() - timedelta(days=90))).subscription_id
    async with world.uow() as uow:
        expired = await subs.run_expiry(subs.RunExpiry(STARTS.date()), uow, world.owner)
    assert expired >= 1
    old_sub = world.store.subscriptions[old]
    assert (old_sub.status, old_sub.lessons_left) == (SubscriptionStatus.EXPIRED, 0)
    kinds = [t.kind for t, _ in world.lines(fam)]
    assert kinds[-1] is TxKind.SUBSCRIPTION_EXPIRY and TxKind.SUBSCRIPTION_CLOSE in kinds
    assert world.balances(fam) == (Decimal("3000.00"), Decimal("3000.00"))  # burned, no refund
