"""The online payment provider, as billing's use cases need it (the port); ``adapters/payment_provider.py``
implements it (signed, idempotent webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CheckoutSession:
    provider_payment_id: str
    confirmation_url: str


@dataclass(frozen=True)
class Notification:
    provider_payment_id: str
    status: str  # succeeded | failed | pending
    amount: Decimal
    currency: str
    family_id: str
    invoice_id: str | None


class PaymentProvider(Protocol):
    name: str

    async def create_checkout(self, *, family_id: str, amount: Decimal, currency: str, description: str,
                              invoice_id: str | None) -> CheckoutSession: ...

    def verify(self, body: bytes, headers: dict[str, str]) -> bool: ...
