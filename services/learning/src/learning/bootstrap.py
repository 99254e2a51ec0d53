"""Learning's composition root (wiring only): the kit's runtime with learning's tables, migrations and
subscriptions, and what the GraphQL schema reaches through the request context (``LearningWiring``): a unit of
work with repositories for mutations and the request's query object for reads."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

from starlette.applications import Starlette

from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app
from learning.adapters.queries import SqlLearningQueries
from learning.adapters.tables import dead_letters, inbox, metadata, outbox
from learning.adapters.unit_of_work import SqlLearningUnitOfWork, learning_uow, service_uow
from learning.schema.schema import schema
from learning.service.handlers import HANDLERS, lock_order
from learning.service.unit_of_work import ReadScope
from learning.settings import LearningSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="learning", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   dead_letters=dead_letters, handlers=HANDLERS, service_uow=service_uow, order_key=lock_order)


class LearningRuntime(ServiceRuntime):
    """The kit's runtime plus learning's unit of work and read models (``service.unit_of_work.LearningWiring``)."""

    settings: LearningSettings

    def unit_of_work(self) -> AbstractAsyncContextManager[SqlLearningUnitOfWork]:
        return learning_uow(self.uow())

    def queries(self, request: ReadScope) -> SqlLearningQueries:
        return SqlLearningQueries(request)


def build_runtime(settings: LearningSettings | None = None, *, transport: Transport | None = None,
                  key_source: KeySource | None = None) -> LearningRuntime:
    return LearningRuntime(SPEC, settings or LearningSettings(), transport=transport, key_source=key_source)


def create_app(settings: LearningSettings | None = None, *, runtime: ServiceRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)
    return create_service_app(runtime, schema, manage_runtime=manage_runtime)
