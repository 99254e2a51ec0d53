"""A student's lessons with the sheet and the student's mark (the family cabinet's past lessons, homework and
progress), read by the (student_id, starts_at) index over a bounded window: the cost follows the window, not
the student's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Integer, Select, and_, bindparam, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from learning.adapters.queries.scope import scope_clause
from learning.adapters.rows import mark_from_row
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.domain.access import LessonScope
from learning.service.unit_of_work import StudentLessonResult, StudentLessonsWindow

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


def _joined(stmt: Select[Any]) -> Select[Any]:
    return stmt.select_from(p.join(lessons, lessons.c.id == p.c.lesson_id)
                            .outerjoin(sheets, sheets.c.lesson_id == p.c.lesson_id)
                            .outerjoin(m, and_(m.c.lesson_id == p.c.lesson_id, m.c.student_id == p.c.student_id)))


_COLUMNS = [p.c.student_id, p.c.lesson_id, lessons.c.group_id, lessons.c.course_id, lessons.c.starts_at,
            lessons.c.ends_at, sheets.c.summary, sheets.c.homework, sheets.c.revision, m.c.attendance,
            m.c.homework_done, m.c.grade, m.c.grade_scale, m.c.comment]
_CACHED_UP_TO = 8  # students: a family's children (more are staff reads, built per call)


def _build(scope: LessonScope | None, students: int, since: bool, until: bool, before: bool, limit: bool
           ) -> Select[Any] | CompoundSelect[Any]:
    """The query with named parameters: ``s0``..``s<n-1>`` (each student; ``ids`` for all of them), ``since``,
    ``until``, ``before_at``/``before_id`` and ``limit`` — those of the shape."""
    window = _conditions(scope, bindparam("since") if since else None, bindparam("until") if until else None)
    if before:  # strictly after it in the newest-first order
        at = bindparam("before_at", type_=p.c.starts_at.type)
        lesson_id = bindparam("before_id", type_=p.c.lesson_id.type)
        window.append(or_(p.c.starts_at < at, and_(p.c.starts_at == at, p.c.lesson_id > lesson_id)))
    newest_first = (p.c.starts_at.desc(), p.c.lesson_id)

    def one(who: ColumnElement[bool]) -> Select[Any]:
        return _joined(select(*_COLUMNS)).where(who, *window).order_by(*newest_first)

    # One student: equality, so the (student_id, starts_at) index gives the order and a LIMIT stops the scan
    # early; ``= ANY(array)`` does not.
    if not limit:
        return one(p.c.student_id == bindparam("s0") if students == 1 else any_of(p.c.student_id, bindparam("ids")))
    # A page per student, each read from the (student_id, starts_at) index and stopped at its limit (a window
    # function over all the students' rows would read their whole history first).
    pages = [one(p.c.student_id == bindparam(f"s{i}")).limit(bindparam("limit", type_=Integer())).subquery()
             for i in range(students)]
    return union_all(*[select(page) for page in pages]) if len(pages) > 1 else select(pages[0])


_statement = lru_cache(maxsize=128)(_build)


async def student_lessons(session: AsyncSession, student_ids: Sequence[str], scope: LessonScope | None,
                          window: StudentLessonsWindow) -> dict[str, list[StudentLessonResult]]:
    out: dict[str, list[StudentLessonResult]] = {s: [] for s in student_ids}
    if not student_ids or (scope is not None and scope.empty) or window.limit == 0:
        return out
    shape = (len(student_ids), window.since is not None, window.until is not None, window.before is not None,
             window.limit is not None)
    # A family's reads (no scope, a few children) reuse one statement per shape: building this join (a union
    # of pages for a family) and its cache key per call cost more than running it.
    stmt = _statement(None, *shape) if scope is None and len(student_ids) <= _CACHED_UP_TO else \
        _build(scope, *shape)
    params: dict[str, Any] = {f"s{i}": s for i, s in enumerate(student_ids)}
    params.update(ids=list(student_ids), since=window.since, until=window.until, limit=window.limit)
    if window.before is not None:
        params.update(before_at=window.before[0], before_id=window.before[1])
    for r in (await session.execute(stmt, params)).all():
        out[r.student_id].append(StudentLessonResult(
            r.student_id, r.lesson_id, r.starts_at, r.ends_at, r.course_id, r.group_id, r.revision is not None,
            r.summary, r.homework, mark_from_row(r) if r.attendance is not None else None))
    for rows in out.values():
        rows.sort(key=lambda r: r.lesson_id)
        rows.sort(key=lambda r: r.starts_at, reverse=True)  # newest first, then by id (the page order)
    return out


async def count_student_lessons(session: AsyncSession, student_id: str, scope: LessonScope | None,
                                until: datetime | None) -> int:
    if scope is not None and scope.empty:
        return 0
    stmt = _joined(select(func.count())).where(p.c.student_id == student_id, *_conditions(scope, None, until))
    return int((await session.execute(stmt)).scalar_one())
