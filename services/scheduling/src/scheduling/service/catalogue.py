"""Use cases: the catalogue (rooms, courses, lesson types) and a branch's booking policy (R-SCH-2, R-SCH-7)."""

from __future__ import annotations

from dataclasses import dataclass

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_role
from kabinet.db import UnitOfWork
from kabinet.errors import InvalidInput
from scheduling.adapters.repositories import CatalogueRepository, ProjectionRepository
from scheduling.domain import errors
from scheduling.domain.model import (
    Branch,
    Course,
    LessonKind,
    LessonType,
    Room,
    check_capacity,
    check_name,
    custom_type,
    new_id,
)
from scheduling.service.access import require_branch_admin
from scheduling.service.common import get_branch


async def create_room(uow: UnitOfWork, p: Principal, branch_id: str, name: str, capacity: int | None) -> Room:
    require_branch_admin(p, branch_id)
    await get_branch(uow, branch_id)
    room = Room(new_id(), branch_id, check_name(name), check_capacity(capacity))
    await CatalogueRepository(uow.session).add_room(room)
    await uow.commit()
    return room


async def create_course(uow: UnitOfWork, p: Principal, name: str) -> Course:
    require_role(p, Role.BRANCH_ADMIN)
    course = Course(new_id(), check_name(name))
    await CatalogueRepository(uow.session).add_course(course)
    await uow.commit()
    return course


async def create_lesson_type(uow: UnitOfWork, p: Principal, name: str, kind: LessonKind, charged_by_default: bool,
                             code: str | None = None) -> LessonType:
    """A school's own lesson type; the school is one tenant, so its owner and branch admins add them."""
    require_role(p, Role.BRANCH_ADMIN)
    t = custom_type(name, kind, charged_by_default, code)
    if not await CatalogueRepository(uow.session).add_lesson_type(t):
        raise errors.LessonTypeExists(field="code")
    await uow.commit()
    return t


@dataclass(frozen=True)
class BookingPolicy:
    notice_hours: int
    late_cancellation: str  # refuse | charge


async def set_booking_policy(uow: UnitOfWork, p: Principal, branch_id: str, policy: BookingPolicy) -> Branch:
    require_branch_admin(p, branch_id)
    await get_branch(uow, branch_id)
    if not 0 <= policy.notice_hours <= 24 * 14:
        raise InvalidInput("The notice window is 0 to 336 hours.", field="noticeHours")
    if policy.late_cancellation not in ("refuse", "charge"):
        raise InvalidInput(field="lateCancellation")
    await ProjectionRepository(uow.session).set_booking_policy(branch_id, policy.notice_hours,
                                                               policy.late_cancellation)
    await uow.commit()
    return await get_branch(uow, branch_id)
