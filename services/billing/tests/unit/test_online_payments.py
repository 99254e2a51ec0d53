"""Online payments: the checkout, and the provider's notification that becomes one payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.domain.errors import CheckoutUnknown, InvalidAmount, NotificationMismatch
from billing.domain.events import PaymentReceived
from billing.service import invoices, online_payments
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
