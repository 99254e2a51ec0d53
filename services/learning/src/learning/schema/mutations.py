from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from kabinet.errors import KabinetError
from kabinet.graphql.errors import user_error
from kabinet.graphql.types import UserError
from learning.domain.grades import GradeScale as GradeScaleModel
from learning.domain.model import MarkDraft, SheetDraft
from learning.domain.progress import Thresholds
from learning.schema.enums import AttendanceStatus, GradeScale, HomeworkDoneStatus
from learning.schema.types import Ctx, LessonSheet, RiskThresholds, sheet_for
from learning.service.school_settings import set_course_scale, set_thresholds
from learning.service.sheets import SaveSheet, save_sheet

AUTH_CODES = ("UNAUTHENTICATED", "FORBIDDEN")


@strawberry.input(description="One student's row: attendance is required, the rest may be left empty.")
class LessonSheetStudentInput:
    student_id: strawberry.ID
    attendance: AttendanceStatus  # type: ignore[valid-type]
    homework_done: HomeworkDoneStatus | None = None  # type: ignore[valid-type]
    grade: str | None = None
    comment: str | None = None


@strawberry.input(description="The whole sheet, saved in one go (a phone's one tap).")
class SaveLessonSheetInput:
    lesson_id: strawberry.ID
    summary: str = ""
    homework: str = ""
    students: list[LessonSheetStudentInput] = strawberry.field(default_factory=list)
    expected_revision: int | None = strawberry.field(
        default=None, description="The revision the form was loaded at; a newer one on the server is a conflict.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key and the same sheet changes nothing.")


@strawberry.type
class SaveLessonSheetPayload:
    sheet: LessonSheet | None
    errors: list[UserError]


@strawberry.input
class RiskThresholdsInput:
    branch_id: strawberry.ID
    min_attendance_percent: float
    min_grade_percent: float
    window_days: int = 30


@strawberry.type
class SetRiskThresholdsPayload:
    thresholds: RiskThresholds | None
    errors: list[UserError]


@strawberry.type
class SetCourseGradeScalePayload:
    course_id: strawberry.ID
    grade_scale: GradeScale | None  # type: ignore[valid-type]
    errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Save a lesson's whole sheet: summary, homework and every student's row.")
    async def save_lesson_sheet(self, info: Ctx, input: SaveLessonSheetInput) -> SaveLessonSheetPayload:
        runtime = info.context.runtime
        draft = SheetDraft(str(input.lesson_id), input.summary, input.homework, tuple(
            MarkDraft(str(s.student_id), s.attendance, s.homework_done, s.grade, s.comment) for s in input.students))
        open_before = timedelta(minutes=getattr(runtime.settings, "sheet_open_before_start_min", 30))
        try:
            async with runtime.uow() as uow:
                await save_sheet(SaveSheet(draft, input.idempotency_key, input.expected_revision), uow,
                                 info.context.principal, now=datetime.now().astimezone(), open_before=open_before)
        except KabinetError as exc:
            if exc.code in AUTH_CODES:
                raise
            return SaveLessonSheetPayload(sheet=None, errors=[user_error(exc)])
        info.context.loaders.clear()  # read the saved state, not what this request cached before
        return SaveLessonSheetPayload(sheet=await sheet_for(info, str(input.lesson_id)), errors=[])

    @strawberry.mutation(description="Set a course's grade scale (owner, or an admin where the course is taught).")
    async def set_course_grade_scale(self, info: Ctx, course_id: strawberry.ID,
                                     grade_scale: GradeScale) -> SetCourseGradeScalePayload:  # type: ignore[valid-type]
        try:
            async with info.context.runtime.uow() as uow:
                await set_course_scale(str(course_id), GradeScaleModel(grade_scale), uow, info.context.principal,
                                       datetime.now().astimezone())
        except KabinetError as exc:
            if exc.code in AUTH_CODES:
                raise
            return SetCourseGradeScalePayload(course_id=course_id, grade_scale=None, errors=[user_error(exc)])
        return SetCourseGradeScalePayload(course_id=course_id, grade_scale=grade_scale, errors=[])

    @strawberry.mutation(description="Set a branch's at-risk thresholds (its admins, the owner).")
    async def set_risk_thresholds(self, info: Ctx, input: RiskThresholdsInput) -> SetRiskThresholdsPayload:
        t = Thresholds(input.min_attendance_percent, input.min_grade_percent, input.window_days)
        try:
            async with info.context.runtime.uow() as uow:
                await set_thresholds(str(input.branch_id), t, uow, info.context.principal,
                                     datetime.now().astimezone())
        except KabinetError as exc:
            if exc.code in AUTH_CODES:
                raise
            return SetRiskThresholdsPayload(thresholds=None, errors=[user_error(exc)])
        return SetRiskThresholdsPayload(thresholds=RiskThresholds.of(str(input.branch_id), t), errors=[])
