"""Billing's composition root."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from billing.adapters.tables import inbox, metadata, outbox
from billing.schema.schema import schema
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="billing", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   handlers=HANDLERS)


def build_runtime(settings: BillingSettings | None = None, *, transport: Transport | None = None,
                  key_source: KeySource | None = None) -> ServiceRuntime:
    return ServiceRuntime(SPEC, settings or BillingSettings(), transport=transport, key_source=key_source)


def create_app(settings: BillingSettings | None = None, *, runtime: ServiceRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)
    return create_service_app(runtime, schema, manage_runtime=manage_runtime)
