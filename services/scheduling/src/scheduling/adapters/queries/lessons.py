"""Lesson lists for GraphQL and feeds: filtered, keyset-paginated, and a family's pages in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.money import Money
from scheduling.adapters.repositories._rows import utc
from scheduling.adapters.repositories.lessons import lesson_of
from scheduling.adapters.tables import groups, lessons, participants, students, trials
from scheduling.domain.model import Group, Lesson, LessonStatus, StudentRef, Trial
from scheduling.service.unit_of_work import LessonFilter
from scheduling.service.views import decode_cursor

# Built once (kabinet.db.any_of): building a select per call costs more than running it.
_UPCOMING_COUNTS = (select(participants.c.student_id, func.count())
                    .join(lessons, lessons.c.id == participants.c.lesson_id)
                    .where(any_of(participants.c.student_id, bindparam("ids")), lessons.c.published.is_(True),
                           lessons.c.status != LessonStatus.CANCELLED.value,
                           lessons.c.starts_at >= bindparam("now", type_=lessons.c.starts_at.type))
                    .group_by(participants.c.student_id))


def _upcoming_of(student_id: Any) -> Any:
    """How many published, not cancelled lessons from ``now`` on the student is on (a scalar subquery). Each of
    the child's participant rows (ix_participants_student) looks its lesson up by primary key: as a join the
    planner hashed it against a sequential scan of every lesson to come (1.8 ms a child at the bench's scale 1)."""
    lesson_to_come = (select(lessons.c.starts_at)
                      .where(lessons.c.id == participants.c.lesson_id, lessons.c.published.is_(True),
                             lessons.c.status != LessonStatus.CANCELLED.value)
                      .scalar_subquery())
    return (select(func.count()).select_from(participants)
            .where(participants.c.student_id == student_id,
                   lesson_to_come >= bindparam("now", type_=lessons.c.starts_at.type))
            .scalar_subquery())


# The students' projections, with the upcoming count of those in ``counted`` only (CASE runs the subquery for them
# alone), and the trials of the families in ``families``: a family frame's access checks, upcoming counts and trial
# in one statement. One column layout for both parts (a trial's student in ``id``).
_NO_TEXT = cast(null(), String())
_STUDENTS_AND_TRIALS = union_all(
    select(literal_column("'s'").label("part"), students.c.id, students.c.family_id, students.c.branch_id,
           students.c.first_name, students.c.last_name, students.c.erased,
           case((any_of(students.c.id, bindparam("counted")), _upcoming_of(students.c.id)),
                else_=None).label("upcoming"),
           _NO_TEXT.label("t_lesson_id"), _NO_TEXT.label("t_source"),
           cast(null(), trials.c.used_at.type).label("t_used_at"))
    .where(any_of(students.c.id, bindparam("ids"))),
    select(literal_column("'t'"), trials.c.student_id, trials.c.family_id, _NO_TEXT, _NO_TEXT, _NO_TEXT,
           cast(null(), Boolean()), cast(null(), Integer()), trials.c.lesson_id, trials.c.source, trials.c.used_at)
    .where(any_of(trials.c.family_id, bindparam("families"))),
)


class LessonViews:
    """Read-only queries over lessons (the request's read session)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upcoming_counts(self, student_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Per student: the published lessons still to come that they are on, whatever brought them there
        (membership, booking, make-up, trial)."""
        rows = await self.session.execute(_UPCOMING_COUNTS, {"ids": list(student_ids), "now": now})
        return {r[0]: int(r[1]) for r in rows}

    async def students_and_trials(self, ids: Sequence[str], counted: Sequence[str], families: Sequence[str],
                                  now: datetime) -> tuple[dict[str, StudentRef], dict[str, int], dict[str, Trial]]:
        """The students' projections (``ids``), ``upcoming_counts`` of those of them in ``counted``, and the
        families' trials (``families``)."""
        rows = await self.session.execute(_STUDENTS_AND_TRIALS, {
            "ids": list(ids), "counted": list(counted), "families": list(families), "now": now})
        found, counts, trials_ = {}, {}, {}
        for r in rows:
            if r.part == "t":
                trials_[r.family_id] = Trial(r.family_id, r.id, r.t_lesson_id, r.t_source, utc(r.t_used_at))
                continue
            found[r.id] = StudentRef(r.id, r.family_id, r.branch_id, r.first_name, r.last_name, bool(r.erased))
            if r.upcoming is not None:
                counts[r.id] = int(r.upcoming)
        return found, counts, trials_

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

    async def page(self, f: LessonFilter, *, first: int, after: str | None = None) -> tuple[list[Lesson], int]:
        """Up to ``first`` lessons in start order after the cursor, and how many match ``f`` in all. A first page
        and its count are one statement (the count a window over the same rows); a later page counts apart,
        since its rows start after the cursor."""
        if after:
            return await self.find(f, first=first, after=after), await self.count(f)
        rows = (await self.session.execute(_counted_page(_shape(f)), {**_params(f), "first": first})).all()
        return [lesson_of(r) for r in rows], int(rows[0].page_total) if rows else 0

    async def pages_of_students(self, f: LessonFilter, student_ids: Sequence[str], first: int
                                ) -> tuple[dict[str, tuple[list[Lesson], int]], dict[str, Group]]:
        """Each student's first ``first`` lessons matching ``f`` (its student filter ignored), in start order, and
        how many match in all: one statement for a whole family instead of a page and a count per child. With
        them the groups of those lessons (joined to the page's rows only), which a page's lessons show."""
        f = replace(f, student_id=None)
        q = _pages_of_students(_shape(f))
        found: dict[str, tuple[list[Lesson], int]] = {sid: ([], 0) for sid in student_ids}
        groups_: dict[str, Group] = {}
        for r in await self.session.execute(q, {**_params(f), "ids": list(student_ids), "first": first}):
            page, _ = found[r.page_student]
            page.append(lesson_of(r))
            found[r.page_student] = (page, int(r.page_total))
            if r.g_id is not None and r.g_id not in groups_:
                groups_[r.g_id] = Group(r.g_id, r.g_branch_id, r.g_course_id, r.g_teacher_id, r.g_room_id, r.g_name,
                                        r.g_capacity, Money(r.g_price, r.g_currency))
        return found, groups_

    async def count(self, f: LessonFilter) -> int:
        return int((await self.session.execute(_count(_shape(f)), _params(f))).scalar_one())


# The lesson lists' statements are built once per filter shape (which fields filter), with the values as named
# parameters: building these selects and their cache keys per call cost more than running them.
_FIELDS = ("branch_ids", "group_id", "teacher_id", "student_id", "family_id", "starts_from", "starts_before")
Shape = tuple[bool, ...]


def _shape(f: LessonFilter) -> Shape:
    return (*(getattr(f, name) is not None for name in _FIELDS), f.include_cancelled, f.published_only,
            f.bookable_only)


def _params(f: LessonFilter) -> dict[str, Any]:
    values = {name: getattr(f, name) for name in _FIELDS if getattr(f, name) is not None}
    if "branch_ids" in values:
        values["branch_ids"] = list(values["branch_ids"])
    return values


@lru_cache(maxsize=128)
def _filtered(shape: Shape) -> Select[Any]:
    branch_ids, group_id, teacher_id, student_id, family_id, starts_from, starts_before, include_cancelled, \
        published_only, bookable_only = shape
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
    if bookable_only:
        q = q.where(lessons.c.bookable.is_(True))
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
def _counted_page(shape: Shape) -> Select[Any]:
    # count(*) OVER () runs over every row the filter matches, before the ORDER BY and LIMIT.
    return _page(shape, False, True).add_columns(func.count().over().label("page_total"))


@lru_cache(maxsize=128)
def _pages_of_students(shape: Shape) -> Select[Any]:
    pos = func.row_number().over(partition_by=participants.c.student_id, order_by=(lessons.c.starts_at, lessons.c.id))
    total = func.count().over(partition_by=participants.c.student_id)
    ranked = (_filtered(shape)
              .join(participants, participants.c.lesson_id == lessons.c.id)
              .where(any_of(participants.c.student_id, bindparam("ids")))
              .add_columns(participants.c.student_id.label("page_student"), pos.label("page_pos"),
                           total.label("page_total"))).subquery()
    group_cols = [c.label(f"g_{c.name}") for c in groups.c]
    return (select(ranked, *group_cols).outerjoin(groups, groups.c.id == ranked.c.group_id)
            .where(ranked.c.page_pos <= bindparam("first", type_=Integer()))
            .order_by(ranked.c.page_student, ranked.c.page_pos))
