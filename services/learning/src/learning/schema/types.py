"""Learning's GraphQL object types: the lesson sheet (owned here), a student's results, homework and progress,
and the staff views. The federated entities (Lesson, Student) are in ``entities.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from kabinet.errors import Forbidden
from kabinet.graphql.types import PageInfo
from learning.domain.grades import GradeScale as GradeScaleModel
from learning.domain.homework import HomeworkItem
from learning.domain.model import Attendance, HomeworkDone, Mark, Sheet
from learning.domain.model import Lesson as LessonModel
from learning.domain.progress import CourseProgress, Metrics, Thresholds
from learning.schema.enums import AttendanceStatus, GradeScale, HomeworkDoneStatus, HomeworkStatus, RiskReason
from learning.schema.loaders import Ctx, loaders
from learning.service.unit_of_work import StudentLessonResult

if TYPE_CHECKING:
    from learning.schema.entities import Lesson, Student


# -- the sheet ---------------------------------------------------------------------------------------------

@strawberry.type(description="One student's row on a lesson sheet. The comment is seen only by the student's "
                             "family and the staff of the lesson.")
class LessonSheetStudent:
    student_id: strawberry.ID
    reason: str | None = strawberry.field(description="Why the student is on the lesson: member, makeup, trial, "
                                                      "booking.")
    on_lesson: bool = strawberry.field(description="False when the student was removed after being marked.")
    attendance: AttendanceStatus | None  # type: ignore[valid-type]
    homework_done: HomeworkDoneStatus | None  # type: ignore[valid-type]
    grade: str | None = strawberry.field(description="The grade in its display form: \"5\", \"87\", \"pass\".")
    comment: str | None

    @strawberry.field(description="The student (names come from identity through the gateway).")
    def student(self) -> Annotated[Student, strawberry.lazy("learning.schema.entities")]:
        from learning.schema.entities import Student

        return Student(id=self.student_id)

    @classmethod
    def of(cls, student_id: str, reason: str | None, on_lesson: bool, mark: Mark | None) -> LessonSheetStudent:
        return cls(student_id=strawberry.ID(student_id), reason=reason, on_lesson=on_lesson,
                   attendance=mark.attendance if mark else None,
                   homework_done=mark.homework_done if mark else None,
                   grade=mark.grade.display() if mark and mark.grade else None,
                   comment=mark.comment if mark else None)


@strawberry.type(description="A saved revision of a sheet (history: staff only).")
class LessonSheetRevision:
    revision: int
    saved_at: datetime
    saved_by: str | None
    summary: str
    homework: str
    students: list[LessonSheetStudent]


@strawberry.type(description="The teacher's record of a lesson (R-LRN-1, R-LRN-2): summary, homework for the "
                             "next lesson and one row per student. Families see only their own children's rows.")
class LessonSheet:
    lesson_id: strawberry.ID
    summary: str
    homework: str
    revision: int = strawberry.field(description="0 until first saved; each save that changes it adds 1.")
    filled: bool
    updated_at: datetime | None
    grade_scale: GradeScale  # type: ignore[valid-type]
    students: list[LessonSheetStudent]
    staff_view: strawberry.Private[bool]

    @strawberry.field(description="Every saved revision, oldest first (the lesson's staff only).")
    async def history(self, info: Ctx) -> list[LessonSheetRevision]:
        if not self.staff_view:
            raise Forbidden()
        revisions = await loaders(info).revisions_by_lesson.load(str(self.lesson_id))
        out = []
        for r in revisions:
            snap = r.snapshot
            students = [LessonSheetStudent(
                student_id=strawberry.ID(m["student_id"]), reason=None, on_lesson=True,
                attendance=Attendance(m["attendance"]),
                homework_done=HomeworkDone(m["homework_done"]) if m.get("homework_done") else None,
                grade=m.get("grade"), comment=m.get("comment")) for m in snap.get("marks", [])]
            out.append(LessonSheetRevision(revision=r.revision, saved_at=r.saved_at, saved_by=r.saved_by,
                                           summary=snap.get("summary", ""), homework=snap.get("homework", ""),
                                           students=students))
        return out

    @classmethod
    def build(cls, lesson: LessonModel, sheet: Sheet | None, scale: GradeScaleModel,
              visible: set[str] | None) -> LessonSheet:
        sheet = sheet or Sheet(lesson.id)
        ids = {sid for sid, p in lesson.participants.items() if p.active} | set(sheet.marks)
        if visible is not None:
            ids &= visible
        students = []
        for sid in sorted(ids):
            p = lesson.participants.get(sid)
            students.append(LessonSheetStudent.of(sid, p.reason if p else None, bool(p and p.active),
                                                  sheet.marks.get(sid)))
        return cls(lesson_id=strawberry.ID(lesson.id), summary=sheet.summary, homework=sheet.homework,
                   revision=sheet.revision, filled=sheet.revision > 0, updated_at=sheet.updated_at,
                   grade_scale=scale, students=students, staff_view=visible is None)


# -- a student's results, homework and progress --------------------------------------------------------------

@strawberry.type(description="A past lesson as one student's family sees it: the lesson's summary and homework "
                             "and this student's own marks and comment.")
class LearningLessonResult:
    lesson_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    course_id: strawberry.ID | None
    group_id: strawberry.ID | None
    filled: bool
    summary: str | None
    homework: str | None
    attendance: AttendanceStatus | None  # type: ignore[valid-type]
    homework_done: HomeworkDoneStatus | None  # type: ignore[valid-type]
    grade: str | None
    comment: str | None

    @strawberry.field
    def lesson(self) -> Annotated[Lesson, strawberry.lazy("learning.schema.entities")]:
        from learning.schema.entities import Lesson

        return Lesson(id=self.lesson_id)

    @classmethod
    def of(cls, r: StudentLessonResult) -> LearningLessonResult:
        m = r.mark
        return cls(lesson_id=strawberry.ID(r.lesson_id), starts_at=r.starts_at, ends_at=r.ends_at,
                   course_id=strawberry.ID(r.course_id) if r.course_id else None,
                   group_id=strawberry.ID(r.group_id) if r.group_id else None, filled=r.filled,
                   summary=r.summary if r.filled else None, homework=r.homework if r.filled else None,
                   attendance=m.attendance if m else None, homework_done=m.homework_done if m else None,
                   grade=m.grade.display() if m and m.grade else None, comment=m.comment if m else None)


@strawberry.type
class LearningLessonResultEdge:
    cursor: str
    node: LearningLessonResult


@strawberry.type(description="A page of past lessons, newest first.")
class LearningLessonResultConnection:
    edges: list[LearningLessonResultEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All the past lessons (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type(description="A homework: set on one lesson, checked at the student's next lesson of the series.")
class LearningHomework:
    lesson_id: strawberry.ID
    assigned_at: datetime
    text: str
    due_lesson_id: strawberry.ID | None
    due_at: datetime | None
    status: HomeworkStatus  # type: ignore[valid-type]
    result: HomeworkDoneStatus | None  # type: ignore[valid-type]

    @classmethod
    def of(cls, h: HomeworkItem) -> LearningHomework:
        return cls(lesson_id=strawberry.ID(h.lesson_id), assigned_at=h.assigned_at, text=h.text,
                   due_lesson_id=strawberry.ID(h.due_lesson_id) if h.due_lesson_id else None, due_at=h.due_at,
                   status=h.status, result=h.result)


@strawberry.type(description="Progress figures over one period (rates are 0..1; null when nothing to count).")
class LearningProgressMetrics:
    lessons: int = strawberry.field(description="Lessons with a mark in the period.")
    attended: int
    attendance_rate: float | None = strawberry.field(
        description="(present + late) / (present + late + absent); excused absences are left out.")
    average_grade: float | None = strawberry.field(
        description="Mean grade on the course's scale (pass/fail: the share of passes).")
    average_grade_percent: float | None
    homework_completion: float | None = strawberry.field(description="Mean of yes=1, partly=0.5, no=0.")
    grades: int

    @classmethod
    def of(cls, m: Metrics) -> LearningProgressMetrics:
        return cls(lessons=m.lessons, attended=m.attended, attendance_rate=m.attendance_rate,
                   average_grade=m.average_grade, average_grade_percent=m.average_grade_percent,
                   homework_completion=m.homework_completion, grades=m.grades)


@strawberry.type(description="Current period minus the previous one (null when either has nothing to count).")
class LearningProgressTrend:
    attendance_rate: float | None
    average_grade: float | None
    homework_completion: float | None


@strawberry.type(description="A student's progress in one course (R-LRN-3, R-CAB-1).")
class LearningCourseProgress:
    course_id: strawberry.ID | None
    period_start: datetime
    period_end: datetime
    current: LearningProgressMetrics
    previous: LearningProgressMetrics
    trend: LearningProgressTrend
    grade_scale: GradeScale  # type: ignore[valid-type]

    @classmethod
    def of(cls, c: CourseProgress, start: datetime, end: datetime, scale: GradeScaleModel) -> LearningCourseProgress:
        return cls(course_id=strawberry.ID(c.course_id) if c.course_id else None, period_start=start,
                   period_end=end, current=LearningProgressMetrics.of(c.current),
                   previous=LearningProgressMetrics.of(c.previous),
                   trend=LearningProgressTrend(attendance_rate=c.attendance_trend, average_grade=c.grade_trend,
                                               homework_completion=c.homework_trend), grade_scale=scale)


# -- staff views ----------------------------------------------------------------------------------------------

@strawberry.type
class GroupJournalCell:
    lesson_id: strawberry.ID
    on_lesson: bool
    attendance: AttendanceStatus | None  # type: ignore[valid-type]
    grade: str | None
    homework_done: HomeworkDoneStatus | None  # type: ignore[valid-type]


@strawberry.type
class GroupJournalRow:
    student_id: strawberry.ID
    cells: list[GroupJournalCell] = strawberry.field(description="One per journal lesson, in the same order.")

    @strawberry.field
    def student(self) -> Annotated[Student, strawberry.lazy("learning.schema.entities")]:
        from learning.schema.entities import Student

        return Student(id=self.student_id)


@strawberry.type
class GroupJournalLesson:
    lesson_id: strawberry.ID
    starts_at: datetime
    teacher_id: strawberry.ID
    filled: bool

    @strawberry.field
    def lesson(self) -> Annotated[Lesson, strawberry.lazy("learning.schema.entities")]:
        from learning.schema.entities import Lesson

        return Lesson(id=self.lesson_id)


@strawberry.type(description="A group's journal: students x lessons of attendance and grades.")
class GroupJournal:
    group_id: strawberry.ID
    lessons: list[GroupJournalLesson]
    students: list[GroupJournalRow]


@strawberry.type(description="A branch's thresholds for the at-risk list (percentages 0..100).")
class RiskThresholds:
    branch_id: strawberry.ID
    min_attendance_percent: float
    min_grade_percent: float
    window_days: int

    @classmethod
    def of(cls, branch_id: str, t: Thresholds) -> RiskThresholds:
        return cls(branch_id=strawberry.ID(branch_id), min_attendance_percent=t.min_attendance_percent,
                   min_grade_percent=t.min_grade_percent, window_days=t.window_days)


@strawberry.type(description="A student whose attendance or grades in a course fell below the branch's thresholds.")
class StudentAtRisk:
    student_id: strawberry.ID
    branch_id: strawberry.ID
    course_id: strawberry.ID | None
    reasons: list[RiskReason]
    metrics: LearningProgressMetrics
    thresholds: RiskThresholds

    @strawberry.field
    def student(self) -> Annotated[Student, strawberry.lazy("learning.schema.entities")]:
        from learning.schema.entities import Student

        return Student(id=self.student_id)
