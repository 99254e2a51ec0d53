"""Read use cases: a student's past lessons, homework and progress (families, R-LRN-3, R-CAB-1), and the staff
views (group journal, students at risk, unfilled sheets). Access is applied here, from learning's own data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from learning.adapters.repositories import SettingsRepository
from learning.adapters.tables import risk_thresholds
from learning.adapters.views import LearningViews
from learning.domain.grades import Grade, GradeScale
from learning.domain.homework import StudentLessonFact, homework_items
from learning.domain.model import Attendance, HomeworkDone, Lesson, Mark
from learning.domain.progress import (
    DEFAULT_THRESHOLDS,
    CourseProgress,
    MarkFact,
    Metrics,
    Thresholds,
    metrics,
    progress_by_course,
    risk_reasons,
)
from learning.service.access import staff_scope


def mark_of(row: Row[Any]) -> Mark | None:
    if row.attendance is None:
        return None
    grade = Grade(row.grade, GradeScale(row.grade_scale)) if row.grade is not None and row.grade_scale else None
    return Mark(row.student_id, Attendance(row.attendance),
                HomeworkDone(row.homework_done) if row.homework_done else None, grade, row.comment)


@dataclass(frozen=True)
class StudentLessonResult:
    student_id: str
    lesson_id: str
    starts_at: datetime
    ends_at: datetime
    course_id: str | None
    group_id: str | None
    filled: bool
    summary: str | None
    homework: str | None
    mark: Mark | None


def results_of(rows: Sequence[Row[Any]]) -> list[StudentLessonResult]:
    return [StudentLessonResult(r.student_id, r.lesson_id, r.starts_at, r.ends_at, r.course_id, r.group_id,
                                r.revision is not None, r.summary, r.homework, mark_of(r)) for r in rows]


def past(results: Sequence[StudentLessonResult], now: datetime) -> list[StudentLessonResult]:
    return [r for r in results if r.starts_at < now]  # rows come newest first


def homework_of(results: Sequence[StudentLessonResult]) -> list[Any]:
    return homework_items(StudentLessonFact(r.lesson_id, r.group_id, r.course_id, r.starts_at, r.homework or "",
                                            r.mark.homework_done if r.mark else None) for r in results)


def progress_of(results: Sequence[StudentLessonResult], start: datetime, end: datetime,
                course_id: str | None = None) -> list[CourseProgress]:
    facts = [MarkFact(r.lesson_id, r.student_id, r.course_id, r.group_id, r.starts_at, r.mark.attendance,
                      r.mark.homework_done, r.mark.grade)
             for r in results if r.mark is not None and (course_id is None or r.course_id == course_id)]
    return progress_by_course(facts, start, end)


# -- staff views ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JournalCell:
    lesson_id: str
    attendance: Attendance | None
    grade: Grade | None
    homework_done: HomeworkDone | None
    on_lesson: bool


@dataclass(frozen=True)
class JournalLesson:
    lesson_id: str
    starts_at: datetime
    teacher_id: str
    filled: bool


@dataclass
class JournalRow:
    student_id: str
    family_id: str | None
    cells: list[JournalCell] = field(default_factory=list)


@dataclass(frozen=True)
class GroupJournal:
    group_id: str
    lessons: list[JournalLesson]
    rows: list[JournalRow]


async def group_journal(session: AsyncSession, p: Principal, group_id: str, start: datetime | None,
                        end: datetime | None) -> GroupJournal:
    """Students x lessons: a teacher sees the lessons of the group they teach, an admin their branch's."""
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    scope = staff_scope(p)
    views = LearningViews(session)
    lesson_rows = [r for r in await views.group_lessons(group_id, start, end) if scope.covers(_lesson(r))]
    ids = [r.id for r in lesson_rows]
    parts, marks = await views.participants_and_marks(ids)
    by_cell = {(m.lesson_id, m.student_id): m for m in marks}
    on = {(pr.lesson_id, pr.student_id) for pr in parts if pr.active}
    families: dict[str, str | None] = {}
    for pr in parts:
        if pr.active or (pr.lesson_id, pr.student_id) in by_cell:
            families.setdefault(pr.student_id, pr.family_id)
    rows = []
    for sid in sorted(families):
        row = JournalRow(sid, families[sid])
        for lid in ids:
            m = by_cell.get((lid, sid))
            grade = Grade(m.grade, GradeScale(m.grade_scale)) if m is not None and m.grade is not None else None
            row.cells.append(JournalCell(lid, Attendance(m.attendance) if m else None, grade,
                                         HomeworkDone(m.homework_done) if m and m.homework_done else None,
                                         (lid, sid) in on))
        rows.append(row)
    return GroupJournal(group_id, [JournalLesson(r.id, r.starts_at, r.teacher_id, r.revision is not None)
                                   for r in lesson_rows], rows)


