"""Mutations: groups, their regular lessons and memberships."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.domain.recurrence import RecurringRule
from scheduling.schema.inputs import AddRecurringLessonInput, CreateGroupInput
from scheduling.schema.mutations.common import FromDate, run, str_or_none
from scheduling.schema.types import (
    Group,
    GroupMembership,
    GroupPayload,
    MembershipPayload,
    RecurringLesson,
    RecurringLessonPayload,
)
from scheduling.service import groups


def _rule_out(r: RecurringRule) -> RecurringLesson:
    return RecurringLesson(id=strawberry.ID(r.id), group_id=str_or_none(r.group_id),  # type: ignore[arg-type]
                           rrule=r.rrule, start_time=r.start_time, duration_minutes=r.duration_min,
                           valid_from=r.valid_from, valid_until=r.valid_until, skip_dates=r.skip_dates,
                           lesson_type=r.lesson_type)


@strawberry.type
class GroupMutations:
    @strawberry.mutation(description="Create a group (branch, course, teacher, room, capacity, price per lesson).")
    async def create_group(self, info: Info[RequestContext, None], input: CreateGroupInput) -> GroupPayload:
        cmd = groups.CreateGroup(str(input.branch_id), input.name, str(input.teacher_id), input.capacity,
                                 input.price, str_or_none(input.course_id), str_or_none(input.room_id))
        g, errors = await run(info, groups.create_group, cmd)
        return GroupPayload(group=Group.from_model(g) if g else None, errors=errors)

    @strawberry.mutation(description="Add a regular lesson: a group's schedule, or a free-standing one "
                                     "(a weekly trial).")
    async def add_recurring_lesson(self, info: Info[RequestContext, None],
                                   input: AddRecurringLessonInput) -> RecurringLessonPayload:
        cmd = groups.AddRule(input.rrule, input.start_time, input.duration_minutes, input.valid_from,
                             input.valid_until, list(input.skip_dates), str_or_none(input.group_id),
                             str_or_none(input.branch_id), str_or_none(input.teacher_id), str_or_none(input.room_id),
                             str_or_none(input.course_id), input.lesson_type, input.price, input.capacity)
        r, errors = await run(info, groups.add_rule, cmd)
        return RecurringLessonPayload(recurring_lesson=_rule_out(r) if r else None, errors=errors)

    @strawberry.mutation(description="Make a student a member of a group from a day (to a day). from = to with "
                                     "makeup: true is a one-day make-up membership (R-SCH-4, R-SCH-5).")
    async def add_group_member(self, info: Info[RequestContext, None], group_id: strawberry.ID,
                               student_id: strawberry.ID, from_: FromDate, to: dt.date | None = None,
                               makeup: bool = False, idempotency_key: str | None = None) -> MembershipPayload:
        m, errors = await run(info, groups.add_member, groups.AddMember(
            str(group_id), str(student_id), from_, to, makeup, idempotency_key))
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)

    @strawberry.mutation(description="End a membership after a day (the student leaves the group).")
    async def end_group_membership(self, info: Info[RequestContext, None], membership_id: strawberry.ID,
                                   last_day: dt.date) -> MembershipPayload:
        m, errors = await run(info, groups.end_membership, groups.EndMembership(str(membership_id), last_day))
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)

    @strawberry.mutation(description="Move a student to another group from a day; history is kept.")
    async def transfer_group_member(self, info: Info[RequestContext, None], membership_id: strawberry.ID,
                                    to_group_id: strawberry.ID, from_: FromDate) -> MembershipPayload:
        m, errors = await run(info, groups.transfer_member, groups.TransferMember(
            str(membership_id), str(to_group_id), from_))
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)
