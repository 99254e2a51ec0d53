"""Use cases: the catalogue (rooms, courses, lesson types) and a branch's booking policy (R-SCH-2, R-SCH-7)."""

from __future__ import annotations

from dataclasses import dataclass

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_role
from kabinet.errors import InvalidInput
from scheduling.domain import errors
from scheduling.domain.access import require_branch_admin
from scheduling.domain.events import BookingPolicySet
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
from scheduling.service.common import get_branch
from scheduling.service.unit_of_work import SchedulingUnitOfWork


@dataclass(frozen=True)
class CreateRoom:
    branch_id: str
    name: str
    capacity: int | None = None


async def create_room(cmd: CreateRoom, uow: SchedulingUnitOfWork, p: Principal) -> Room:
    require_branch_admin(p, cmd.branch_id)
    await get_branch(uow, cmd.branch_id)
    room = Room(new_id(), cmd.branch_id, check_name(cmd.name), check_capacity(cmd.capacity))
    await uow.catalogue.add_room(room)
    await uow.commit()
    return room


@dataclass(frozen=True)
class CreateCourse:
    name: str


async def create_course(cmd: CreateCourse, uow: SchedulingUnitOfWork, p: Principal) -> Course:
    require_role(p, Role.BRANCH_ADMIN)
    course = Course(new_id(), check_name(cmd.name))
    await uow.catalogue.add_course(course)
    await uow.commit()
    return course


@dataclass(frozen=True)
class CreateLessonType:
    name: str
    kind: LessonKind
    charged_by_default: bool
    code: str | None = None


async def create_lesson_type(cmd: CreateLessonType, uow: SchedulingUnitOfWork, p: Principal) -> LessonType:
    """A school's own lesson type; the school is one tenant, so its owner and branch admins add them."""
    require_role(p, Role.BRANCH_ADMIN)
    t = custom_type(cmd.name, cmd.kind, cmd.charged_by_default, cmd.code)
    if not await uow.catalogue.add_lesson_type(t):
        raise errors.LessonTypeExists(field="code")
    await uow.commit()
    return t


@dataclass(frozen=True)
class SetBookingPolicy:
    branch_id: str
    notice_hours: int
    late_cancellation: str  # refuse | charge


async def set_booking_policy(cmd: SetBookingPolicy, uow: SchedulingUnitOfWork, p: Principal) -> Branch:
    require_branch_admin(p, cmd.branch_id)
    await get_branch(uow, cmd.branch_id)
    policy = cmd
    if not 0 <= policy.notice_hours <= 24 * 14:
        raise InvalidInput("The notice window is 0 to 336 hours.", field="noticeHours")
    if policy.late_cancellation not in ("refuse", "charge"):
        raise InvalidInput(field="lateCancellation")
    await uow.projections.set_booking_policy(cmd.branch_id, policy.notice_hours, policy.late_cancellation)
    # Every lesson's cancellableUntil in the branch changes: announced so that caches of it go (no consumer
    # keeps the rule itself; scheduling checks it at cancellation).
    uow.publish(BookingPolicySet(branch_id=cmd.branch_id, notice_hours=policy.notice_hours,
                                 late_cancellation=policy.late_cancellation))
    await uow.commit()
    return await get_branch(uow, cmd.branch_id)
