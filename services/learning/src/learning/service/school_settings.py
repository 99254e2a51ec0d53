"""Use cases: a course's grade scale, a branch's at-risk thresholds (set by the school's staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_role
from kabinet.db import UnitOfWork
from learning.adapters.repositories import SettingsRepository
from learning.adapters.tables import lessons
from learning.domain.errors import InvalidThreshold
from learning.domain.grades import GradeScale
from learning.domain.progress import Thresholds


async def set_course_scale(course_id: str, scale: GradeScale, uow: UnitOfWork, principal: Principal,
                           now: datetime) -> None:
    """The owner, or an admin of a branch where the course is taught. Grades already given keep their scale."""
    require_role(principal, Role.BRANCH_ADMIN)
    if principal.role is Role.BRANCH_ADMIN:
        branches = set((await uow.session.execute(
            select(lessons.c.branch_id).where(lessons.c.course_id == course_id).distinct())).scalars())
        ensure(bool(branches & principal.branch_ids))
    await SettingsRepository(uow.session).set_scale(course_id, scale, now)
    await uow.commit()


async def set_thresholds(branch_id: str, t: Thresholds, uow: UnitOfWork, principal: Principal,
                         now: datetime) -> Thresholds:
    require_role(principal, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(principal, branch_id))
    if not 0 <= t.min_attendance_percent <= 100:
        raise InvalidThreshold(field="minAttendancePercent")
    if not 0 <= t.min_grade_percent <= 100:
        raise InvalidThreshold(field="minGradePercent")
    if not 1 <= t.window_days <= 366:
        raise InvalidThreshold("The window is 1 to 366 days.", field="windowDays")
    await SettingsRepository(uow.session).set_thresholds(branch_id, t, now)
    await uow.commit()
    return t
