"""Adjustments, direct charges and credit limits, on the in-memory unit of work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.domain.errors import AccountNotFound, BalanceLimitExceeded, InsufficientFunds, InvalidAmount
from billing.domain.events import AdjustmentMade, BalanceChanged
from billing.domain.model import MoneyLimits, TxKind
from billing.service import adjustments
from kabinet.errors import Forbidden, InvalidInput

from .conftest import World, uid
from .memory import MemoryUnitOfWork


async def test_an_adjustment_needs_a_reason_and_may_take_the_family_into_debt(world: World) -> None:
    fam = await world.family()
    with pytest.raises(InvalidInput):
        async with world.uow() as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("-5"), "  "), uow, world.admin)
    async with world.uow() as uow:
        res = await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("-25.50"), "correction"),
                                               uow, world.admin)
    assert res.balance_after == Decimal("-25.50") and world.balance(fam) == Decimal("-25.50")
    tx, posted = world.store.ledger[-1]
    assert tx.kind is TxKind.ADJUSTMENT and tx.created_by == "st-admin" and posted.debt
    made = world.events(AdjustmentMade)
    assert len(made) == 1 and made[0].reason == "correction"


async def test_a_direct_charge_is_refused_beyond_the_credit_limit_until_the_limit_allows_it(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "10.00")
    charge = adjustments.ChargeAccount(fam.id, Decimal("15.00"), "Workbook", student_id=fam.student_ids[0])
    with pytest.raises(InsufficientFunds):
        async with world.uow() as uow:
            await adjustments.charge_account(charge, uow, world.admin)
    assert world.balance(fam) == Decimal("10.00")
    async with world.uow() as uow:
        await adjustments.set_credit_limit(adjustments.SetCreditLimit(fam.id, Decimal("5.00")), uow, world.admin)
    assert world.account(fam).credit_limit == Decimal("5.00")
    async with world.uow() as uow:
        res = await adjustments.charge_account(charge, uow, world.admin)
    assert res.balance_after == Decimal("-5.00")
    assert world.store.ledger[-1][0].kind is TxKind.MANUAL_CHARGE
    assert isinstance(world.events()[-1], BalanceChanged)


async def test_a_charge_for_another_familys_student_or_an_unknown_family_is_refused(world: World) -> None:
    fam, other = await world.family(), await world.family()
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await adjustments.charge_account(adjustments.ChargeAccount(fam.id, Decimal("1"), "x",
                                                                       student_id=other.student_ids[0]),
                                             uow, world.admin)
    with pytest.raises(AccountNotFound):
        async with world.uow() as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(uid(), Decimal("1"), "x"), uow, world.owner)


async def test_amounts_beyond_the_limits_are_refused(world: World) -> None:
    fam = await world.family()
    limits = MoneyLimits(Decimal("100.00"), Decimal("150.00"))
    with pytest.raises(InvalidAmount):
        async with MemoryUnitOfWork(world.store, limits) as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("100.01"), "bonus"), uow,
                                             world.owner)
    with pytest.raises(InvalidAmount):
        async with world.uow() as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("1.001"), "bonus"), uow,
                                             world.owner)
    async with MemoryUnitOfWork(world.store, limits) as uow:
        await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("100"), "bonus"), uow,
                                         world.owner)
    with pytest.raises(BalanceLimitExceeded):
        async with MemoryUnitOfWork(world.store, limits) as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("100"), "bonus"), uow,
                                             world.owner)
    assert world.balance(fam) == Decimal("100.00")
