"""Online payments: a checkout started by the family, money recorded only from the signed notification."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.adapters.payment_provider import CheckoutSession, Notification, PaymentProvider
from billing.domain.model import PaymentMethod, positive_amount
from billing.service.access import require_family_visible
from billing.service.idempotency import Result
from billing.service.ledger import account_of
from billing.service.payments import RecordPayment, apply_payment
from kabinet.auth.principal import Principal
from kabinet.db import UnitOfWork


@dataclass(frozen=True)
class StartOnlinePayment:
    family_id: str
    amount: Decimal
    invoice_id: str | None = None


async def start_online_payment(cmd: StartOnlinePayment, uow: UnitOfWork, p: Principal,
                               provider: PaymentProvider) -> CheckoutSession:
    await require_family_visible(p, uow.session, cmd.family_id)
    amount = positive_amount(cmd.amount)
    account = await account_of(uow, cmd.family_id)
    return await provider.create_checkout(family_id=cmd.family_id, amount=amount, currency=account.currency,
                                          description="Kabinet: payment for lessons", invoice_id=cmd.invoice_id)


async def apply_notification(n: Notification, uow: UnitOfWork, provider_name: str) -> Result | None:
    """A succeeded notification becomes one payment, however often the provider repeats it."""
    if n.status != "succeeded":
        return None
    external = f"{provider_name}:{n.provider_payment_id}"
    cmd = RecordPayment(n.family_id, n.amount, PaymentMethod.ONLINE, idempotency_key=f"online:{external}",
                        currency=n.currency, invoice_id=n.invoice_id, external_id=external)
    result = await apply_payment(cmd, uow, f"provider:{provider_name}")
    await uow.commit()
    return result
