"""Read-side queries for the cabinet and staff views: each is a fixed number of statements, whatever the size
of the group or the number of lessons (no N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.domain.access import LessonScope


def scope_clause(scope: LessonScope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    parts: list[ColumnElement[bool]] = []
    if scope.branch_ids:
        parts.append(lessons.c.branch_id.in_(sorted(scope.branch_ids)))
    if scope.teacher_id:
        parts.append(or_(lessons.c.teacher_id == scope.teacher_id, lessons.c.original_teacher_id == scope.teacher_id))
    return or_(*parts) if parts else false()


class LearningViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def student_lessons(self, student_ids: Sequence[str], scope: LessonScope | None,
                              until: datetime | None = None, since: datetime | None = None) -> list[Any]:
        """Each (student, lesson) the student is or was on, with the sheet and the student's mark.

        ``scope`` None: the family's view (every lesson of the student); otherwise staff's lessons only.
        """
        p, m = lesson_participants, sheet_marks
        stmt = (
            select(p.c.student_id, p.c.family_id, p.c.reason, p.c.active, lessons.c.id.label("lesson_id"),
                   lessons.c.branch_id, lessons.c.group_id, lessons.c.course_id, lessons.c.teacher_id,
                   lessons.c.lesson_type, lessons.c.starts_at, lessons.c.ends_at,
                   sheets.c.summary, sheets.c.homework, sheets.c.revision,
                   m.c.attendance, m.c.homework_done, m.c.grade, m.c.grade_scale, m.c.comment)
            .select_from(p.join(lessons, lessons.c.id == p.c.lesson_id)
                         .outerjoin(sheets, sheets.c.lesson_id == p.c.lesson_id)
                         .outerjoin(m, and_(m.c.lesson_id == p.c.lesson_id, m.c.student_id == p.c.student_id)))
            .where(p.c.student_id.in_(student_ids), lessons.c.cancelled.is_(False),
                   or_(p.c.active.is_(True), m.c.student_id.is_not(None)))
            .order_by(lessons.c.starts_at.desc(), lessons.c.id)
        )
        if scope is not None:
            stmt = stmt.where(scope_clause(scope))
        if until is not None:
            stmt = stmt.where(lessons.c.starts_at < until)
        if since is not None:
            stmt = stmt.where(lessons.c.starts_at >= since)
        return list((await self.session.execute(stmt)).all())

    async def group_lessons(self, group_id: str, start: datetime | None, end: datetime | None) -> list[Any]:
        stmt = (select(lessons, sheets.c.revision)
                .select_from(lessons.outerjoin(sheets, sheets.c.lesson_id == lessons.c.id))
                .where(lessons.c.group_id == group_id, lessons.c.cancelled.is_(False))
                .order_by(lessons.c.starts_at, lessons.c.id))
        if start is not None:
            stmt = stmt.where(lessons.c.starts_at >= start)
        if end is not None:
            stmt = stmt.where(lessons.c.starts_at < end)
        return list((await self.session.execute(stmt)).all())

    async def participants_and_marks(self, lesson_ids: Sequence[str]) -> tuple[list[Any], list[Any]]:
        if not lesson_ids:
            return [], []
        parts = (await self.session.execute(
            select(lesson_participants).where(lesson_participants.c.lesson_id.in_(lesson_ids)))).all()
        marks = (await self.session.execute(
            select(sheet_marks.c.lesson_id, sheet_marks.c.student_id, sheet_marks.c.attendance,
                   sheet_marks.c.homework_done, sheet_marks.c.grade, sheet_marks.c.grade_scale)
            .where(sheet_marks.c.lesson_id.in_(lesson_ids)))).all()
        return list(parts), list(marks)

    async def marks_since(self, scope: LessonScope, since: datetime, until: datetime,
                          branch_id: str | None, group_id: str | None) -> list[Any]:
        """Marks on lessons in the scope and window (for students at risk)."""
        p, m = lesson_participants, sheet_marks
        stmt = (
            select(m.c.student_id, m.c.lesson_id, m.c.attendance, m.c.homework_done, m.c.grade, m.c.grade_scale,
                   lessons.c.branch_id, lessons.c.course_id, lessons.c.group_id, lessons.c.starts_at,
                   p.c.family_id)
            .select_from(m.join(lessons, lessons.c.id == m.c.lesson_id)
                         .outerjoin(p, and_(p.c.lesson_id == m.c.lesson_id, p.c.student_id == m.c.student_id)))
            .where(scope_clause(scope), lessons.c.cancelled.is_(False), lessons.c.starts_at >= since,
                   lessons.c.starts_at < until)
        )
        if branch_id is not None:
            stmt = stmt.where(lessons.c.branch_id == branch_id)
        if group_id is not None:
            stmt = stmt.where(lessons.c.group_id == group_id)
        return list((await self.session.execute(stmt)).all())

    async def unfilled(self, scope: LessonScope, now: datetime, teacher_id: str | None, limit: int) -> list[Any]:
        """Lessons that ended, were not cancelled, and have no sheet or someone on them without a mark."""
        p, m = lesson_participants, sheet_marks
        unmarked = exists().where(p.c.lesson_id == lessons.c.id, p.c.active.is_(True), ~exists().where(
            m.c.lesson_id == p.c.lesson_id, m.c.student_id == p.c.student_id))
        no_sheet = ~exists().where(sheets.c.lesson_id == lessons.c.id)
        stmt = (select(lessons.c.id, lessons.c.starts_at).where(
            scope_clause(scope), lessons.c.cancelled.is_(False), lessons.c.ends_at <= now, or_(no_sheet, unmarked))
            .order_by(lessons.c.starts_at.desc()).limit(limit))
        if teacher_id is not None:
            stmt = stmt.where(lessons.c.teacher_id == teacher_id)
        return list((await self.session.execute(stmt)).all())
