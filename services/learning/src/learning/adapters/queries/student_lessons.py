"""A student's lessons with the sheet and the student's mark (the family cabinet's past lessons, homework and
progress), read by the (student_id, starts_at) index over a bounded window: the cost follows the window, not
the student's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from learning.adapters.queries.scope import scope_clause
from learning.adapters.rows import mark_of
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets, students
from learning.domain.access import LessonScope
from learning.service.unit_of_work import StudentLessonResult, StudentLessons, StudentLessonsWindow

p, m = lesson_participants, sheet_marks


def _conditions(scope: LessonScope | None, since: Any, until: Any) -> list[ColumnElement[bool]]:
    """Besides the student: not cancelled, on the list (or marked), in scope and in the window."""
    where = [lessons.c.cancelled.is_(False), or_(p.c.active.is_(True), m.c.student_id.is_not(None))]
    if scope is not None:
        where.append(scope_clause(scope))
    if until is not None:
        where.append(p.c.starts_at < until)
    if since is not None:
        where.append(p.c.starts_at >= since)
    return where


def _joined(stmt: Select[Any], family: bool = False) -> Select[Any]:
    joined = (p.join(lessons, lessons.c.id == p.c.lesson_id)
              .outerjoin(sheets, sheets.c.lesson_id == p.c.lesson_id)
              .outerjoin(m, and_(m.c.lesson_id == p.c.lesson_id, m.c.student_id == p.c.student_id)))
    return stmt.select_from(joined.outerjoin(students, students.c.id == p.c.student_id) if family else joined)


_COLUMNS = [p.c.student_id, p.c.lesson_id, lessons.c.group_id, lessons.c.course_id, lessons.c.starts_at,
            lessons.c.ends_at, sheets.c.summary, sheets.c.homework, sheets.c.revision, m.c.attendance,
            m.c.homework_done, m.c.grade, m.c.grade_scale, m.c.comment,
            # The student's family as identity's events gave it: the family's check needs no statement of its own.
            students.c.family_id]
_CACHED_UP_TO = 8  # students: a family's children (more are staff reads, built per call)

# A window's shape: (students, since, until, before, limit) - how many students and which bounds it has.
Shape = tuple[int, bool, bool, bool, bool]


def _window(scope: LessonScope | None, w: int, shape: Shape) -> list[Select[Any]]:
    """One window's selects, each row tagged with the window's number ``w``; named parameters ``w<w>_s0``..
    (each student; ``w<w>_ids`` for all of them), ``w<w>_since``, ``_until``, ``_before_at``/``_before_id`` and
    ``_limit`` - those of the shape."""
    students, since, until, before, limit = shape

    def param(name: str, **kw: Any) -> Any:
        return bindparam(f"w{w}_{name}", **kw)

    window = _conditions(scope, param("since") if since else None, param("until") if until else None)
    if before:  # strictly after it in the newest-first order
        at, lesson_id = param("before_at", type_=p.c.starts_at.type), param("before_id", type_=p.c.lesson_id.type)
        window.append(or_(p.c.starts_at < at, and_(p.c.starts_at == at, p.c.lesson_id > lesson_id)))
    tag = literal_column(str(w), Integer()).label("w")

    def one(who: ColumnElement[bool]) -> Select[Any]:
        return _joined(select(tag, *_COLUMNS), family=True).where(who, *window)

    # One student: equality, so the (student_id, starts_at) index gives the order and a LIMIT stops the scan
    # early; ``= ANY(array)`` does not.
    if not limit:
        return [one(p.c.student_id == param("s0") if students == 1 else any_of(p.c.student_id, param("ids")))]
    # A page per student, each read from the (student_id, starts_at) index and stopped at its limit (a window
    # function over all the students' rows would read their whole history first).
    return [select(one(p.c.student_id == param(f"s{i}")).order_by(p.c.starts_at.desc(), p.c.lesson_id)
                   .limit(param("limit", type_=Integer())).subquery())
            for i in range(students)]


def _build(scope: LessonScope | None, shapes: tuple[Shape, ...]) -> Select[Any] | CompoundSelect[Any]:
    """The windows' rows in one statement (one round trip for a cabinet's past lessons and homework); a lesson in
    two windows comes once for each."""
    parts = [s for w, shape in enumerate(shapes) for s in _window(scope, w, shape)]
    return union_all(*parts) if len(parts) > 1 else parts[0]


_statement = lru_cache(maxsize=256)(_build)


async def student_lessons_in(session: AsyncSession, asks: Sequence[tuple[StudentLessonsWindow, Sequence[str]]],
                             scope: LessonScope | None) -> StudentLessons:
    """For each (window, students) asked, each student's lessons in that window, newest first; with the family
    of each student who has a row."""
    out: list[dict[str, list[StudentLessonResult]]] = [{s: [] for s in ids} for _, ids in asks]
    families: dict[str, str] = {}
    if scope is not None and scope.empty:
        return StudentLessons(out, families)
    read = [(w, window, ids) for w, (window, ids) in enumerate(asks) if ids and window.limit != 0]
    if not read:
        return StudentLessons(out, families)
    shapes = tuple((len(ids), window.since is not None, window.until is not None, window.before is not None,
                    window.limit is not None) for _, window, ids in read)
    # A family's reads (no scope, a few children) reuse one statement per shape: building this union and its
    # cache key per call cost more than running it.
    cached = scope is None and all(shape[0] <= _CACHED_UP_TO for shape in shapes)
    stmt = _statement(None, shapes) if cached else _build(scope, shapes)
    params: dict[str, Any] = {}
    tags = {}
    for i, (w, window, ids) in enumerate(read):
        tags[i] = out[w]
        params.update({f"w{i}_s{j}": s for j, s in enumerate(ids)})
        params.update({f"w{i}_ids": list(ids), f"w{i}_since": window.since, f"w{i}_until": window.until,
                       f"w{i}_limit": window.limit})
        if window.before is not None:
            params.update({f"w{i}_before_at": window.before[0], f"w{i}_before_id": window.before[1]})
    # Rows unpacked in _COLUMNS' order (attribute access on a Row costs a lookup per column); a lesson in
    # two windows is converted once.
    seen: dict[tuple[str, str], StudentLessonResult] = {}
    for (w, student_id, lesson_id, group_id, course_id, starts_at, ends_at, summary, homework, revision, attendance,
         homework_done, grade, scale, comment, family_id) in (await session.execute(stmt, params)).all():
        result = seen.get((student_id, lesson_id))
        if result is None:
            result = seen[student_id, lesson_id] = StudentLessonResult(
                student_id, lesson_id, starts_at, ends_at, course_id, group_id, revision is not None, summary,
                homework, None if attendance is None else mark_of(student_id, attendance, homework_done, grade,
                                                                  scale, comment))
            if family_id is not None:
                families[student_id] = family_id
        tags[w][student_id].append(result)
    for by_student in out:
        for rows in by_student.values():
            rows.sort(key=lambda r: r.lesson_id)
            rows.sort(key=lambda r: r.starts_at, reverse=True)  # newest first, then by id (the page order)
    return StudentLessons(out, families)


async def student_lessons(session: AsyncSession, student_ids: Sequence[str], scope: LessonScope | None,
                          window: StudentLessonsWindow) -> dict[str, list[StudentLessonResult]]:
    """One window's (``student_lessons_in``)."""
    return (await student_lessons_in(session, [(window, student_ids)], scope)).windows[0]


async def count_student_lessons(session: AsyncSession, student_id: str, scope: LessonScope | None,
                                until: datetime | None) -> int:
    if scope is not None and scope.empty:
        return 0
    stmt = _joined(select(func.count())).where(p.c.student_id == student_id, *_conditions(scope, None, until))
    return int((await session.execute(stmt)).scalar_one())