def _lesson(r: Row[Any]) -> Lesson:
    return Lesson(r.id, r.branch_id, r.teacher_id, r.starts_at, r.ends_at, r.lesson_type, r.group_id, r.course_id,
                  original_teacher_id=r.original_teacher_id)


@dataclass(frozen=True)
class StudentAtRisk:
    student_id: str
    family_id: str | None
    branch_id: str
    course_id: str | None
    metrics: Metrics
    reasons: list[str]
    thresholds: Thresholds


async def students_at_risk(session: AsyncSession, p: Principal, now: datetime, branch_id: str | None,
                           group_id: str | None) -> list[StudentAtRisk]:
    """Per student and course, over each branch's window: attendance or grades below its thresholds."""
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    scope = staff_scope(p)
    if branch_id is not None and p.role is Role.BRANCH_ADMIN and branch_id not in p.branch_ids:
        raise Forbidden()
    all_thresholds = {r.branch_id: Thresholds(r.min_attendance_percent, r.min_grade_percent, r.window_days)
                      for r in (await session.execute(select(risk_thresholds))).all()}
    window = max([t.window_days for t in all_thresholds.values()] + [DEFAULT_THRESHOLDS.window_days])
    rows = await LearningViews(session).marks_since(scope, now - timedelta(days=window), now, branch_id, group_id)
    groups: dict[tuple[str, str, str | None], list[MarkFact]] = defaultdict(list)
    families: dict[str, str | None] = {}
    for r in rows:
        t = all_thresholds.get(r.branch_id, DEFAULT_THRESHOLDS)
        if r.starts_at < now - timedelta(days=t.window_days):
            continue
        families.setdefault(r.student_id, r.family_id)
        grade = Grade(r.grade, GradeScale(r.grade_scale)) if r.grade is not None and r.grade_scale else None
        groups[(r.student_id, r.branch_id, r.course_id)].append(MarkFact(
            r.lesson_id, r.student_id, r.course_id, r.group_id, r.starts_at, Attendance(r.attendance),
            HomeworkDone(r.homework_done) if r.homework_done else None, grade))
    out = []
    for (sid, bid, cid), facts in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        t = all_thresholds.get(bid, DEFAULT_THRESHOLDS)
        m = metrics(facts)
        reasons = risk_reasons(m, t)
        if reasons:
            out.append(StudentAtRisk(sid, families.get(sid), bid, cid, m, reasons, t))
    return out


async def unfilled_sheets(session: AsyncSession, p: Principal, now: datetime, teacher_id: str | None,
                          limit: int) -> list[str]:
    """Lesson ids whose sheet is missing or incomplete: a teacher's own, or any in an admin's branches."""
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    if p.role is Role.TEACHER:
        if teacher_id is not None and teacher_id != p.staff_id:
            raise Forbidden()
        teacher_id = p.staff_id
    rows = await LearningViews(session).unfilled(staff_scope(p), now, teacher_id, limit)
    return [r.id for r in rows]


async def thresholds_for(session: AsyncSession, p: Principal, branch_id: str) -> Thresholds:
    require_authenticated(p)
    if not (p.role is Role.OWNER or (p.is_staff and branch_id in p.branch_ids)):
        raise Forbidden()
    return (await SettingsRepository(session).thresholds([branch_id]))[branch_id]

