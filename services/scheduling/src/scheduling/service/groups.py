"""Use cases: groups, their regular schedule, and memberships with periods (R-SCH-1, R-SCH-3, R-SCH-4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from kabinet.auth.principal import Principal
from kabinet.money import Money
from scheduling.domain import errors
from scheduling.domain.access import require_branch_admin
from scheduling.domain.events import MembershipEnded, MembershipStarted, MembershipTransferred
from scheduling.domain.model import (
    Group,
    LessonKind,
    Membership,
    ParticipantReason,
    check_capacity,
    check_name,
    check_price,
    new_id,
)
from scheduling.domain.recurrence import RecurringRule
from scheduling.service.common import (
    caller_scope,
    get_branch,
    get_course,
    get_group,
    get_lesson_type,
    get_room,
    get_student,
    get_teacher,
)
from scheduling.service.rosters import enrol_in_lessons, withdraw_from_lessons
from scheduling.service.unit_of_work import SchedulingUnitOfWork


@dataclass(frozen=True)
class CreateGroup:
    branch_id: str
    name: str
    teacher_id: str
    capacity: int
    price: Decimal
    course_id: str | None = None
    room_id: str | None = None


async def create_group(cmd: CreateGroup, uow: SchedulingUnitOfWork, p: Principal) -> Group:
    require_branch_admin(p, cmd.branch_id)
    await get_branch(uow, cmd.branch_id)
    await get_teacher(uow, cmd.teacher_id, cmd.branch_id)
    if cmd.room_id:
        await get_room(uow, cmd.room_id, cmd.branch_id)
    if cmd.course_id:
        await get_course(uow, cmd.course_id)
    capacity = check_capacity(cmd.capacity)
    assert capacity is not None
    group = Group(new_id(), cmd.branch_id, cmd.course_id, cmd.teacher_id, cmd.room_id, check_name(cmd.name),
                  capacity, check_price(cmd.price))
    await uow.groups.add(group)
    await uow.commit()
    return group


@dataclass(frozen=True)
class AddRule:
    """A regular lesson: a group's (group_id set) or a free-standing one such as a weekly trial lesson."""

    rrule: str
    start_time: time
    duration_min: int
    valid_from: date
    valid_until: date | None = None
    skip_dates: list[date] = field(default_factory=list)
    group_id: str | None = None
    branch_id: str | None = None
    teacher_id: str | None = None
    room_id: str | None = None
    course_id: str | None = None
    lesson_type: str | None = None
    price: Decimal | None = None
    capacity: int | None = None


async def add_rule(cmd: AddRule, uow: SchedulingUnitOfWork, p: Principal) -> RecurringRule:
    if cmd.group_id:
        group = await get_group(uow, cmd.group_id, p)
        branch_id, teacher_id = group.branch_id, cmd.teacher_id or group.teacher_id
        room_id, course_id = cmd.room_id or group.room_id, group.course_id
        price = group.price if cmd.price is None else check_price(cmd.price)
        capacity, type_code = group.capacity, cmd.lesson_type or "group"
    else:
        if not cmd.branch_id or not cmd.teacher_id or not cmd.lesson_type:
            raise errors.InvalidRecurrence("A regular lesson without a group needs a branch, teacher and type.",
                                           field="groupId")
        branch_id, teacher_id, room_id, course_id = cmd.branch_id, cmd.teacher_id, cmd.room_id, cmd.course_id
        price = check_price(cmd.price or Decimal(0))
        capacity, type_code = check_capacity(cmd.capacity), cmd.lesson_type  # type: ignore[assignment]
    require_branch_admin(p, branch_id)
    await get_branch(uow, branch_id)
    await get_teacher(uow, teacher_id, branch_id)
    # Every id the rule stores is checked (the table has no foreign keys): a group's own room was checked when
    # the group was made, but a room named here overrides it; a course named here is stored only without a group.
    if cmd.room_id:
        await get_room(uow, cmd.room_id, branch_id)
    if cmd.course_id and not cmd.group_id:
        await get_course(uow, cmd.course_id)
    lesson_type = await get_lesson_type(uow, type_code)
    if lesson_type.kind is LessonKind.GROUP and not cmd.group_id:
        raise errors.WrongLessonType("A group-type regular lesson belongs to a group.", field="lessonType")
    rule = RecurringRule(
        id=new_id(), branch_id=branch_id, teacher_id=teacher_id, lesson_type=lesson_type.code, rrule=cmd.rrule,
        start_time=cmd.start_time, duration_min=cmd.duration_min, price=Money(price.amount, price.currency),
        valid_from=cmd.valid_from, valid_until=cmd.valid_until, group_id=cmd.group_id, course_id=course_id,
        room_id=room_id, capacity=capacity, skip_dates=sorted(set(cmd.skip_dates)))
    await uow.groups.add_rule(rule)
    await uow.commit()
    return rule


def membership_event(cls: type[MembershipStarted] | type[MembershipEnded], m: Membership
                      ) -> MembershipStarted | MembershipEnded:
    return cls(membership_id=m.id, group_id=m.group_id, student_id=m.student_id, family_id=m.family_id,
               from_=m.starts_on.isoformat(), to=m.ends_on.isoformat() if m.ends_on else None)


