"""Learning's unit of work on SQLAlchemy: the kit's UnitOfWork (one transaction, events to the outbox) with
learning's repositories built on its session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from kabinet.db import SqlKeyStore, UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.idempotency import Idempotency
from kabinet.inbox import EventHandler
from learning.adapters.repositories import SqlProjections, SqlSchoolSettings, SqlSheets
from learning.adapters.tables import idempotency_keys
from learning.service.handlers import LearningHandler


class SqlLearningUnitOfWork:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.projections = SqlProjections(uow.session)
        self.sheets = SqlSheets(uow.session)
        self.settings = SqlSchoolSettings(uow.session)
        self.sheet_keys = Idempotency(SqlKeyStore(uow.session, idempotency_keys), int)

    def publish(self, event: EventContract) -> Envelope:
        return self._uow.publish(event)

    async def commit(self) -> None:
        await self._uow.commit()


@asynccontextmanager
async def learning_uow(factory: UnitOfWork) -> AsyncIterator[SqlLearningUnitOfWork]:
    """``async with learning_uow(runtime.uow()) as uow:`` — rolled back unless committed."""
    async with factory as uow:
        yield SqlLearningUnitOfWork(uow)


def kit_handler(handler: LearningHandler) -> EventHandler:
    """A learning handler as the kit's consumer calls it (with the kit's unit of work)."""

    async def handle(envelope: Envelope, uow: UnitOfWork) -> None:
        await handler(envelope, SqlLearningUnitOfWork(uow))

    handle.__name__ = handle.__qualname__ = getattr(handler, "__name__", "handle")
    return handle


def kit_handlers(subscriptions: Mapping[str, LearningHandler]) -> dict[str, EventHandler]:
    return {key: kit_handler(fn) for key, fn in subscriptions.items()}
