"""The school's settings for learning: a course's grade scale, a branch's at-risk thresholds."""

from __future__ import annotations

from datetime import datetime

import strawberry

from kabinet.graphql.mutations import attempt
from learning.domain.grades import GradeScale as GradeScaleModel
from learning.domain.progress import Thresholds
from learning.schema.enums import GradeScale
from learning.schema.errors import UserError
from learning.schema.inputs import RiskThresholdsInput
from learning.schema.loaders import Ctx, wiring
from learning.schema.types import RiskThresholds
from learning.service.school_settings import SetCourseScale, SetThresholds, set_course_scale, set_thresholds


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
class SettingsMutations:
    @strawberry.mutation(description="Set a course's grade scale (owner, or an admin where the course is taught).")
    async def set_course_grade_scale(self, info: Ctx, course_id: strawberry.ID,
                                     grade_scale: GradeScale) -> SetCourseGradeScalePayload:  # type: ignore[valid-type]
        cmd = SetCourseScale(str(course_id), GradeScaleModel(grade_scale), datetime.now().astimezone())
        done, errors = await attempt(lambda uow: set_course_scale(cmd, uow, info.context.principal),
                                     error=UserError, within=wiring(info.context).unit_of_work)
        if done is None:
            return SetCourseGradeScalePayload(course_id=course_id, grade_scale=None, errors=errors)
        return SetCourseGradeScalePayload(course_id=strawberry.ID(done.course_id), grade_scale=done.scale, errors=[])

    @strawberry.mutation(description="Set a branch's at-risk thresholds (its admins, the owner).")
    async def set_risk_thresholds(self, info: Ctx, input: RiskThresholdsInput) -> SetRiskThresholdsPayload:
        t = Thresholds(input.min_attendance_percent, input.min_grade_percent, input.window_days)
        cmd = SetThresholds(str(input.branch_id), t, datetime.now().astimezone())
        done, errors = await attempt(lambda uow: set_thresholds(cmd, uow, info.context.principal),
                                     error=UserError, within=wiring(info.context).unit_of_work)
        if done is None:
            return SetRiskThresholdsPayload(thresholds=None, errors=errors)
        return SetRiskThresholdsPayload(thresholds=RiskThresholds.of(done.branch_id, done.thresholds), errors=[])
