"""The staff's read models: a group's lessons and marks (journal), marks in a window (students at risk),
lessons whose sheet is missing or incomplete. Each is a fixed number of statements, whatever the sizes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from learning.adapters.queries.scope import scope_clause
from learning.adapters.rows import grade_from_row, lesson_from_row, mark_from_row, participant_from_row
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.domain.access import LessonScope
from learning.domain.model import Attendance, HomeworkDone, Mark, Participant
from learning.domain.progress import MarkFact
from learning.service.unit_of_work import BranchMark, GroupLesson

p, m = lesson_participants, sheet_marks


async def group_lessons(session: AsyncSession, group_id: str, start: datetime | None, end: datetime | None
                        ) -> list[GroupLesson]:
    stmt = (select(lessons, sheets.c.revision)
            .select_from(lessons.outerjoin(sheets, sheets.c.lesson_id == lessons.c.id))
            .where(lessons.c.group_id == group_id, lessons.c.cancelled.is_(False))
            .order_by(lessons.c.starts_at, lessons.c.id))
    if start is not None:
        stmt = stmt.where(lessons.c.starts_at >= start)
    if end is not None:
        stmt = stmt.where(lessons.c.starts_at < end)
    return [GroupLesson(lesson_from_row(r), r.revision is not None) for r in (await session.execute(stmt)).all()]


async def participants_and_marks(session: AsyncSession, lesson_ids: Sequence[str]
                                 ) -> tuple[list[tuple[str, Participant]], dict[tuple[str, str], Mark]]:
    if not lesson_ids:
        return [], {}
    parts = (await session.execute(select(p).where(any_of(p.c.lesson_id, lesson_ids)))).all()
    marks = (await session.execute(
        select(m.c.lesson_id, m.c.student_id, m.c.attendance, m.c.homework_done, m.c.grade, m.c.grade_scale)
        .where(any_of(m.c.lesson_id, lesson_ids)))).all()
    return ([(r.lesson_id, participant_from_row(r)) for r in parts],
            {(r.lesson_id, r.student_id): mark_from_row(r) for r in marks})


async def marks_since(session: AsyncSession, scope: LessonScope, since: datetime, until: datetime,
                      branch_id: str | None, group_id: str | None) -> list[BranchMark]:
    """Marks on lessons in the scope and window (for students at risk)."""
    stmt = (
        select(m.c.student_id, m.c.lesson_id, m.c.attendance, m.c.homework_done, m.c.grade, m.c.grade_scale,
               lessons.c.branch_id, lessons.c.course_id, lessons.c.group_id, lessons.c.starts_at, p.c.family_id)
        .select_from(m.join(lessons, lessons.c.id == m.c.lesson_id)
                     .outerjoin(p, and_(p.c.lesson_id == m.c.lesson_id, p.c.student_id == m.c.student_id)))
        .where(scope_clause(scope), lessons.c.cancelled.is_(False), lessons.c.starts_at >= since,
               lessons.c.starts_at < until)
    )
    if branch_id is not None:
        stmt = stmt.where(lessons.c.branch_id == branch_id)
    if group_id is not None:
        stmt = stmt.where(lessons.c.group_id == group_id)
    return [BranchMark(MarkFact(r.lesson_id, r.student_id, r.course_id, r.group_id, r.starts_at,
                                Attendance(r.attendance), HomeworkDone(r.homework_done) if r.homework_done else None,
                                grade_from_row(r)), r.branch_id, r.family_id)
            for r in (await session.execute(stmt)).all()]


async def unfilled(session: AsyncSession, scope: LessonScope, now: datetime, teacher_id: str | None,
                   limit: int) -> list[str]:
    unmarked = exists().where(p.c.lesson_id == lessons.c.id, p.c.active.is_(True), ~exists().where(
        m.c.lesson_id == p.c.lesson_id, m.c.student_id == p.c.student_id))
    no_sheet = ~exists().where(sheets.c.lesson_id == lessons.c.id)
    stmt = (select(lessons.c.id, lessons.c.starts_at).where(
        scope_clause(scope), lessons.c.cancelled.is_(False), lessons.c.ends_at <= now, or_(no_sheet, unmarked))
        .order_by(lessons.c.starts_at.desc()).limit(limit))
    if teacher_id is not None:
        stmt = stmt.where(lessons.c.teacher_id == teacher_id)
    return [r.id for r in (await session.execute(stmt)).all()]
