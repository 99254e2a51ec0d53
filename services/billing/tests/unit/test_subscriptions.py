"""Subscription plans, sales, freezing, closing and expiry, on the in-memory unit of work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from billing.domain.errors import InsufficientFunds, SubscriptionStateInvalid, TrialAlreadyUsed
from billing.domain.events import (
    PaymentReceived,
    SubscriptionClosed,
    SubscriptionExpired,
    SubscriptionFrozen,
    SubscriptionSold,
    SubscriptionUnfrozen,
)
from billing.domain.model import PaymentMethod, SubscriptionStatus, TxKind
from billing.service import subscriptions as subs
from billing.service.expiry_job import expire_once
from kabinet.auth.principal import Principal
from kabinet.errors import Forbidden, InvalidInput

from .conftest import BRANCH, Family, World


async def plan(world: World, *, lessons: int | None = 8, price: str = "800.00", days: int = 30,
               trial: bool = False, branch_id: str | None = BRANCH) -> str:
    async with world.uow() as uow:
        t = await subs.create_subscription_type(subs.CreateSubscriptionType(
            "Eight", lessons, days, Decimal(price), ["group"], [], trial, branch_id), uow, world.owner)
    return t.id


async def sell(world: World, fam: Family, type_id: str, by: Principal | None = None, **kwargs: Any
               ) -> dict[str, Any]:
    async with world.uow() as uow:
        return await subs.sell_subscription(subs.SellSubscription(type_id, fam.student_ids[0], **kwargs), uow,
                                            by or world.admin)


async def test_a_plan_is_checked_and_a_branch_admin_defines_only_their_branchs(world: World) -> None:
    for bad in (dict(lessons=0), dict(days=0), dict(price="-1")):
        with pytest.raises(InvalidInput):
            await plan(world, **bad)
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await subs.create_subscription_type(subs.CreateSubscriptionType(
                "X", 1, 1, Decimal(1), ["group"], [], False, "b-2"), uow, world.admin)
    type_id = await plan(world)
    t = world.store.subscription_types[type_id]
    assert (t.lessons, t.price, t.lesson_types, t.branch_id) == (8, Decimal("800.00"), ["group"], BRANCH)


async def test_selling_from_the_balance_needs_the_money_and_issues_the_credits(world: World) -> None:
    fam = await world.family()
    type_id = await plan(world)
    with pytest.raises(InsufficientFunds):
        await sell(world, fam, type_id)
    assert not world.store.subscriptions  # the refused sale left nothing
    await world.pay(fam, "1000.00")
    res = await sell(world, fam, type_id, starts_on=date(2026, 12, 1))
    sub = world.store.subscriptions[res.subscription_id]
    assert (sub.lessons_left, sub.valid_until, sub.status) == (8, date(2026, 12, 30), SubscriptionStatus.ACTIVE)
    assert res.balance_after == Decimal("200.00") and world.balance(fam) == Decimal("200.00")
    assert world.store.ledger[-1][0].kind is TxKind.SUBSCRIPTION_SALE
    assert len(world.events(SubscriptionSold)) == 1


async def test_selling_paid_at_once_records_the_payment_and_on_credit_goes_into_debt(world: World) -> None:
    fam, other = await world.family(), await world.family()
    type_id = await plan(world)
    await sell(world, fam, type_id, paid_with=PaymentMethod.CARD)
    assert world.balance(fam) == 0 and len(world.events(PaymentReceived)) == 1
    await sell(world, other, type_id, on_credit=True)
    assert world.balance(other) == Decimal("-800.00") and world.store.ledger[-1][1].debt


async def test_a_sale_cannot_record_an_online_payment_only_the_provider_confirms_those(world: World) -> None:
    fam = await world.family()
    type_id = await plan(world)
    with pytest.raises(InvalidInput):
        await sell(world, fam, type_id, paid_with=PaymentMethod.ONLINE)
    assert world.balance(fam) == 0 and not world.store.payments and not world.store.subscriptions


async def test_one_free_trial_per_family(world: World) -> None:
    fam = await world.family(students=2)
    trial = await plan(world, lessons=1, price="0", trial=True)
    await sell(world, fam, trial)
    with pytest.raises(TrialAlreadyUsed):
        async with world.uow() as uow:
            await subs.sell_subscription(subs.SellSubscription(trial, fam.student_ids[1]), uow, world.admin)


async def test_freezing_extends_validity_by_the_days_frozen(world: World) -> None:
    fam = await world.family()
    sold = await sell(world, fam, await plan(world), on_credit=True, starts_on=date(2026, 12, 1))
    sid = sold.subscription_id
    for _ in range(2):  # freezing a frozen one changes nothing
        async with world.uow() as uow:
            await subs.freeze_subscription(subs.FreezeSubscription(sid, date(2026, 12, 5)), uow, world.admin)
    async with world.uow() as uow:
        sub = await subs.unfreeze_subscription(subs.UnfreezeSubscription(sid, date(2026, 12, 15)), uow, world.admin)
    assert sub.valid_until == date(2026, 12, 30) + timedelta(days=10)
    assert world.store.subscriptions[sid].valid_until == sub.valid_until
    assert len(world.events(SubscriptionFrozen)) == 1 and len(world.events(SubscriptionUnfrozen)) == 1
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await subs.freeze_subscription(subs.FreezeSubscription(sid), uow, world.other_admin)


async def test_closing_refunds_the_unused_lessons_once(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "800.00")
    sid = (await sell(world, fam, await plan(world))).subscription_id
    async with world.uow() as uow:
        res = await subs.close_subscription(subs.CloseSubscription(sid), uow, world.admin)
    assert res.refunded == Decimal("800.00") and world.balance(fam) == Decimal("800.00")
    sub = world.store.subscriptions[sid]
    assert (sub.status, sub.lessons_left) == (SubscriptionStatus.CLOSED, 0)
    assert len(world.events(SubscriptionClosed)) == 1
    with pytest.raises(SubscriptionStateInvalid):
        async with world.uow() as uow:
            await subs.close_subscription(subs.CloseSubscription(sid), uow, world.admin)


async def test_the_expiry_job_burns_or_refunds_by_the_branchs_rule(world: World) -> None:
    fam, other = await world.family(), await world.family(branch_id="b-3")
    await world.branch("b-3")
    async with world.uow() as uow:
        await uow.projections.set_branch_settings("b-3", None, False)
        await uow.commit()
    type_id = await plan(world, branch_id=None)
    burned = (await sell(world, fam, type_id, on_credit=True, starts_on=date(2026, 11, 1))).subscription_id
    refunded = (await sell(world, other, type_id, world.owner, on_credit=True,
                           starts_on=date(2026, 11, 1))).subscription_id
    assert await expire_once(world.uow, date(2026, 11, 30)) == 0  # still valid on its last day
    assert await expire_once(world.uow, date(2026, 12, 1)) == 2
    assert await expire_once(world.uow, date(2026, 12, 2)) == 0  # safe to repeat
    assert world.store.subscriptions[burned].status is SubscriptionStatus.EXPIRED
    assert world.store.subscriptions[burned].lessons_left == 0 and world.balance(fam) == Decimal("-800.00")
    assert world.balance(other) == Decimal("0.00")  # the unused lessons' value came back
    expired = {e.subscription_id: e.lessons_burned for e in world.events(SubscriptionExpired)}
    assert expired == {burned: 8, refunded: 0}


async def test_only_the_owner_runs_the_expiry_by_hand(world: World) -> None:
    fam = await world.family()
    sid = (await sell(world, fam, await plan(world), on_credit=True, starts_on=date(2026, 11, 1))).subscription_id
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await subs.run_expiry(subs.RunExpiry(date(2026, 12, 31)), uow, world.admin)
    async with world.uow() as uow:
        assert await subs.run_expiry(subs.RunExpiry(date(2026, 12, 31)), uow, world.owner) == 1
    assert world.store.subscriptions[sid].status is SubscriptionStatus.EXPIRED
