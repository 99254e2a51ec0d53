"""Online payment provider adapter: signed, idempotent webhooks (R-BIL-6).

The wire format follows the common shape of Russian acquirers' notifications (CloudPayments-style): a JSON
body and a ``Content-HMAC`` header, base64(HMAC-SHA256(secret, raw body)). ``LocalProvider`` is the stand-in
used by tests and embedded mode: it issues payment ids and signs notifications exactly as a real one would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from decimal import Decimal, DecimalException
from typing import Any

from billing.service.payment_provider import CheckoutSession, Notification, PaymentProvider
from kabinet.money import parse_amount

SIGNATURE_HEADER = "content-hmac"
__all__ = ["CheckoutSession", "Notification", "PaymentProvider"]  # the port, for the adapters' users


class BadNotification(ValueError):
    """A webhook body that is not a notification we understand (answered 400, never retried into money)."""


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_signature(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    given = headers.get(SIGNATURE_HEADER, "")
    return bool(secret) and hmac.compare_digest(given.encode(), sign(secret, body).encode())


def parse_notification(body: bytes) -> Notification:
    try:
        data: Any = json.loads(body)
        meta = data.get("metadata") or {}
        # The kit's one rule for amounts: "1e400", NaN, a third decimal, a negative are a 400, never a 500.
        amount = parse_amount(data["amount"]["value"])
        return Notification(
            provider_payment_id=str(data["id"]), status=str(data["status"]), amount=amount,
            currency=str(data["amount"].get("currency", "RUB")), family_id=str(meta["family_id"]),
            invoice_id=str(meta["invoice_id"]) if meta.get("invoice_id") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError, DecimalException) as exc:
        raise BadNotification(str(exc)) from exc


class LocalProvider:
    """A stand-in acquirer: checkout URLs on a fake host; notifications signed with the shared secret."""

    name = "local"

    def __init__(self, secret: str, base_url: str = "https://pay.local.test") -> None:
        self.secret, self.base_url = secret, base_url
        self.sessions: dict[str, dict[str, Any]] = {}

    async def create_checkout(self, *, family_id: str, amount: Decimal, currency: str, description: str,
                              invoice_id: str | None) -> CheckoutSession:
        pid = f"pay_{uuid.uuid4().hex}"
        self.sessions[pid] = {"family_id": family_id, "amount": amount, "currency": currency,
                              "invoice_id": invoice_id, "description": description}
        return CheckoutSession(pid, f"{self.base_url}/checkout/{pid}")

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        return verify_signature(self.secret, body, headers)

    def notification(self, provider_payment_id: str, *, status: str = "succeeded",
                     amount: Decimal | None = None, family_id: str | None = None,
                     invoice_id: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers the provider POSTs when the client has paid (what a test sends)."""
        s = self.sessions.get(provider_payment_id, {})
        body = json.dumps({
            "id": provider_payment_id, "status": status,
            "amount": {"value": f"{(amount if amount is not None else s['amount']):.2f}",
                       "currency": s.get("currency", "RUB")},
            "metadata": {"family_id": family_id or s["family_id"], "invoice_id": invoice_id or s.get("invoice_id")},
        }).encode()
        return body, {SIGNATURE_HEADER: sign(self.secret, body), "content-type": "application/json"}
