"""The HTTP endpoint the payment provider notifies: verify the signature, then record the payment once."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from billing.adapters.payment_provider import BadNotification, PaymentProvider, parse_notification
from billing.service.online_payments import apply_notification
from kabinet.errors import KabinetError
from kabinet.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def webhook_route(runtime: ServiceRuntime, provider: PaymentProvider) -> Route:
    async def notify(request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not provider.verify(body, headers):
            log.warning("payment webhook with a bad signature refused")
            return JSONResponse({"error": "bad signature"}, status_code=401)
        try:
            notification = parse_notification(body)
        except BadNotification:
            return JSONResponse({"error": "malformed notification"}, status_code=400)
        try:
            async with runtime.uow() as uow:
                result = await apply_notification(notification, uow, provider.name)
        except KabinetError as exc:
            # Signed but not applicable (unknown family, amount changed under the same id): tell the provider.
            return JSONResponse({"error": exc.code}, status_code=409 if exc.code.endswith("REUSED") else 422)
        return JSONResponse({"ok": True, "payment_id": result["payment_id"] if result else None})

    return Route(f"/webhooks/payments/{provider.name}", notify, methods=["POST"])
