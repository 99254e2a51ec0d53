"""Identity's composition root."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from identity.adapters.tables import inbox, metadata, outbox
from identity.keys import load_signing_key, own_key_source
from identity.schema.schema import schema
from identity.settings import IdentitySettings
from kabinet.auth import SigningKey, TokenIssuer, jwks
from kabinet.bus.base import Transport
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="identity", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   handlers={})


class IdentityRuntime(ServiceRuntime):
    signing_key: SigningKey
    issuer: TokenIssuer


def build_runtime(settings: IdentitySettings | None = None, *, transport: Transport | None = None) -> IdentityRuntime:
    settings = settings or IdentitySettings()
    key = load_signing_key(settings)
    runtime = IdentityRuntime(SPEC, settings, transport=transport, key_source=own_key_source(key))
    runtime.signing_key = key
    runtime.issuer = TokenIssuer(key, settings.auth.issuer, settings.auth.audience, settings.auth.access_ttl_s)
    return runtime


def create_app(settings: IdentitySettings | None = None, *, runtime: IdentityRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)

    async def jwks_endpoint(_: Request) -> JSONResponse:
        return JSONResponse(jwks([runtime.signing_key]), headers={"Cache-Control": "public, max-age=300"})

    return create_service_app(runtime, schema, manage_runtime=manage_runtime,
                              routes=[Route("/.well-known/jwks.json", jwks_endpoint)])
