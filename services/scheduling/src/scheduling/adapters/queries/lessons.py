"""Lesson lists for GraphQL and feeds: filtered, keyset-paginated, and a family's pages in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, tuple_
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

    async def find(self, f: LessonFilter, *, first: int | None = None, after: str | None = None) -> list[Lesson]:
        """Lessons in start order; keyset pagination on (starts_at, id) so pages stay stable under inserts."""
        params = _params(f)
        pos = decode_cursor(after) if after else None
        if pos is not None:
            params.update(after_at=pos[0], after_id=pos[1])
        if first is not None:
            params["first"] = first
        q = _page(_shape(f), pos is not None, first is not None)
        return [lesson_of(r) for r in await self.session.execute(q, params)]

    async def pages_of_students(self, f: LessonFilter, student_ids: Sequence[str], first: int
                                ) -> dict[str, tuple[list[Lesson], int]]:
        """Each student's first ``first`` lessons matching ``f`` (its student filter ignored), in start order, and
        how many match in all: one statement for a whole family instead of a page and a count per child."""
        f = replace(f, student_id=None)
        q = _pages_of_students(_shape(f))
        found: dict[str, tuple[list[Lesson], int]] = {sid: ([], 0) for sid in student_ids}
        for r in await self.session.execute(q, {**_params(f), "ids": list(student_ids), "first": first}):
            page, _ = found[r.page_student]
            page.append(lesson_of(r))
            found[r.page_student] = (page, int(r.page_total))
        return found

    async def count(self, f: LessonFilter) -> int:
        return int((await self.session.execute(_count(_shape(f)), _params(f))).scalar_one())


# The lesson lists' statements are built once per filter shape (which fields filter), with the values as named
# parameters: building these selects and their cache keys per call cost more than running them.
_FIELDS = ("branch_ids", "group_id", "teacher_id", "student_id", "family_id", "starts_from", "starts_before")
Shape = tuple[bool, ...]


def _shape(f: LessonFilter) -> Shape:
    return (*(getattr(f, name) is not None for name in _FIELDS), f.include_cancelled, f.published_only)


def _params(f: LessonFilter) -> dict[str, Any]:
    values = {name: getattr(f, name) for name in _FIELDS if getattr(f, name) is not None}
    if "branch_ids" in values:
        values["branch_ids"] = list(values["branch_ids"])
    return values


@lru_cache(maxsize=128)
def _filtered(shape: Shape) -> Select[Any]:
    branch_ids, group_id, teacher_id, student_id, family_id, starts_from, starts_before, include_cancelled, \
        published_only = shape
    q = select(lessons)
    if student_id or family_id:
        sub = select(participants.c.lesson_id)
        if student_id:
            sub = sub.where(participants.c.student_id == bindparam("student_id"))
        if family_id:
            sub = sub.where(participants.c.family_id == bindparam("family_id"))
        q = q.where(lessons.c.id.in_(sub))
    if branch_ids:
        q = q.where(any_of(lessons.c.branch_id, bindparam("branch_ids")))
    if group_id:
        q = q.where(lessons.c.group_id == bindparam("group_id"))
    if teacher_id:
        q = q.where(lessons.c.teacher_id == bindparam("teacher_id"))
    if starts_from:
        q = q.where(lessons.c.starts_at >= bindparam("starts_from"))
    if starts_before:
        q = q.where(lessons.c.starts_at < bindparam("starts_before"))
    if not include_cancelled:
        q = q.where(lessons.c.status != LessonStatus.CANCELLED.value)
    if published_only:
        q = q.where(lessons.c.published.is_(True))
    return q


@lru_cache(maxsize=128)
def _page(shape: Shape, after: bool, limited: bool) -> Select[Any]:
    q = _filtered(shape)
    if after:
        at = bindparam("after_at", type_=lessons.c.starts_at.type)
        lesson_id = bindparam("after_id", type_=lessons.c.id.type)
        q = q.where(tuple_(lessons.c.starts_at, lessons.c.id) > tuple_(at, lesson_id))
    q = q.order_by(lessons.c.starts_at, lessons.c.id)
    return q.limit(bindparam("first", type_=Integer())) if limited else q


@lru_cache(maxsize=128)
def _count(shape: Shape) -> Select[Any]:
    return select(func.count()).select_from(_filtered(shape).subquery())


@lru_cache(maxsize=128)
def _pages_of_students(shape: Shape) -> Select[Any]:
    pos = func.row_number().over(partition_by=participants.c.student_id, order_by=(lessons.c.starts_at, lessons.c.id))
    total = func.count().over(partition_by=participants.c.student_id)
    ranked = (_filtered(shape)
              .join(participants, participants.c.lesson_id == lessons.c.id)
              .where(any_of(participants.c.student_id, bindparam("ids")))
              .add_columns(participants.c.student_id.label("page_student"), pos.label("page_pos"),
                           total.label("page_total"))).subquery()
    return (select(ranked).where(ranked.c.page_pos <= bindparam("first", type_=Integer()))
            .order_by(ranked.c.page_student, ranked.c.page_pos))
