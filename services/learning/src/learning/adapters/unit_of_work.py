"""Learning's unit of work on SQLAlchemy: the kit's UnitOfWork (one transaction, events to the outbox) with
learning's repositories built on its session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from kabinet.db import SqlKeyStore, UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.idempotency import Idempotency
from learning.adapters.repositories import SqlProjections, SqlSchoolSettings, SqlSheets
from learning.adapters.tables import idempotency_keys


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


def service_uow(kit: UnitOfWork) -> SqlLearningUnitOfWork:
    """Learning's unit of work over the kit's one the inbox opened (its transaction, with the inbox rows): what
    the event handlers get (``ServiceSpec(service_uow=...)``)."""
    return SqlLearningUnitOfWork(kit)
