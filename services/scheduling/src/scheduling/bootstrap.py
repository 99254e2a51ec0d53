"""Scheduling's composition root: the runtime with scheduling's unit of work and read model, the event handlers
bound to the kit's inbox, the calendar feed route (``entrypoints/``), the missed-lessons job."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette

import scheduling.domain.events  # noqa: F401  (registers the produced contracts before the bus connects)
from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.graphql.context import RequestContext
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app
from scheduling.adapters.queries.read_model import SqlSchedulingReads
from scheduling.adapters.tables import dead_letters, inbox, metadata, outbox
from scheduling.adapters.unit_of_work import SqlSchedulingUnitOfWork, service_uow
from scheduling.domain.model import utcnow
from scheduling.entrypoints.calendar import calendar_route
from scheduling.schema.schema import schema
from scheduling.service.handlers import HANDLERS
from scheduling.service.lesson_status import mark_missed_lessons
from scheduling.settings import SchedulingSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="scheduling", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   dead_letters=dead_letters, handlers=HANDLERS, service_uow=service_uow)


class SchedulingRuntime(ServiceRuntime):
    """The kit's runtime whose units of work carry scheduling's repositories; it is also the ``SchedulingApp``
    the schema reaches through the request context (``scheduling.schema.context``)."""

    def uow(self) -> SqlSchedulingUnitOfWork:
        return SqlSchedulingUnitOfWork(self.sessionmaker, self.spec.outbox, self.name, on_commit=self.relay.wake)

    def unit_of_work(self) -> SqlSchedulingUnitOfWork:
        return self.uow()

    def read_model(self, context: RequestContext) -> SqlSchedulingReads:
        return SqlSchedulingReads(context.reads)

    @contextlib.asynccontextmanager
    async def own_reads(self) -> AsyncIterator[SqlSchedulingReads]:
        """The read model on a session of its own (outside a GraphQL request: the calendar feed)."""
        async with self.sessionmaker() as session:
            yield SqlSchedulingReads.over(session)


def build_runtime(settings: SchedulingSettings | None = None, *, transport: Transport | None = None,
                  key_source: KeySource | None = None) -> SchedulingRuntime:
    settings = settings or SchedulingSettings()
    runtime = SchedulingRuntime(SPEC, settings, transport=transport, key_source=key_source)
    runtime.add_job("missed-lessons", settings.missed_lessons_interval_s,
                    lambda: mark_missed_lessons(runtime.uow, utcnow()))
    return runtime


def create_app(settings: SchedulingSettings | None = None, *, runtime: SchedulingRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)
    return create_service_app(runtime, schema, manage_runtime=manage_runtime,
                              routes=[calendar_route(runtime.own_reads)])
