"""Online payments: the checkout, and the provider's notification that becomes one payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.domain.errors import CheckoutUnknown, InvalidAmount, NotificationMismatch
from billing.domain.events import PaymentReceived
from billing.domain.model import PaymentMethod
from billing.service import invoices, online_payments, payments
from billing.service.payment_provider import CheckoutSession, Notification
from kabinet.errors import Forbidden

from .conftest import Family, World


class FakeProvider:
    name = "fake"

    def __init__(self) -> None:
        self.started: list[tuple[str, Decimal]] = []

    async def create_checkout(self, *, family_id: str, amount: Decimal, currency: str, description: str,
                              invoice_id: str | None) -> CheckoutSession:
        self.started.append((family_id, amount))
        return CheckoutSession(f"pp-{len(self.started)}", f"https://pay.example/{len(self.started)}")

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        return True


async def start(world: World, fam: Family, provider: FakeProvider, amount: str, invoice_id: str | None = None
                ) -> CheckoutSession:
    async with world.uow() as uow:
        return await online_payments.start_online_payment(
            online_payments.StartOnlinePayment(fam.id, Decimal(amount), invoice_id), uow, world.guardian(fam),
            provider)


async def test_a_matching_notification_becomes_one_payment_however_often_it_comes(world: World) -> None:
    fam = await world.family()
    provider = FakeProvider()
    checkout = await start(world, fam, provider, "250.00")
    assert provider.started == [(fam.id, Decimal("250.00"))]
    [stored] = world.store.checkouts.values()
    assert (stored.status, stored.started_by) == ("started", f"g-{fam.id}")
    note = Notification(checkout.provider_payment_id, "succeeded", Decimal("250.00"), "RUB", fam.id, None)
    for _ in range(2):
        async with world.uow() as uow:
            result = await online_payments.apply_notification(note, uow, provider.name)
        assert result is not None
    assert world.balance(fam) == Decimal("250.00") and len(world.events(PaymentReceived)) == 1
    [stored] = world.store.checkouts.values()
    assert stored.status == "paid" and stored.payment_id == result.payment_id
    assert world.store.payments[result.payment_id].external_id == f"fake:{checkout.provider_payment_id}"


async def test_unknown_mismatched_or_failed_notifications_move_no_money(world: World) -> None:
    fam = await world.family()
    provider = FakeProvider()
    checkout = await start(world, fam, provider, "100.00")
    with pytest.raises(CheckoutUnknown):
        async with world.uow() as uow:
            await online_payments.apply_notification(
                Notification("pp-404", "succeeded", Decimal("100.00"), "RUB", fam.id, None), uow, provider.name)
    with pytest.raises(NotificationMismatch):
        async with world.uow() as uow:
            await online_payments.apply_notification(
                Notification(checkout.provider_payment_id, "succeeded", Decimal("1000.00"), "RUB", fam.id, None),
                uow, provider.name)
    async with world.uow() as uow:
        assert await online_payments.apply_notification(
            Notification(checkout.provider_payment_id, "failed", Decimal("100.00"), "RUB", fam.id, None),
            uow, provider.name) is None
    assert world.balance(fam) == 0 and not world.store.payments


async def test_a_checkout_for_an_invoice_is_at_most_what_is_left_and_only_for_the_family(world: World) -> None:
    fam, other = await world.family(), await world.family()
    async with world.uow() as uow:
        inv = await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x", Decimal("80.00")), uow, world.admin)
    provider = FakeProvider()
    with pytest.raises(InvalidAmount):
        await start(world, fam, provider, "80.01", inv.invoice_id)
    await start(world, fam, provider, "80.00", inv.invoice_id)
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await online_payments.start_online_payment(online_payments.StartOnlinePayment(fam.id, Decimal("1")),
                                                       uow, world.guardian(other), provider)
    assert len(provider.started) == 1


@pytest.mark.parametrize("closed_by", ["cash payment", "cancellation"])
async def test_money_the_provider_took_for_an_invoice_closed_meanwhile_goes_to_the_balance(
        world: World, closed_by: str) -> None:
    """The family paid the provider; the invoice was paid in cash or cancelled before the notification came.
    Refusing it would lose money the provider holds (every retry refused alike): it is recorded, on the
    balance only, and a repeat of it is the same payment."""
    fam = await world.family()
    async with world.uow() as uow:
        inv = await invoices.issue_invoice(invoices.IssueInvoice(fam.id, "x", Decimal("80.00")), uow, world.admin)
    provider = FakeProvider()
    checkout = await start(world, fam, provider, "80.00", inv.invoice_id)
    async with world.uow() as uow:
        if closed_by == "cash payment":
            await payments.record_payment(payments.RecordPayment(fam.id, Decimal("80.00"), PaymentMethod.CASH,
                                                                 invoice_id=inv.invoice_id), uow, world.admin)
        else:
            await invoices.cancel_invoice(invoices.CancelInvoice(inv.invoice_id), uow, world.admin)
    before = world.store.invoices[inv.invoice_id]
    note = Notification(checkout.provider_payment_id, "succeeded", Decimal("80.00"), "RUB", fam.id, inv.invoice_id)
    results = []
    for _ in range(2):
        async with world.uow() as uow:
            results.append(await online_payments.apply_notification(note, uow, provider.name))
    assert results[0] is not None and results[0] == results[1]
    paid_before = Decimal("80.00") if closed_by == "cash payment" else Decimal(0)
    assert world.balance(fam) == paid_before + Decimal("80.00")
    online = world.store.payments[results[0].payment_id]
    assert online.invoice_id is None  # not applied to the closed invoice, which is as it was
    assert (world.store.invoices[inv.invoice_id].status, world.store.invoices[inv.invoice_id].paid) == (
        before.status, before.paid)
