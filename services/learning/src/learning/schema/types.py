"""Learning's part of the graph: LessonSheet (owned here), fields added to Lesson (owned by scheduling) and
Student (owned by identity), the family's results and progress, and the staff views."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.entities import STUDENT_OWNER, StudentEntity, StudentOwner
from kabinet.graphql.types import PageInfo
from learning.domain.errors import InvalidPeriod
from learning.domain.homework import HomeworkItem
from learning.domain.model import Attendance, HomeworkDone, Mark, Sheet
from learning.domain.model import Lesson as LessonModel
from learning.domain.progress import CourseProgress, Metrics, Thresholds
from learning.schema.enums import AttendanceStatus, GradeScale, HomeworkDoneStatus, HomeworkStatus, RiskReason
from learning.schema.loaders import (
    family_by_student_loader,
    lesson_by_id_loader,
    results_by_student_loader,
    revisions_by_lesson_loader,
    scale_by_course_loader,
    sheet_by_lesson_loader,
)
from learning.service.access import family_owns, is_family, visible_students
from learning.service.views import StudentLessonResult, homework_of, past, progress_of

Ctx = Info[RequestContext, None]
DEFAULT_PERIOD = timedelta(days=30)


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
    def student(self) -> Student:
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
        rows = await info.context.loader("revisions_by_lesson", revisions_by_lesson_loader).load(str(self.lesson_id))
        out = []
        for r in rows:
            snap: dict[str, Any] = r.snapshot
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
    def build(cls, lesson: LessonModel, sheet: Sheet | None, scale: Any, visible: set[str] | None) -> LessonSheet:
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


async def readable_lesson(info: Ctx, lesson_id: str) -> tuple[LessonModel, set[str] | None] | None:
    """The lesson and whose rows the caller may see; None if learning does not know the lesson.

    Raises Forbidden for callers who may see nothing of it (another group's teacher, another family).
    """
    p = info.context.principal
    require_authenticated(p)
    lesson = await info.context.loader("lesson_by_id", lesson_by_id_loader).load(lesson_id)
    if lesson is None:
        return None
    families = {sid: part.family_id for sid, part in lesson.participants.items()}
    visible = visible_students(p, lesson, families)
    if visible is not None and not visible:
        raise Forbidden()
    return lesson, visible


async def sheet_for(info: Ctx, lesson_id: str) -> LessonSheet | None:
    found = await readable_lesson(info, lesson_id)
    if found is None:
        return None
    lesson, visible = found
    sheet = await info.context.loader("sheet_by_lesson", sheet_by_lesson_loader).load(lesson.id)
    scale = await info.context.loader("scale_by_course", scale_by_course_loader).load(lesson.course_id or "")
    return LessonSheet.build(lesson, sheet, scale, visible)


@strawberry.federation.type(keys=["id"], description="A lesson (owned by scheduling); learning adds its sheet.")
class Lesson:
    id: strawberry.ID

    @strawberry.field(description="The lesson's sheet; null if learning does not know the lesson yet.")
    async def sheet(self, info: Ctx) -> LessonSheet | None:
        return await sheet_for(info, str(self.id))

    @strawberry.field(description="What was done on the lesson (null until the sheet is saved).")
    async def summary(self, info: Ctx) -> str | None:
        sheet = await sheet_for(info, str(self.id))
        return sheet.summary if sheet and sheet.filled else None

    @strawberry.field(description="The homework for the next lesson (null until the sheet is saved).")
    async def homework(self, info: Ctx) -> str | None:
        sheet = await sheet_for(info, str(self.id))
        return sheet.homework if sheet and sheet.filled else None

    @classmethod
    def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Lesson:
        # Cheap on purpose: each field checks access with batched loaders (a batch of references costs
        # the same few queries as one).
        return cls(id=id)


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
    def lesson(self) -> Lesson:
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
    total_count: int


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
    def of(cls, c: CourseProgress, start: datetime, end: datetime, scale: Any) -> LearningCourseProgress:
        return cls(course_id=strawberry.ID(c.course_id) if c.course_id else None, period_start=start,
                   period_end=end, current=LearningProgressMetrics.of(c.current),
                   previous=LearningProgressMetrics.of(c.previous),
                   trend=LearningProgressTrend(attendance_rate=c.attendance_trend, average_grade=c.grade_trend,
                                               homework_completion=c.homework_trend), grade_scale=scale)


async def results_for(info: Ctx, student_id: str, owner: StudentOwner | None = None) -> list[StudentLessonResult]:
    """The student's lessons the caller may see: all of them for the family, the staff member's own otherwise.
    ``owner``: the family identity gave through the gateway, for a student learning has not heard of yet."""
    p = info.context.principal
    require_authenticated(p)
    if is_family(p):
        family = await info.context.loader("family_by_student", family_by_student_loader).load(student_id)
        family = family or (owner.family_id if owner is not None else None) or None
        if not family_owns(p, student_id, family):
            raise Forbidden()
    elif not p.is_staff:
        raise Forbidden()
    result: list[StudentLessonResult] = await info.context.loader(
        "results_by_student", results_by_student_loader).load(student_id)
    return result


def _cursor(lesson_id: str) -> str:
    return base64.urlsafe_b64encode(f"lesson:{lesson_id}".encode()).decode()


@strawberry.federation.type(keys=["id"], description="A student (owned by identity); learning adds results, "
                                                     "homework and progress.")
class Student(StudentEntity):

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Past lessons with the summary, homework and this student's marks and comment."))
    async def past_lessons(self, info: Ctx, first: int = 20, after: str | None = None
                           ) -> LearningLessonResultConnection:
        first = max(0, min(first, 200))
        now = datetime.now().astimezone()
        items = past(await results_for(info, str(self.id), self), now)
        start = 0
        if after:
            cursors = [_cursor(r.lesson_id) for r in items]
            start = cursors.index(after) + 1 if after in cursors else len(items)
        page = items[start:start + first]
        edges = [LearningLessonResultEdge(cursor=_cursor(r.lesson_id), node=LearningLessonResult.of(r))
                 for r in page]
        return LearningLessonResultConnection(
            edges=edges, total_count=len(items),
            page_info=PageInfo(has_next_page=start + first < len(items),
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.federation.field(requires=[STUDENT_OWNER],
                                 description="Homework set for this student, newest first; filter by status.")
    async def homework(self, info: Ctx, status: HomeworkStatus | None = None  # type: ignore[valid-type]
                       ) -> list[LearningHomework]:
        items = homework_of(await results_for(info, str(self.id), self))
        return [LearningHomework.of(h) for h in items if status is None or h.status == status]

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Progress per course in [from, to) (default: the last 30 days) and the trend against the period of the "
        "same length before it."))
    async def progress(self, info: Ctx, from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                       to: datetime | None = None, course_id: strawberry.ID | None = None
                       ) -> list[LearningCourseProgress]:
        end = to or datetime.now().astimezone()
        start = from_ or end - DEFAULT_PERIOD
        if start >= end:
            raise InvalidPeriod(field="from")
        courses = progress_of(await results_for(info, str(self.id), self), start, end,
                              str(course_id) if course_id else None)
        scales = info.context.loader("scale_by_course", scale_by_course_loader)
        return [LearningCourseProgress.of(c, start, end, await scales.load(c.course_id or "")) for c in courses]

    @classmethod
    def resolve_reference(cls, info: Ctx, id: strawberry.ID, familyId: str = "",
                          branchId: str | None = None) -> Student:
        return cls.from_representation(id, familyId, branchId)


# -- staff views ---------------------------------------------------------------------------------------------

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
    def student(self) -> Student:
        return Student(id=self.student_id)


@strawberry.type
class GroupJournalLesson:
    lesson_id: strawberry.ID
    starts_at: datetime
    teacher_id: strawberry.ID
    filled: bool

    @strawberry.field
    def lesson(self) -> Lesson:
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
    def student(self) -> Student:
        return Student(id=self.student_id)

