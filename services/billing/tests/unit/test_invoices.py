"""Invoices, on the in-memory unit of work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.domain.errors import InvoiceNotFound, InvoiceStateInvalid, SubscriptionNotFound
from billing.domain.events import InvoiceIssued
from billing.domain.model import PaymentMethod
from billing.service import invoices, payments
from kabinet.errors import InvalidInput

from .conftest import World, uid
from .test_subscriptions import plan, sell


async def test_an_invoice_for_a_subscription_defaults_to_its_price_and_branch(world: World) -> None:
    fam = await world.family()
    type_id = await plan(world, price="300.00")
    sold = await sell(world, fam, type_id, on_credit=True)
    async with world.uow() as uow:
        res = await invoices.issue_invoice(invoices.IssueInvoice(fam.id, " ", subscription_id=sold.subscription_id,
                                                                 period_from=date(2026, 12, 1),
                                                                 period_to=date(2026, 12, 31)), uow, world.admin)
    inv = world.store.invoices[res.invoice_id]
    assert (inv.amount, inv.paid, inv.status, inv.description, inv.branch_id) == (
        Decimal("300.00"), Decimal("0.00"), "issued", "Invoice", "b-1")
    assert len(world.events(InvoiceIssued)) == 1


async def test_an_invoice_needs_an_amount_a_period_in_order_and_the_familys_subscription(world: World) -> None:
    fam, other = await world.family(), await world.family()
    with pytest.raises(InvalidInput):
        async with world.uow() as uow:
            await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x"), uow, world.admin)
    with pytest.raises(InvalidInput):
        async with world.uow() as uow:
            await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x", Decimal("1"), period_from=date(2026, 2, 1),
                                                               period_to=date(2026, 1, 1)), uow, world.admin)
    sold = await sell(world, other, await plan(world), on_credit=True)
    with pytest.raises(SubscriptionNotFound):
        async with world.uow() as uow:
            await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x", subscription_id=sold.subscription_id),
                                         uow, world.admin)
    assert not world.store.invoices


async def test_cancelling_an_invoice_is_idempotent_and_refused_once_paid_in_part(world: World) -> None:
    fam = await world.family()
    ids = []
    for _ in range(2):
        async with world.uow() as uow:
            ids.append((await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x", Decimal("50")), uow,
                                                     world.admin)).invoice_id)
    for _ in range(2):
        async with world.uow() as uow:
            assert await invoices.cancel_invoice(invoices.CancelInvoice(ids[0]), uow, world.admin) == ids[0]
    assert world.store.invoices[ids[0]].status == "cancelled"
    async with world.uow() as uow:
        await payments.record_payment(payments.RecordPayment(fam.id, Decimal("10"), PaymentMethod.CASH,
                                                             invoice_id=ids[1]), uow, world.admin)
    with pytest.raises(InvoiceStateInvalid):
        async with world.uow() as uow:
            await invoices.cancel_invoice(invoices.CancelInvoice(ids[1]), uow, world.admin)
    with pytest.raises(InvoiceNotFound):
        async with world.uow() as uow:
            await invoices.cancel_invoice(invoices.CancelInvoice(uid()), uow, world.admin)
