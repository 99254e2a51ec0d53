"""Learning's composition root."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app
from learning.adapters.tables import inbox, metadata, outbox
from learning.schema.schema import schema
from learning.service.handlers import HANDLERS, lock_order
from learning.settings import LearningSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="learning", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   handlers=HANDLERS, order_key=lock_order)


def build_runtime(settings: LearningSettings | None = None, *, transport: Transport | None = None,
                  key_source: KeySource | None = None) -> ServiceRuntime:
    return ServiceRuntime(SPEC, settings or LearningSettings(), transport=transport, key_source=key_source)


def create_app(settings: LearningSettings | None = None, *, runtime: ServiceRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)
    return create_service_app(runtime, schema, manage_runtime=manage_runtime)