async def start_membership(uow: SchedulingUnitOfWork, p: Principal, group: Group, student_id: str, starts_on: date,
                            ends_on: date | None, reason: ParticipantReason) -> Membership:
    student = await get_student(uow, student_id, p)
    repo = uow.groups
    current = (await repo.memberships_of_groups([group.id])).get(group.id, [])
    if any(m.student_id == student.id and m.overlaps(starts_on, ends_on) for m in current):
        raise errors.AlreadyMember(field="studentId")
    m = Membership(new_id(), group.id, student.id, student.family_id, starts_on, ends_on, reason=reason)
    # Capacity counts members on the busiest day of the new period.
    days = {x.starts_on for x in current if x.overlaps(starts_on, ends_on)} | {starts_on}
    for day in days:
        if day >= starts_on and (ends_on is None or day <= ends_on):
            on_day = len([x for x in current if x.covers(day)])
            if on_day >= group.capacity:
                raise errors.CapacityExceeded(f"The group is full on {day.isoformat()} (capacity {group.capacity}).",
                                              field="groupId")
    await repo.add_membership(m)
    await enrol_in_lessons(uow, group, m)
    return m


@dataclass(frozen=True)
class AddMember:
    group_id: str
    student_id: str
    starts_on: date
    ends_on: date | None = None
    makeup: bool = False
    idempotency_key: str | None = None


async def add_member(cmd: AddMember, uow: SchedulingUnitOfWork, p: Principal) -> Membership:
    """Join a group for a period; a one-day membership (from = to) with makeup=True is a make-up (R-SCH-5)."""
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "addGroupMember", {
        "g": cmd.group_id, "s": cmd.student_id, "f": cmd.starts_on, "t": cmd.ends_on, "m": cmd.makeup})
    if claim.replayed:
        return await get_membership(uow, claim.result)
    group = await get_group(uow, cmd.group_id, p, lock=True)  # serialise joins: capacity holds under concurrency
    require_branch_admin(p, group.branch_id)
    if cmd.ends_on is not None and cmd.ends_on < cmd.starts_on:
        raise errors.InvalidPeriod(field="to")
    m = await start_membership(uow, p, group, cmd.student_id, cmd.starts_on, cmd.ends_on,
                               ParticipantReason.MAKEUP if cmd.makeup else ParticipantReason.MEMBER)
    uow.publish(membership_event(MembershipStarted, m))
    await uow.idempotency.store(claim, m.id)
    await uow.commit()
    return m


async def get_membership(uow: SchedulingUnitOfWork, membership_id: str) -> Membership:
    m = await uow.groups.membership(membership_id)
    if m is None:
        raise errors.MembershipNotFound(field="membershipId")
    return m


@dataclass(frozen=True)
class EndMembership:
    membership_id: str
    last_day: date


async def end_membership(cmd: EndMembership, uow: SchedulingUnitOfWork, p: Principal) -> Membership:
    m = await get_membership(uow, cmd.membership_id)
    # The roster held, as a join holds it: a month generated meanwhile puts the child on none of its lessons after
    # the last day (it waits, or is waited for, and reads the ended membership).
    group = await get_group(uow, m.group_id, p, lock=True)
    require_branch_admin(p, group.branch_id)
    m.end(cmd.last_day)
    await uow.groups.save_membership(m)
    await withdraw_from_lessons(uow, group.id, m.student_id, cmd.last_day)
    uow.publish(membership_event(MembershipEnded, m))
    await uow.commit()
    return m


@dataclass(frozen=True)
class TransferMember:
    membership_id: str
    to_group_id: str
    first_day: date


async def transfer_member(cmd: TransferMember, uow: SchedulingUnitOfWork, p: Principal) -> Membership:
    """Leave one group the day before first_day and join another from it; both memberships are kept."""
    first_day = cmd.first_day
    old = await get_membership(uow, cmd.membership_id)
    # Both rosters held, in id order (two transfers the opposite ways never wait for each other in a cycle).
    await uow.groups.hold_rosters([old.group_id, cmd.to_group_id], exclusive=True)
    source = await get_group(uow, old.group_id, p)
    target = await get_group(uow, cmd.to_group_id, p)
    require_branch_admin(p, source.branch_id)
    require_branch_admin(p, target.branch_id)
    if first_day <= old.starts_on:
        raise errors.InvalidPeriod("A transfer starts after the membership began.", field="from")
    old.end(first_day - timedelta(days=1))
    await withdraw_from_lessons(uow, source.id, old.student_id, first_day - timedelta(days=1))
    new = await start_membership(uow, p, target, old.student_id, first_day, None, ParticipantReason.MEMBER)
    old.transferred_to = new.id
    await uow.groups.save_membership(old)
    uow.publish(membership_event(MembershipEnded, old))
    uow.publish(MembershipTransferred(membership_id=new.id, group_id=target.id, student_id=new.student_id,
                                      family_id=new.family_id, from_=first_day.isoformat(), to=None,
                                      from_group_id=source.id))
    await uow.commit()
    return new
