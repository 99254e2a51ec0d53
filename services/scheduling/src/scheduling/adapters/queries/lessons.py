"""Lesson lists for GraphQL and feeds: filtered, keyset-paginated, and a family's pages in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from scheduling.adapters.repositories.lessons import lesson_of
from scheduling.adapters.tables import lessons, participants
from scheduling.domain.model import Lesson, LessonStatus
from scheduling.service.unit_of_work import LessonFilter
from scheduling.service.views import decode_cursor

# Built once (kabinet.db.any_of): building a select per call costs more than running it.
_UPCOMING_COUNTS = (select(participants.c.student_id, func.count())
                    .join(lessons, lessons.c.id == participants.c.lesson_id)
                    .where(any_of(participants.c.student_id, bindparam("ids")), lessons.c.published.is_(True),
                           lessons.c.status != LessonStatus.CANCELLED.value,
                           lessons.c.starts_at >= bindparam("now", type_=lessons.c.starts_at.type))
                    .group_by(participants.c.student_id))


class LessonViews:
    """Read-only queries over lessons (the request's read session)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upcoming_counts(self, student_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Per student: the published lessons still to come that they are on, whatever brought them there
        (membership, booking, make-up, trial)."""
        rows = await self.session.execute(_UPCOMING_COUNTS, {"ids": list(student_ids), "now": now})
        return {r[0]: int(r[1]) for r in rows}

    def _filtered(self, f: LessonFilter) -> Select[Any]:
        q = select(lessons)
        if f.student_id is not None or f.family_id is not None:
            sub = select(participants.c.lesson_id)
            if f.student_id is not None:
                sub = sub.where(participants.c.student_id == f.student_id)
            if f.family_id is not None:
                sub = sub.where(participants.c.family_id == f.family_id)
            q = q.where(lessons.c.id.in_(sub))
        if f.branch_ids is not None:
            q = q.where(any_of(lessons.c.branch_id, f.branch_ids))
        if f.group_id is not None:
            q = q.where(lessons.c.group_id == f.group_id)
        if f.teacher_id is not None:
            q = q.where(lessons.c.teacher_id == f.teacher_id)
        if f.starts_from is not None:
            q = q.where(lessons.c.starts_at >= f.starts_from)
        if f.starts_before is not None:
            q = q.where(lessons.c.starts_at < f.starts_before)
        if not f.include_cancelled:
            q = q.where(lessons.c.status != LessonStatus.CANCELLED.value)
        if f.published_only:
            q = q.where(lessons.c.published.is_(True))
        return q

    async def find(self, f: LessonFilter, *, first: int | None = None, after: str | None = None) -> list[Lesson]:
        """Lessons in start order; keyset pagination on (starts_at, id) so pages stay stable under inserts."""
        q = self._filtered(f)
        if after:
            pos = decode_cursor(after)
            if pos is not None:
                q = q.where(tuple_(lessons.c.starts_at, lessons.c.id) > tuple_(pos[0], pos[1]))
        q = q.order_by(lessons.c.starts_at, lessons.c.id)
        if first is not None:
            q = q.limit(first)
        return [lesson_of(r) for r in await self.session.execute(q)]

    async def pages_of_students(self, f: LessonFilter, student_ids: Sequence[str], first: int
                                ) -> dict[str, tuple[list[Lesson], int]]:
        """Each student's first ``first`` lessons matching ``f`` (its student filter ignored), in start order, and
        how many match in all: one statement for a whole family instead of a page and a count per child."""
        pos = func.row_number().over(partition_by=participants.c.student_id,
                                     order_by=(lessons.c.starts_at, lessons.c.id))
        total = func.count().over(partition_by=participants.c.student_id)
        ranked = (self._filtered(replace(f, student_id=None))
                  .join(participants, participants.c.lesson_id == lessons.c.id)
                  .where(any_of(participants.c.student_id, list(student_ids)))
                  .add_columns(participants.c.student_id.label("page_student"), pos.label("page_pos"),
                               total.label("page_total"))).subquery()
        q = select(ranked).where(ranked.c.page_pos <= first).order_by(ranked.c.page_student, ranked.c.page_pos)
        found: dict[str, tuple[list[Lesson], int]] = {sid: ([], 0) for sid in student_ids}
        for r in await self.session.execute(q):
            page, _ = found[r.page_student]
            page.append(lesson_of(r))
            found[r.page_student] = (page, int(r.page_total))
        return found

    async def count(self, f: LessonFilter) -> int:
        sub = self._filtered(f).subquery()
        return int((await self.session.execute(select(func.count()).select_from(sub))).scalar_one())
