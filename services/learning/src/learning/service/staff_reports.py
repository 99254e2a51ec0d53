"""Read use cases of the school's staff: a group's journal, students at risk, unfilled sheets, a branch's
thresholds, each ``(query, reads, principal)``. Access is applied here, from learning's own data; the reads come
from ``LearningQueries``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from learning.domain.access import staff_scope
from learning.domain.grades import Grade
from learning.domain.model import Attendance, HomeworkDone
from learning.domain.progress import DEFAULT_THRESHOLDS, MarkFact, Metrics, Thresholds, metrics, risk_reasons
from learning.service.unit_of_work import LearningQueries

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


@dataclass(frozen=True)
class ShowJournal:
    group_id: str
    start: datetime | None = None
    end: datetime | None = None


async def group_journal(cmd: ShowJournal, queries: LearningQueries, p: Principal) -> GroupJournal:
    """Students x lessons: a teacher sees the lessons of the group they teach, an admin their branch's."""
    group_id = cmd.group_id
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    scope = staff_scope(p)
    found = [g for g in await queries.group_lessons(group_id, cmd.start, cmd.end) if scope.covers(g.lesson)]
    ids = [g.lesson.id for g in found]
    parts, by_cell = await queries.participants_and_marks(ids)
    on = {(lid, pr.student_id) for lid, pr in parts if pr.active}
    families: dict[str, str | None] = {}
    for lid, pr in parts:
        if pr.active or (lid, pr.student_id) in by_cell:
            families.setdefault(pr.student_id, pr.family_id)
    rows = []
    for sid in sorted(families):
        row = JournalRow(sid, families[sid])
        for lid in ids:
            m = by_cell.get((lid, sid))
            row.cells.append(JournalCell(lid, m.attendance if m else None, m.grade if m else None,
                                         m.homework_done if m else None, (lid, sid) in on))
        rows.append(row)
    return GroupJournal(group_id, [JournalLesson(g.lesson.id, g.lesson.starts_at, g.lesson.teacher_id, g.filled)
                                   for g in found], rows)


@dataclass(frozen=True)
class StudentAtRisk:
    student_id: str
    family_id: str | None
    branch_id: str
    course_id: str | None
    metrics: Metrics
    reasons: list[str]
    thresholds: Thresholds


@dataclass(frozen=True)
class FindStudentsAtRisk:
    now: datetime
    branch_id: str | None = None
    group_id: str | None = None


async def students_at_risk(cmd: FindStudentsAtRisk, queries: LearningQueries, p: Principal) -> list[StudentAtRisk]:
    """Per student and course, over each branch's window: attendance or grades below its thresholds."""
    now, branch_id, group_id = cmd.now, cmd.branch_id, cmd.group_id
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    scope = staff_scope(p)
    if branch_id is not None and p.role is Role.BRANCH_ADMIN and branch_id not in p.branch_ids:
        raise Forbidden()
    all_thresholds = await queries.all_thresholds()
    window = max([t.window_days for t in all_thresholds.values()] + [DEFAULT_THRESHOLDS.window_days])
    marks = await queries.marks_since(scope, now - timedelta(days=window), now, branch_id, group_id)
    groups: dict[tuple[str, str, str | None], list[MarkFact]] = defaultdict(list)
    families: dict[str, str | None] = {}
    for bm in marks:
        f = bm.fact
        t = all_thresholds.get(bm.branch_id, DEFAULT_THRESHOLDS)
        if f.starts_at < now - timedelta(days=t.window_days):
            continue
        families.setdefault(f.student_id, bm.family_id)
        groups[(f.student_id, bm.branch_id, f.course_id)].append(f)
    out = []
    for (sid, bid, cid), facts in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
        t = all_thresholds.get(bid, DEFAULT_THRESHOLDS)
        m = metrics(facts)
        reasons = risk_reasons(m, t)
        if reasons:
            out.append(StudentAtRisk(sid, families.get(sid), bid, cid, m, reasons, t))
    return out


@dataclass(frozen=True)
class FindUnfilledSheets:
    now: datetime
    teacher_id: str | None = None
    limit: int = 50


async def unfilled_sheets(cmd: FindUnfilledSheets, queries: LearningQueries, p: Principal) -> list[str]:
    """Lesson ids whose sheet is missing or incomplete: a teacher's own, or any in an admin's branches."""
    teacher_id = cmd.teacher_id
    require_authenticated(p)
    if not p.is_staff:
        raise Forbidden()
    if p.role is Role.TEACHER:
        if teacher_id is not None and teacher_id != p.staff_id:
            raise Forbidden()
        teacher_id = p.staff_id
    return await queries.unfilled(staff_scope(p), cmd.now, teacher_id, cmd.limit)


@dataclass(frozen=True)
class ShowThresholds:
    branch_id: str


async def thresholds_for(cmd: ShowThresholds, queries: LearningQueries, p: Principal) -> Thresholds:
    branch_id = cmd.branch_id
    require_authenticated(p)
    if not (p.role is Role.OWNER or (p.is_staff and branch_id in p.branch_ids)):
        raise Forbidden()
    return (await queries.thresholds([branch_id]))[branch_id]

