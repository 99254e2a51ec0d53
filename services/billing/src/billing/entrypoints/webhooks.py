"""The HTTP endpoint the payment provider notifies: verify the signature, match the checkout, record once.

Every refusal is a 4xx with a machine-readable ``error``, one WARNING log line, and no change: a forged or
garbled notification is someone else's mistake (or attack), never an error of ours.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from billing.adapters.payment_provider import BadNotification, PaymentProvider, parse_notification
from billing.adapters.unit_of_work import uow_of
from billing.service.online_payments import apply_notification
from kabinet.errors import Conflict, KabinetError, NotFound
from kabinet.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def _status(exc: KabinetError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict) or exc.code.endswith("REUSED"):
        return 409
    return 400  # the rest is input that is not acceptable (an amount, a currency)


def webhook_route(runtime: ServiceRuntime, provider: PaymentProvider) -> Route:
    def refuse(request: Request, status: int, error: str, detail: str) -> Response:
        client = request.client.host if request.client else "-"
        log.warning("payment webhook refused: provider=%s status=%s error=%s client=%s detail=%s",
                    provider.name, status, error, client, " ".join(detail.split())[:300])
        return JSONResponse({"error": error}, status_code=status)

    async def notify(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not provider.verify(body, headers):
            return refuse(request, 401, "BAD_SIGNATURE", "the signature does not match the body")
        try:
            notification = parse_notification(body)
        except BadNotification as exc:
            return refuse(request, 400, "MALFORMED_NOTIFICATION", str(exc))
        try:
            async with uow_of(runtime) as uow:
                result = await apply_notification(notification, uow, provider.name)
        except KabinetError as exc:
            # Signed but not applicable: an id billing never issued, content other than the checkout's,
            # an amount beyond the limits. Nothing was written (the unit of work rolled back).
            return refuse(request, _status(exc), exc.code,
                          f"id={notification.provider_payment_id} family={notification.family_id} "
                          f"amount={notification.amount} {notification.currency}: {exc.message}")
        return JSONResponse({"ok": True, "payment_id": result.payment_id if result else None})

    return Route(f"/webhooks/payments/{provider.name}", notify, methods=["POST"])
