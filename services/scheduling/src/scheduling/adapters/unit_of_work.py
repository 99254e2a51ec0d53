"""The SQLAlchemy unit of work of scheduling: the kit's (transaction + outbox) with the repositories built from
its session. ``service_uow`` gives it to the event handlers (the inbox opens it with the runtime's ``uow``)."""

from __future__ import annotations

from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db import SqlKeyStore, UnitOfWork
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


def service_uow(kit: UnitOfWork) -> SqlSchedulingUnitOfWork:
    """Scheduling's unit of work of the kit's one the inbox opened (its transaction, with the inbox rows): what
    the event handlers get (``ServiceSpec(service_uow=...)``). The runtime's ``uow`` opens scheduling's own."""
    if not isinstance(kit, SqlSchedulingUnitOfWork):
        raise TypeError(f"not scheduling's unit of work: {type(kit).__name__}")
    return kit
