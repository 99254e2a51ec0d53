"""The SQLAlchemy unit of work of scheduling: the kit's (transaction + outbox) with the repositories built from
its session. ``joined`` gives the same view of a unit of work the kit opened itself (an event handler's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db import SqlKeyStore, UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.idempotency import Idempotency
from scheduling.adapters.repositories import (
    BookingRepository,
    CatalogueRepository,
    FeedRepository,
    GroupRepository,
    LessonRepository,
    ProjectionRepository,
    SlotRepository,
    TrialRepository,
)
from scheduling.adapters.tables import idempotency_keys
from scheduling.service.unit_of_work import SchedulingHandler


class Repositories:
    """Every repository of scheduling over one session."""

    def _bind(self, session: AsyncSession) -> None:
        self.projections = ProjectionRepository(session)
        self.catalogue = CatalogueRepository(session)
        self.groups = GroupRepository(session)
        self.lessons = LessonRepository(session)
        self.bookings = BookingRepository(session)
        self.slots = SlotRepository(session)
        self.trials = TrialRepository(session)
        self.feeds = FeedRepository(session)
        self.idempotency = Idempotency(SqlKeyStore(session, idempotency_keys), str)  # results: ids


class SqlSchedulingUnitOfWork(UnitOfWork, Repositories):
    """``async with runtime.uow() as uow: await uow.lessons.get(...); ...; await uow.commit()``."""

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._bind(self.session)
        return self


class JoinedUnitOfWork(Repositories):
    """Scheduling's repositories inside a unit of work opened by the kit (the inbox opens one per event or
    batch and commits it with the inbox row); ``commit`` is the kit's."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._bind(uow.session)

    def publish(self, event: EventContract) -> Envelope:
        return self._uow.publish(event)

    async def commit(self) -> None:
        await self._uow.commit()


def joined(handler: SchedulingHandler) -> Callable[[Envelope, UnitOfWork], Awaitable[None]]:
    """A scheduling event handler in the kit's form (the kit's inbox hands it the kit's unit of work)."""

    async def run(envelope: Envelope, uow: UnitOfWork) -> None:
        await handler(envelope, JoinedUnitOfWork(uow))

    run.__name__ = run.__qualname__ = getattr(handler, "__name__", "handler")
    return run
