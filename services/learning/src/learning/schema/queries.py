from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from learning.schema.entities import Lesson, sheet_for
from learning.schema.enums import RiskReason
from learning.schema.loaders import Ctx, loaders
from learning.schema.types import (
    GroupJournal,
    GroupJournalCell,
    GroupJournalLesson,
    GroupJournalRow,
    LearningProgressMetrics,
    LessonSheet,
    RiskThresholds,
    StudentAtRisk,
)
from learning.service import staff_reports


def _now() -> datetime:
    return datetime.now().astimezone()


@strawberry.type
class Query:
    @strawberry.field(description="A lesson's sheet (the same as Lesson.sheet, for clients of this subgraph).")
    async def lesson_sheet(self, info: Ctx, lesson_id: strawberry.ID) -> LessonSheet | None:
        return await sheet_for(info, str(lesson_id), named=True)

    @strawberry.field(description="A group's journal: students x lessons (staff: a teacher sees the lessons they "
                                  "teach, an admin their branch's).")
    async def group_journal(self, info: Ctx, group_id: strawberry.ID,
                            from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                            to: datetime | None = None) -> GroupJournal:
        j = await staff_reports.group_journal(staff_reports.ShowJournal(str(group_id), from_, to),
                                              loaders(info).queries, info.context.principal)
        return GroupJournal(
            group_id=strawberry.ID(j.group_id),
            lessons=[GroupJournalLesson(lesson_id=strawberry.ID(x.lesson_id), starts_at=x.starts_at,
                                        teacher_id=strawberry.ID(x.teacher_id), filled=x.filled) for x in j.lessons],
            students=[GroupJournalRow(student_id=strawberry.ID(r.student_id), cells=[
                GroupJournalCell(lesson_id=strawberry.ID(c.lesson_id), on_lesson=c.on_lesson,
                                 attendance=c.attendance, grade=c.grade.display() if c.grade else None,
                                 homework_done=c.homework_done) for c in r.cells]) for r in j.rows])

    @strawberry.field(description="Students whose attendance or grades fell below the branch's thresholds.")
    async def students_at_risk(self, info: Ctx, branch_id: strawberry.ID | None = None,
                               group_id: strawberry.ID | None = None) -> list[StudentAtRisk]:
        cmd = staff_reports.FindStudentsAtRisk(_now(), str(branch_id) if branch_id else None,
                                               str(group_id) if group_id else None)
        found = await staff_reports.students_at_risk(cmd, loaders(info).queries, info.context.principal)
        return [StudentAtRisk(student_id=strawberry.ID(s.student_id), branch_id=strawberry.ID(s.branch_id),
                              course_id=strawberry.ID(s.course_id) if s.course_id else None,
                              reasons=[RiskReason(r) for r in s.reasons],
                              metrics=LearningProgressMetrics.of(s.metrics),
                              thresholds=RiskThresholds.of(s.branch_id, s.thresholds)) for s in found]

    @strawberry.field(description="Lessons that ended but whose sheet is missing or incomplete (a teacher's own; "
                                  "an admin may filter by teacher).")
    async def unfilled_sheets(self, info: Ctx, teacher_id: strawberry.ID | None = None,
                              first: int = 50) -> list[Lesson]:
        cmd = staff_reports.FindUnfilledSheets(_now(), str(teacher_id) if teacher_id else None,
                                               max(0, min(first, 500)))
        ids = await staff_reports.unfilled_sheets(cmd, loaders(info).queries, info.context.principal)
        return [Lesson(id=strawberry.ID(i)) for i in ids]

    @strawberry.field(description="A branch's at-risk thresholds (its staff).")
    async def risk_thresholds(self, info: Ctx, branch_id: strawberry.ID) -> RiskThresholds:
        t = await staff_reports.thresholds_for(staff_reports.ShowThresholds(str(branch_id)), loaders(info).queries,
                                               info.context.principal)
        return RiskThresholds.of(str(branch_id), t)
