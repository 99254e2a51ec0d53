"""Subgraphs answer only the gateway: a shared secret proves a request came through it.

Behind the gateway a service's /graphql is an internal interface: the gateway applies the depth, alias and
cost limits, turns introspection and the console off in production, and is the only party that knows the
client's address. A request without the secret (a client that found a service's port, or embedded mode's
``/services/<name>/graphql``) is refused with 403 and ``extensions.code = GATEWAY_ONLY``. The client address
the gateway forwards is believed only on a request that carries the secret, so nobody chooses their own.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send

# The gateway sends both on every subgraph request; a client's own copies never get past the gateway.
SECRET_HEADER = "x-kabinet-gateway-secret"
CLIENT_ADDRESS_HEADER = "x-kabinet-client-address"
SECRET_ENV = "KABINET_GATEWAY_SECRET"
MIN_SECRET_LENGTH = 32
_PLACEHOLDER_MARK = "change-me"


class MissingGatewaySecret(ValueError):
    """Configuration error: a service (or the gateway) was started without a usable shared secret."""


def require_secret(secret: SecretStr | str | None, who: str) -> str:
    """The secret's value, or a clear start-up error: unset, too short or a manifest's placeholder."""
    value = (secret.get_secret_value() if isinstance(secret, SecretStr) else secret or "").strip()  # a file's "\n"
    if not value:
        raise MissingGatewaySecret(
            f"{who}: {SECRET_ENV} is not set. Subgraphs answer only the gateway, which proves itself with this "
            f"shared secret; set the same random value (e.g. `openssl rand -hex 32`) on the gateway and every "
            f"service. `kabinet run` generates one per data directory.")
    if len(value) < MIN_SECRET_LENGTH or _PLACEHOLDER_MARK in value.lower():
        raise MissingGatewaySecret(
            f"{who}: {SECRET_ENV} must be a random value of at least {MIN_SECRET_LENGTH} characters "
            f"(e.g. `openssl rand -hex 32`), not a placeholder.")
    return value


def normalise_address(raw: str | None) -> str | None:
    """An IP address in canonical form, or None for anything else (never trusted as given)."""
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


class GatewayOnly:
    """ASGI wrapper for a service's /graphql: 403 without the gateway's secret; with it, the forwarded
    client address lands in ``scope["state"]["client_address"]`` (read it with :func:`client_address`)."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self._secret = secret.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(SECRET_HEADER.encode(), b"")
        if await admit(scope, send, self._secret, given, headers.get(CLIENT_ADDRESS_HEADER.encode(), b"")):
            await self.app(scope, receive, send)


async def admit(scope: Scope, send: Send, secret: bytes, given: bytes, address: bytes) -> bool:
    """With the secret: the forwarded address goes into the scope's state; without it: refused (403)."""
    if not hmac.compare_digest(given, secret):
        await refuse(send)
        return False
    scope.setdefault("state", {})["client_address"] = normalise_address(address.decode("latin-1"))
    return True


async def refuse(send: Send) -> None:
    body = json.dumps({"errors": [{"message": "This service answers only the Kabinet gateway.",
                                   "extensions": {"code": "GATEWAY_ONLY"}}]}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def client_address(request: Any) -> str | None:
    """The client's address as the gateway saw it (None outside a gateway request, e.g. in-process calls)."""
    if request is None:
        return None
    state = getattr(request, "state", None)
    return getattr(state, "client_address", None) if state is not None else None
