"""Use cases: a course's grade scale, a branch's at-risk thresholds (set by the school's staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_role
from learning.domain.errors import InvalidThreshold
from learning.domain.grades import GradeScale
from learning.domain.progress import Thresholds
from learning.service.unit_of_work import LearningUnitOfWork


@dataclass(frozen=True)
class SetCourseScale:
    course_id: str
    scale: GradeScale
    now: datetime


@dataclass(frozen=True)
class CourseScaleSet:
    course_id: str
    scale: GradeScale


@dataclass(frozen=True)
class SetThresholds:
    branch_id: str
    thresholds: Thresholds
    now: datetime


@dataclass(frozen=True)
class ThresholdsSet:
    branch_id: str
    thresholds: Thresholds


async def set_course_scale(cmd: SetCourseScale, uow: LearningUnitOfWork, principal: Principal) -> CourseScaleSet:
    """The owner, or an admin of a branch where the course is taught. Grades already given keep their scale."""
    require_role(principal, Role.BRANCH_ADMIN)
    if principal.role is Role.BRANCH_ADMIN:
        branches = await uow.projections.branches_of_course(cmd.course_id)
        ensure(bool(branches & principal.branch_ids))
    await uow.settings.set_scale(cmd.course_id, cmd.scale, cmd.now)
    await uow.commit()
    return CourseScaleSet(cmd.course_id, cmd.scale)


async def set_thresholds(cmd: SetThresholds, uow: LearningUnitOfWork, principal: Principal) -> ThresholdsSet:
    require_role(principal, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(principal, cmd.branch_id))
    t = cmd.thresholds
    if not 0 <= t.min_attendance_percent <= 100:
        raise InvalidThreshold(field="minAttendancePercent")
    if not 0 <= t.min_grade_percent <= 100:
        raise InvalidThreshold(field="minGradePercent")
    if not 1 <= t.window_days <= 366:
        raise InvalidThreshold("The window is 1 to 366 days.", field="windowDays")
    await uow.settings.set_thresholds(cmd.branch_id, t, cmd.now)
    await uow.commit()
    return ThresholdsSet(cmd.branch_id, t)
