"""Payments, refunds and their invoices, on the in-memory unit of work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.domain.errors import InvoiceStateInvalid, PaymentNotFound, RefundTooLarge
from billing.domain.events import BalanceChanged, InvoicePaid, PaymentReceived, PaymentRefunded
from billing.domain.model import LedgerAccount, PaymentMethod, TxKind
from billing.service import adjustments, invoices, payments
from kabinet.errors import Forbidden, IdempotencyKeyReused, InvalidInput

from .conftest import BRANCH, World


async def test_a_payment_raises_the_balance_posts_balanced_entries_and_publishes(world: World) -> None:
    fam = await world.family()
    result = await world.pay(fam, "150.00")
    assert world.balance(fam) == Decimal("150.00")
    assert result.balance_after == Decimal("150.00")
    tx, posted = world.store.ledger[-1]
    assert tx.kind is TxKind.PAYMENT and posted.balance_after == Decimal("150.00") and not posted.debt
    assert {(e.ledger_account, e.amount) for e in tx.entries} == {
        (LedgerAccount.FAMILY, Decimal("150.00")), (LedgerAccount.payment_method("cash"), Decimal("-150.00"))}
    payment = world.store.payments[result.payment_id]
    assert (payment.amount, payment.method, payment.received_by) == (Decimal("150.00"), "cash", "st-owner")
    assert [type(e) for e in world.events()][-2:] == [BalanceChanged, PaymentReceived]


async def test_the_same_idempotency_key_replays_and_other_content_is_refused(world: World) -> None:
    fam = await world.family()
    cmd = payments.RecordPayment(fam.id, Decimal("10.00"), PaymentMethod.CARD, idempotency_key="k1")
    async with world.uow() as uow:
        first = await payments.record_payment(cmd, uow, world.admin)
    async with world.uow() as uow:
        again = await payments.record_payment(cmd, uow, world.admin)
    assert again == first and world.balance(fam) == Decimal("10.00")
    assert len(world.events(PaymentReceived)) == 1
    with pytest.raises(IdempotencyKeyReused):
        async with world.uow() as uow:
            await payments.record_payment(payments.RecordPayment(fam.id, Decimal("11.00"), PaymentMethod.CARD,
                                                                 idempotency_key="k1"), uow, world.admin)
    async with world.uow() as uow:  # another caller's key is their own
        await payments.record_payment(cmd, uow, world.owner)
    assert world.balance(fam) == Decimal("20.00")


async def test_online_payments_are_not_recorded_by_staff_and_strangers_are_refused(world: World) -> None:
    fam = await world.family()
    with pytest.raises(InvalidInput):
        async with world.uow() as uow:
            await payments.record_payment(payments.RecordPayment(fam.id, Decimal("5"), PaymentMethod.ONLINE),
                                          uow, world.owner)
    for who in (world.other_admin, world.guardian(fam)):
        with pytest.raises(Forbidden):
            async with world.uow() as uow:
                await payments.record_payment(payments.RecordPayment(fam.id, Decimal("5"), PaymentMethod.CASH),
                                              uow, who)
    assert world.balance(fam) == 0 and not world.store.payments


async def test_a_payment_to_an_invoice_pays_it_part_then_whole(world: World) -> None:
    fam = await world.family()
    async with world.uow() as uow:
        issued = await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "December", Decimal("100.00")), uow,
                                              world.admin)
    invoice_id = issued.invoice_id
    for amount, status in (("40.00", "partly_paid"), ("60.00", "paid")):
        async with world.uow() as uow:
            await payments.record_payment(payments.RecordPayment(fam.id, Decimal(amount), PaymentMethod.CASH,
                                                                 invoice_id=invoice_id), uow, world.admin)
        assert world.store.invoices[invoice_id].status == status
    assert world.store.invoices[invoice_id].paid == Decimal("100.00")
    assert [e.invoice_id for e in world.events(InvoicePaid)] == [invoice_id]
    with pytest.raises(InvoiceStateInvalid):
        async with world.uow() as uow:
            await payments.record_payment(payments.RecordPayment(fam.id, Decimal("1.00"), PaymentMethod.CASH,
                                                                 invoice_id=invoice_id), uow, world.admin)
    assert world.balance(fam) == Decimal("100.00")  # the refused payment left nothing behind


async def test_a_refund_lowers_the_balance_and_never_exceeds_the_payment(world: World) -> None:
    fam = await world.family()
    paid = await world.pay(fam, "100.00")  # the owner's, school-wide: the owner refunds it
    async with world.uow() as uow:
        res = await payments.refund_payment(payments.RefundPayment(paid.payment_id, Decimal("30.00"), "unused"),
                                            uow, world.owner)
    assert res.balance_after == Decimal("70.00") and world.balance(fam) == Decimal("70.00")
    assert world.store.payments[paid.payment_id].refunded == Decimal("30.00")
    assert world.store.ledger[-1][0].kind is TxKind.PAYMENT_REFUND
    assert len(world.events(PaymentRefunded)) == 1
    with pytest.raises(RefundTooLarge):
        async with world.uow() as uow:
            await payments.refund_payment(payments.RefundPayment(paid.payment_id, Decimal("70.01"), "too much"),
                                          uow, world.owner)
    with pytest.raises(PaymentNotFound):
        async with world.uow() as uow:
            await payments.refund_payment(payments.RefundPayment("nope", Decimal("1"), "x"), uow, world.owner)
    assert world.balance(fam) == Decimal("70.00")


@pytest.mark.parametrize("operation", ["payment", "adjustment", "charge", "invoice"])
async def test_a_key_reused_for_another_branch_is_refused_not_replayed(world: World, operation: str) -> None:
    """The branch a payment, adjustment, charge or invoice is booked to is part of the request: the same key
    for another branch is another request (its report would otherwise miss it while the caller is told it
    was done)."""
    fam = await world.family()

    async def call(branch: str | None) -> object:
        async with world.uow() as uow:
            if operation == "payment":
                return await payments.record_payment(payments.RecordPayment(
                    fam.id, Decimal("10.00"), PaymentMethod.CASH, idempotency_key="k", branch_id=branch), uow,
                    world.owner)
            if operation == "adjustment":
                return await adjustments.adjust_balance(adjustments.AdjustBalance(
                    fam.id, Decimal("5.00"), "bonus", "k", branch), uow, world.owner)
            if operation == "charge":
                return await adjustments.charge_account(adjustments.ChargeAccount(
                    fam.id, Decimal("1.00"), "book", "k", branch_id=branch), uow, world.owner)
            return await invoices.issue_invoice(invoices.IssueInvoice(
                fam.id, "x", Decimal("3.00"), branch_id=branch, idempotency_key="k"), uow, world.owner)

    if operation == "charge":
        await world.pay(fam, "1.00")
    first = await call(None)
    assert await call(None) == first  # the same request replays
    balance = world.balance(fam)
    with pytest.raises(IdempotencyKeyReused):
        await call(BRANCH)
    assert world.balance(fam) == balance
