"""Rooms, courses and lesson types."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for
from scheduling.adapters.tables import (
    courses,
    lesson_types,
    rooms,
)
from scheduling.domain.model import (
    BUILTIN_TYPES,
    Course,
    LessonKind,
    LessonType,
    Room,
)


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_room(self, room: Room) -> None:
        await self.session.execute(insert(rooms).values(id=room.id, branch_id=room.branch_id, name=room.name,
                                                        capacity=room.capacity))

    async def room(self, room_id: str) -> Room | None:
        r = (await self.session.execute(select(rooms).where(rooms.c.id == room_id))).first()
        return Room(r.id, r.branch_id, r.name, r.capacity) if r else None

    async def rooms(self, branch_id: str | None = None, ids: Sequence[str] | None = None) -> list[Room]:
        q = select(rooms).order_by(rooms.c.name)
        if branch_id is not None:
            q = q.where(rooms.c.branch_id == branch_id)
        if ids is not None:
            q = q.where(any_of(rooms.c.id, ids))
        return [Room(r.id, r.branch_id, r.name, r.capacity) for r in await self.session.execute(q)]

    async def add_course(self, course: Course) -> None:
        await self.session.execute(insert(courses).values(id=course.id, name=course.name))

    async def course(self, course_id: str) -> Course | None:
        r = (await self.session.execute(select(courses).where(courses.c.id == course_id))).first()
        return Course(r.id, r.name) if r else None

    async def courses(self, ids: Sequence[str] | None = None) -> list[Course]:
        q = select(courses).order_by(courses.c.name)
        if ids is not None:
            q = q.where(any_of(courses.c.id, ids))
        return [Course(r.id, r.name) for r in await self.session.execute(q)]

    async def add_lesson_type(self, t: LessonType) -> bool:
        stmt = insert_for(self.session, lesson_types).values(
            code=t.code, name=t.name, kind=t.kind.value, charged_by_default=t.charged_by_default, builtin=False)
        return (await self.session.execute(
            stmt.on_conflict_do_nothing().returning(lesson_types.c.code))).first() is not None

    async def lesson_types(self) -> list[LessonType]:
        rows = await self.session.execute(select(lesson_types).order_by(lesson_types.c.name))
        return [*BUILTIN_TYPES, *(LessonType(r.code, r.name, LessonKind(r.kind), r.charged_by_default)
                                  for r in rows)]

    async def lesson_type(self, code: str) -> LessonType | None:
        return next((t for t in await self.lesson_types() if t.code == code), None)
