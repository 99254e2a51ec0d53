"""Identity's composition root."""

from __future__ import annotations

import html
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from identity.adapters.tables import inbox, metadata, outbox
from identity.keys import load_signing_key, own_key_source
from identity.pages import confirm_email_page
from identity.schema.schema import schema
from identity.service.deps import IdentityDeps, build_deps
from identity.service.handlers import HANDLERS
from identity.settings import IdentitySettings
from kabinet.auth import SigningKey, TokenIssuer, jwks
from kabinet.bus.base import Transport
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="identity", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   handlers=HANDLERS)


class IdentityRuntime(ServiceRuntime):
    signing_key: SigningKey
    issuer: TokenIssuer
    deps: IdentityDeps

    async def readiness(self) -> dict[str, bool]:
        # Without a way to send codes and links nobody can sign in or reset a password: not ready.
        return {**await super().readiness(), "sms": self.deps.can_send("sms"),
                "email": self.deps.can_send("email")}


def build_runtime(settings: IdentitySettings | None = None, *, transport: Transport | None = None) -> IdentityRuntime:
    settings = settings or IdentitySettings()
    key = load_signing_key(settings)
    runtime = IdentityRuntime(SPEC, settings, transport=transport, key_source=own_key_source(key))
    runtime.signing_key = key
    runtime.deps = build_deps(settings, key)
    runtime.issuer = runtime.deps.issuer
    return runtime


def create_app(settings: IdentitySettings | None = None, *, runtime: IdentityRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)

    async def jwks_endpoint(_: Request) -> JSONResponse:
        return JSONResponse(jwks([runtime.signing_key]), headers={"Cache-Control": "public, max-age=300"})

    mailbox = runtime.deps.mailbox

    async def dev_messages(_: Request) -> HTMLResponse:
        """Development transport only: the SMS and emails identity would have sent (codes, links)."""
        assert mailbox is not None
        rows = "".join(
            f"<tr><td>{m.sent_at:%H:%M:%S}</td><td>{m.channel}</td><td>{html.escape(m.to)}</td>"
            f"<td>{html.escape(m.subject)}</td><td><pre>{html.escape(m.text)}</pre></td></tr>"
            for m in reversed(mailbox.messages))
        return HTMLResponse("<h1>Messages identity sent (development)</h1><table border=1 cellpadding=4>"
                            f"<tr><th>time</th><th>channel</th><th>to</th><th>subject</th><th>text</th></tr>{rows}"
                            "</table>")

    routes = [Route("/.well-known/jwks.json", jwks_endpoint), Route("/confirm-email", confirm_email_page(runtime))]
    if mailbox is not None:  # only when IDENTITY_DEV_MAILBOX asks for it: it shows every code and reset link
        routes.append(Route("/dev/messages", dev_messages))
    return create_service_app(runtime, schema, manage_runtime=manage_runtime, routes=routes)
