"""Online payments: a checkout started by the family, money recorded only from the signed notification, and
only when the notification matches a checkout billing itself started (R-BIL-6; issue #10)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.domain.errors import (
    CheckoutUnknown,
    InvalidAmount,
    InvoiceNotFound,
    InvoiceStateInvalid,
    NotificationMismatch,
)
from billing.domain.model import InvoiceStatus, PaymentMethod, new_id, positive_amount, utcnow
from billing.domain.records import Checkout
from billing.service.access import ensure_booked_managed, require_family_visible
from billing.service.ledger import account_of
from billing.service.payment_provider import CheckoutSession, Notification, PaymentProvider
from billing.service.payments import PaymentResult, RecordPayment, apply_payment
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.idempotency import provider_scope


@dataclass(frozen=True)
class StartOnlinePayment:
    family_id: str
    amount: Decimal
    invoice_id: str | None = None


async def start_online_payment(cmd: StartOnlinePayment, uow: BillingUnitOfWork, p: Principal,
                               provider: PaymentProvider) -> CheckoutSession:
    """Ask the provider for a checkout and remember it: its notification must match it to the cent."""
    await require_family_visible(p, uow.projections, cmd.family_id)
    amount = positive_amount(cmd.amount, uow.limits)
    account = await account_of(uow, cmd.family_id)
    if cmd.invoice_id is not None:
        inv = await uow.invoices.get(cmd.invoice_id)
        if inv is None or inv.family_id != cmd.family_id:
            raise InvoiceNotFound(field="invoiceId")
        ensure_booked_managed(p, inv.branch_id)  # staff start checkouts only for their branch's invoices
        if inv.status not in (InvoiceStatus.ISSUED.value, InvoiceStatus.PARTLY_PAID.value):
            raise InvoiceStateInvalid("The invoice is already paid or cancelled.", field="invoiceId")
        if amount > inv.amount - inv.paid:
            raise InvalidAmount("The amount is more than is left to pay on the invoice.", field="amount")
    checkout = await provider.create_checkout(family_id=cmd.family_id, amount=amount, currency=account.currency,
                                              description="Kabinet: payment for lessons", invoice_id=cmd.invoice_id)
    await uow.checkouts.add(Checkout(
        id=new_id(), provider=provider.name, provider_payment_id=checkout.provider_payment_id,
        family_id=cmd.family_id, amount=amount, currency=account.currency, invoice_id=cmd.invoice_id,
        status="started", payment_id=None, started_by=p.user_id, created_at=utcnow()))
    await uow.commit()
    return checkout


async def apply_notification(n: Notification, uow: BillingUnitOfWork, provider_name: str) -> PaymentResult | None:
    """A succeeded notification that matches its checkout becomes one payment, however often the provider
    repeats it. A provider payment id billing never issued is CheckoutUnknown; a family, amount, currency or
    invoice other than the checkout's is NotificationMismatch; neither changes anything."""
    repo = uow.checkouts
    session = await repo.get(provider_name, n.provider_payment_id)
    if session is None:
        raise CheckoutUnknown(field="id")
    if n.status != "succeeded":
        return None
    external = f"{provider_name}:{n.provider_payment_id}"
    cmd = RecordPayment(n.family_id, n.amount, PaymentMethod.ONLINE, idempotency_key=f"online:{external}",
                        currency=n.currency, invoice_id=n.invoice_id, external_id=external)

    async def check_matches() -> None:
        # Inside the first application only: a repeat of an applied notification is answered by the
        # idempotency key (the same content replays, other content is IDEMPOTENCY_KEY_REUSED).
        mismatched = [name for name, got, want in (
            ("family", n.family_id, session.family_id), ("currency", n.currency, session.currency),
            ("amount", n.amount, session.amount), ("invoice", n.invoice_id, session.invoice_id)) if got != want]
        if mismatched:
            raise NotificationMismatch(f"The notification's {', '.join(mismatched)} differ from the checkout's.",
                                       field=mismatched[0])

    # The provider holds the money: an invoice paid or cancelled since the checkout no longer takes it, the
    # balance does (refusing would refuse every retry alike, and the money would be nowhere in billing).
    result = await apply_payment(cmd, uow, f"provider:{provider_name}", provider_scope(provider_name),
                                 before=check_matches, closed_invoice_ok=True)
    await repo.mark_paid(session.id, result.payment_id)
    await uow.commit()
    return result
