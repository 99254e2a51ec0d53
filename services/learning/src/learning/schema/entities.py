"""The federated entities learning adds fields to: Lesson (owned by scheduling: its sheet, summary, homework) and
Student (owned by identity: past lessons, homework and progress for the cabinets). Every field checks access
with batched loaders, so a batch of references costs the same few queries as one."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from kabinet.auth.rules import hides_missing, require_authenticated
from kabinet.errors import Forbidden
from kabinet.graphql.entities import STUDENT_OWNER, StudentEntity, StudentOwner
from kabinet.graphql.types import PageInfo
from learning.domain.access import can_read_lesson_head, families_on, visible_students
from learning.schema.enums import HomeworkStatus
from learning.schema.loaders import Ctx, StudentLessonsKey, loaders
from learning.schema.types import (
    LearningCourseProgress,
    LearningHomework,
    LearningLessonResult,
    LearningLessonResultConnection,
    LearningLessonResultEdge,
    LessonSheet,
)
from learning.service.student_results import (
    HOMEWORK_WINDOW,
    check_student_reader,
    homework_of,
    homework_window,
    past_window,
    period,
    progress_of,
    progress_window,
    reader_scope,
)
from learning.service.unit_of_work import LessonText, StudentLessonResult, StudentLessonsWindow

DEFAULT_PERIOD = timedelta(days=30)


def _now() -> datetime:
    return datetime.now().astimezone()


# -- the lesson and its sheet -------------------------------------------------------------------------------

async def sheet_for(info: Ctx, lesson_id: str, *, named: bool = False) -> LessonSheet | None:
    """The lesson's sheet with the rows the caller may see; None if learning does not know the lesson.

    Raises Forbidden for callers who may see nothing of it (another group's teacher, another family), and, for a
    lesson the caller ``named`` (not one the gateway reached through scheduling's Lesson, which checked it), for
    an unknown one too (``hides_missing``).
    """
    p = info.context.principal
    require_authenticated(p)
    lesson = await loaders(info).lesson_by_id.load(lesson_id)
    if lesson is None:
        if named and hides_missing(p):
            raise Forbidden()
        return None
    sheet = await loaders(info).sheet_by_lesson.load(lesson.id)
    visible = visible_students(p, lesson, families_on(lesson, sheet.marks if sheet else ()))
    if visible is not None and not visible:
        raise Forbidden()
    scale = await loaders(info).scale_by_course.load(lesson.course_id or "")
    return LessonSheet.build(lesson, sheet, scale, visible)


async def readable_text(info: Ctx, lesson_id: str) -> LessonText | None:
    """The lesson's summary and homework if the caller may read the lesson (``sheet_for``'s rule, without
    reading its participants and marks); None if learning does not know the lesson."""
    p = info.context.principal
    require_authenticated(p)
    text = await loaders(info).text_by_lesson.load(lesson_id)
    if text is None:
        return None
    if not can_read_lesson_head(p, text, text.own_student_on_it):
        raise Forbidden()
    return text


@strawberry.federation.type(keys=["id"], description="A lesson (owned by scheduling); learning adds its sheet.")
class Lesson:
    id: strawberry.ID

    @strawberry.field(description="The lesson's sheet; null if learning does not know the lesson yet.")
    async def sheet(self, info: Ctx) -> LessonSheet | None:
        return await sheet_for(info, str(self.id))

    @strawberry.field(description="What was done on the lesson (null until the sheet is saved).")
    async def summary(self, info: Ctx) -> str | None:
        text = await readable_text(info, str(self.id))
        return text.summary if text and text.filled else None

    @strawberry.field(description="The homework for the next lesson (null until the sheet is saved).")
    async def homework(self, info: Ctx) -> str | None:
        text = await readable_text(info, str(self.id))
        return text.homework if text and text.filled else None

    @classmethod
    def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Lesson:
        return cls(id=id)


# -- a student's results, homework and progress -------------------------------------------------------------

async def results_for(info: Ctx, student_id: str, owner: StudentOwner | None,
                      window: StudentLessonsWindow) -> list[StudentLessonResult]:
    """The student's lessons in the window the caller may see: all of them for the family, the staff member's
    own otherwise. ``owner``: the family identity gave through the gateway, for a student learning has not
    heard of yet."""
    p = info.context.principal
    require_authenticated(p)
    # Read with the student's family (one statement for the request's windows); shown only once checked.
    found = await loaders(info).lessons_by_student.load(StudentLessonsKey(student_id, window))
    family = None
    if not p.is_staff:
        family = found.family_id or await loaders(info).family_by_student.load(student_id)
        family = family or (owner.family_id if owner is not None else None) or None
    check_student_reader(p, student_id, family)
    return found.rows


def _cursor(lesson_id: str) -> str:
    return base64.urlsafe_b64encode(f"lesson:{lesson_id}".encode()).decode()


def _lesson_of(cursor: str) -> str | None:
    try:
        kind, _, lesson_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    # Decoded, it passed none of the kit's checks on arguments: a NUL would reach the database (an internal error).
    return lesson_id if kind == "lesson" and 0 < len(lesson_id) <= 36 and lesson_id.isprintable() else None


@strawberry.federation.type(keys=["id"], description="A student (owned by identity); learning adds results, "
                                                     "homework and progress.")
class Student(StudentEntity):

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Past lessons with the summary, homework and this student's marks and comment, newest first (a page: "
        "`first` at most 200, `after` a cursor)."))
    async def past_lessons(self, info: Ctx, first: int = 20, after: str | None = None
                           ) -> LearningLessonResultConnection:
        first = max(0, min(first, 200))
        now = _now()
        student_id = str(self.id)
        before: tuple[datetime, str] | None = None
        unknown_cursor = False
        if after:
            lesson_id = _lesson_of(after)
            lesson = await loaders(info).lesson_by_id.load(lesson_id) if lesson_id else None
            # A cursor of this student's pages names one of its lessons; any other would tell when that lesson is.
            if lesson is None or student_id not in lesson.participants:
                unknown_cursor = True
            else:
                before = (lesson.starts_at, lesson.id)
        items = await results_for(info, student_id, self, past_window(now, first, before))
        if unknown_cursor:
            items = []
        page = items[:first]
        edges = [LearningLessonResultEdge(cursor=_cursor(r.lesson_id), node=LearningLessonResult.of(r))
                 for r in page]
        queries, scope = loaders(info).queries, reader_scope(info.context.principal)

        async def count() -> int:
            return await queries.count_student_lessons(student_id, scope, now)

        return LearningLessonResultConnection(
            edges=edges, count=count,
            page_info=PageInfo(has_next_page=len(items) > first, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Homework set on this student's lessons in [from, to) (default: the last 60 days), newest first, at most "
        "`first` (default 50, at most 200); filter by status."))
    async def homework(self, info: Ctx, status: HomeworkStatus | None = None,  # type: ignore[valid-type]
                       from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                       to: datetime | None = None, first: int = 50) -> list[LearningHomework]:
        start, end = period(from_, to, HOMEWORK_WINDOW, _now())
        first = max(0, min(first, 200))
        results = await results_for(info, str(self.id), self, homework_window(start, end))
        items = [h for h in homework_of(results, start, end) if status is None or h.status == status]
        return [LearningHomework.of(h) for h in items[:first]]

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Progress per course in [from, to) (default: the last 30 days) and the trend against the period of the "
        "same length before it."))
    async def progress(self, info: Ctx, from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                       to: datetime | None = None, course_id: strawberry.ID | None = None
                       ) -> list[LearningCourseProgress]:
        start, end = period(from_, to, DEFAULT_PERIOD, _now())
        results = await results_for(info, str(self.id), self, progress_window(start, end))
        courses = progress_of(results, start, end, str(course_id) if course_id else None)
        scales = loaders(info).scale_by_course
        return [LearningCourseProgress.of(c, start, end, await scales.load(c.course_id or "")) for c in courses]

    @classmethod
    def resolve_reference(cls, info: Ctx, id: strawberry.ID, familyId: str = "",
                          branchId: str | None = None) -> Student:
        return cls.from_representation(id, familyId, branchId)
