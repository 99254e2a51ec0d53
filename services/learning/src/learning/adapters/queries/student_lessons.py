"""A student's lessons with the sheet and the student's mark (the family cabinet's past lessons, homework and
progress), read by the (student_id, starts_at) index over a bounded window: the cost follows the window, not
the student's history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from learning.adapters.queries.scope import scope_clause
from learning.adapters.rows import mark_from_row
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.domain.access import LessonScope
from learning.service.unit_of_work import StudentLessonResult, StudentLessonsWindow

p, m = lesson_participants, sheet_marks


def _conditions(student_ids: Sequence[str], scope: LessonScope | None, since: datetime | None,
                until: datetime | None) -> list[ColumnElement[bool]]:
    # One student (a page): equality, so the (student_id, starts_at) index gives the order and the LIMIT stops
    # the scan early; ``= ANY(array)`` does not.
    who = p.c.student_id == student_ids[0] if len(student_ids) == 1 else any_of(p.c.student_id, student_ids)
    where = [who, lessons.c.cancelled.is_(False),
             or_(p.c.active.is_(True), m.c.student_id.is_not(None))]
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


async def student_lessons(session: AsyncSession, student_ids: Sequence[str], scope: LessonScope | None,
                          window: StudentLessonsWindow) -> dict[str, list[StudentLessonResult]]:
    out: dict[str, list[StudentLessonResult]] = {s: [] for s in student_ids}
    if not student_ids or (scope is not None and scope.empty) or window.limit == 0:
        return out
    newest_first = (p.c.starts_at.desc(), p.c.lesson_id)
    columns = [p.c.student_id, p.c.lesson_id, lessons.c.group_id, lessons.c.course_id, lessons.c.starts_at,
               lessons.c.ends_at, sheets.c.summary, sheets.c.homework, sheets.c.revision, m.c.attendance,
               m.c.homework_done, m.c.grade, m.c.grade_scale, m.c.comment]
    older: list[ColumnElement[bool]] = []
    if window.before is not None:
        at, lesson_id = window.before  # strictly after it in the newest-first order
        older.append(or_(p.c.starts_at < at, and_(p.c.starts_at == at, p.c.lesson_id > lesson_id)))

    def one(ids: Sequence[str]) -> Select[Any]:
        return (_joined(select(*columns)).where(*_conditions(ids, scope, window.since, window.until), *older)
                .order_by(*newest_first))

    if window.limit is None:
        stmt: Select[Any] | CompoundSelect[Any] = one(student_ids)
    else:
        # A page per student, each read from the (student_id, starts_at) index and stopped at its limit (a
        # window function over all the students' rows would read their whole history first).
        pages = [one([s]).limit(window.limit).subquery() for s in student_ids]
        stmt = union_all(*[select(page) for page in pages]) if len(pages) > 1 else select(pages[0])
    for r in (await session.execute(stmt)).all():
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
    stmt = _joined(select(func.count())).where(*_conditions([student_id], scope, None, until))
    return int((await session.execute(stmt)).scalar_one())
