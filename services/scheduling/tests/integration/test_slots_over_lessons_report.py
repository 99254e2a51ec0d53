"""The operators' report of open slots lying over lessons (reports/open_slots_over_lessons.sql, docs/operations.md):
slots opened before openSlot refused them stay open until an admin closes them. Written here as the old code
could (straight through the repositories, no clash check); the report lists exactly those still on offer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from kabinet.db import create_engine, create_sessionmaker
from kabinet.db.migrations import upgrade
from kabinet.money import Money
from scheduling.adapters.tables import outbox
from scheduling.adapters.unit_of_work import SqlSchedulingUnitOfWork
from scheduling.bootstrap import MIGRATIONS
from scheduling.domain.model import AvailabilitySlot, Lesson, LessonKind

pytestmark = pytest.mark.integration

REPORT = Path(__file__).parents[2] / "reports" / "open_slots_over_lessons.sql"
PRICE = Money(Decimal(1500))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2099, 3, 2, hour, minute, tzinfo=UTC)


def slot(slot_id: str, teacher: str, start: datetime, end: datetime, room: str | None = None,
         closed: bool = False) -> AvailabilitySlot:
    return AvailabilitySlot(slot_id, "b1", teacher, "individual", start, end, PRICE, room,
                            closed_at=at(0) if closed else None)


async def test_the_report_lists_open_slots_over_lessons_and_nothing_else(
        database_factory: Callable[[str], Awaitable[str]]) -> None:
    url = await database_factory("scheduling_report")
    await upgrade(MIGRATIONS, url)
    engine = create_engine(url)
    try:
        async with SqlSchedulingUnitOfWork(create_sessionmaker(engine), outbox, "scheduling") as uow:
            await uow.lessons.add(Lesson("l1", "b1", "t1", "individual", LessonKind.INDIVIDUAL, True, at(10), at(11),
                                         PRICE, date(2099, 3, 2), room_id="r1"))
            for s in (slot("over-teacher", "t1", at(10, 30), at(11, 30)),
                      slot("over-room", "t2", at(9, 30), at(10, 30), room="r1"),
                      slot("after", "t1", at(11), at(12)),  # touches the lesson's end: no overlap
                      slot("other-teacher", "t2", at(10), at(11)),
                      slot("closed", "t1", at(10), at(11), closed=True)):
                await uow.slots.add(s)
            await uow.commit()
        async with engine.connect() as conn:
            rows = (await conn.execute(text(REPORT.read_text()))).all()
        assert [(r.slot_id, r.lesson_id, r.clash) for r in rows] == [
            ("over-room", "l1", "room"), ("over-teacher", "l1", "teacher")]
    finally:
        await engine.dispose()
