"""Invoices paid in parts, refunds, adjustments (R-BIL-3, R-BIL-6): the flows that were PostgreSQL tests
(tests/integration/test_payments_invoices.py), now on the in-memory unit of work. What stays on PostgreSQL there:
the signed webhook over HTTP, the branch report and debtors (SQL read models); anonymous callers are refused by
the authorization matrix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billing.domain.errors import InvoiceStateInvalid, RefundTooLarge
from billing.domain.model import PaymentMethod, TxKind
from billing.service import adjustments, invoices, payments
from kabinet.auth.principal import Principal, Role
from kabinet.errors import Forbidden, InvalidInput

from .conftest import BRANCH, World


async def test_invoice_statuses_follow_payments_and_refund_returns_money(world: World) -> None:
    fam = await world.family()
    async with world.uow() as uow:
        issued = await invoices.issue_invoice(invoices.IssueInvoice(
            fam.id, "December", Decimal("3000.00"), period_from=date(2026, 12, 1), period_to=date(2026, 12, 31)),
            uow, world.admin)
    assert world.store.invoices[issued.invoice_id].status == "issued"

    async def pay(amount: str) -> payments.PaymentResult:
        async with world.uow() as uow:
            return await payments.record_payment(payments.RecordPayment(
                fam.id, Decimal(amount), PaymentMethod.BANK_TRANSFER, invoice_id=issued.invoice_id), uow,
                world.admin)

    first = await pay("1000.00")
    assert world.store.invoices[issued.invoice_id].status == "partly_paid"
    await pay("2000.00")
    got = world.store.invoices[issued.invoice_id]
    assert (got.status, got.paid) == ("paid", Decimal("3000.00"))
    with pytest.raises(InvoiceStateInvalid):
        async with world.uow() as uow:
            await invoices.cancel_invoice(invoices.CancelInvoice(issued.invoice_id), uow, world.admin)

    refund = payments.RefundPayment(first.payment_id, Decimal("400.00"), "moved away", idempotency_key="r-1")
    async with world.uow() as uow:
        r1 = await payments.refund_payment(refund, uow, world.admin)
    async with world.uow() as uow:
        r2 = await payments.refund_payment(refund, uow, world.admin)  # a retry: the same answer, one refund
    assert r1 == r2 and r1.balance_after == Decimal("2600.00")
    with pytest.raises(RefundTooLarge):
        async with world.uow() as uow:
            await payments.refund_payment(payments.RefundPayment(first.payment_id, Decimal("700.00"), "moved away",
                                                                 idempotency_key="r-2"), uow, world.admin)
    assert world.balances(fam) == (Decimal("2600.00"), Decimal("2600.00"))


async def test_adjustments_by_branch_admins_only_visible_in_history(world: World) -> None:
    fam = await world.family()
    teacher = Principal(user_id="teacher", role=Role.TEACHER, branch_ids=frozenset({BRANCH}), staff_id="st-t")
    bonus = adjustments.AdjustBalance(fam.id, Decimal("500.00"), "Referral bonus: brought a friend")
    for who in (world.guardian(fam), world.other_admin, teacher):
        with pytest.raises(Forbidden):
            async with world.uow() as uow:
                await adjustments.adjust_balance(bonus, uow, who)
    with pytest.raises(InvalidInput) as no_reason:
        async with world.uow() as uow:
            await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("500.00"), " "), uow,
                                             world.admin)
    assert no_reason.value.field == "reason"
    async with world.uow() as uow:
        await adjustments.adjust_balance(bonus, uow, world.admin)
    assert world.store.ledger[-1][0].created_by == world.admin.staff_id
    async with world.uow() as uow:
        await adjustments.adjust_balance(adjustments.AdjustBalance(fam.id, Decimal("-120.00"),
                                                                   "Correction: double payment"), uow, world.admin)
    lines = world.lines(fam)
    assert [(t.kind, t.family_delta, p.balance_after) for t, p in lines] == [
        (TxKind.ADJUSTMENT, Decimal("500.00"), Decimal("500.00")),
        (TxKind.ADJUSTMENT, Decimal("-120.00"), Decimal("380.00"))]
    assert "Referral" in lines[0][0].description
