"""Two batches of one consumer handled at once on the real PostgreSQL: events about the same rows, in
opposite orders, must not deadlock (each service takes its locks in one order)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, func, select

from identity.adapters import tables as identity_tables
from identity.bootstrap import SPEC as IDENTITY
from kabinet.db.engine import create_engine, create_sessionmaker
from kabinet.db.uow import UnitOfWork
from kabinet.events import Envelope
from kabinet.inbox import inbox_batch_handler
from learning.adapters import tables as learning_tables
from learning.bootstrap import SPEC as LEARNING

BatchHandle = Callable[[Sequence[Envelope]], Awaitable[None]]
STARTS = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
async def service_db(database_factory) -> AsyncIterator[Callable[..., Awaitable[tuple[BatchHandle, Any]]]]:
    engines = []

    async def make(name: str, metadata: MetaData, outbox: Table, inbox: Table,
                   handlers: Any, **kwargs: Any) -> tuple[BatchHandle, Any]:
        engine = create_engine(await database_factory(name))
        engines.append(engine)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        sessionmaker = create_sessionmaker(engine)
        return inbox_batch_handler(name, lambda: UnitOfWork(sessionmaker, outbox, name), inbox, handlers,
                                   **kwargs), engine

    yield make
    for engine in engines:
        await engine.dispose()


def event(event_type: str, payload: dict[str, Any]) -> Envelope:
    return Envelope(type=event_type, version=1, producer="scheduling", payload=payload)


async def race(handle: BatchHandle, a: list[Envelope], b: list[Envelope]) -> None:
    """Both batches at once; a deadlock (or any error) fails the test instead of being retried."""
    await asyncio.wait_for(asyncio.gather(handle(a), handle(b)), timeout=60)


async def test_identity_teachings_of_two_batches_in_opposite_orders_do_not_deadlock(service_db):
    t = identity_tables
    handle, engine = await service_db("idlk", t.metadata, t.outbox, t.inbox, IDENTITY.consumer)
    for _ in range(3):
        teacher = str(uuid.uuid4())
        students = [str(uuid.uuid4()) for _ in range(60)]
        added = [event("scheduling.participant.added",
                       {"lesson_id": str(uuid.uuid4()), "teacher_id": teacher, "student_id": s}) for s in students]
        again = [event("scheduling.participant.added",
                       {"lesson_id": str(uuid.uuid4()), "teacher_id": teacher, "student_id": s})
                 for s in reversed(students)]
        await race(handle, added, again)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(t.teachings))).scalar_one() == 180


async def test_learning_lessons_and_participants_of_two_batches_do_not_deadlock(service_db):
    t = learning_tables
    handle, engine = await service_db("lelk", t.metadata, t.outbox, t.inbox, LEARNING.consumer,
                                      order_key=LEARNING.order_key)
    for _ in range(3):
        lessons = [str(uuid.uuid4()) for _ in range(60)]
        common = {"branch_id": "b1", "group_id": "g1", "course_id": "c1", "teacher_id": "t1",
                  "lesson_type": "group", "starts_at": STARTS.isoformat(),
                  "ends_at": (STARTS + timedelta(hours=1)).isoformat()}
        scheduled = [event("scheduling.lesson.scheduled",
                           {**common, "lesson_id": lid, "participants": [{"student_id": "s1"}, {"student_id": "s2"}]})
                     for lid in lessons]
        added = [event("scheduling.participant.added", {**common, "lesson_id": lid, "student_id": s})
                 for lid in reversed(lessons) for s in ("s2", "s1")]
        await race(handle, scheduled, added)
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(t.lesson_participants))).scalar_one() == 360
