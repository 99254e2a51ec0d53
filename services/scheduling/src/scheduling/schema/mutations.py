"""Scheduling's mutations: each returns the changed object and ``errors`` (domain errors, nothing changed).

Unauthenticated/forbidden callers get a GraphQL error with ``extensions.code`` instead. Retriable mutations take
an ``idempotencyKey``: a retry with the same key returns the first result and changes nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info

from kabinet.db import UnitOfWork
from kabinet.errors import KabinetError
from kabinet.graphql.context import RequestContext
from kabinet.graphql.errors import user_error
from kabinet.graphql.types import UserError
from scheduling.adapters.repositories import BookingRepository, GroupRepository, LessonRepository
from scheduling.domain import model
from scheduling.schema.types import (
    AvailabilitySlot,
    Booking,
    BookingPayload,
    BookingPolicy,
    BookingPolicyPayload,
    CalendarFeed,
    CalendarFeedPayload,
    Course,
    CoursePayload,
    GenerateMonthPayload,
    GenerationConflict,
    Group,
    GroupMembership,
    GroupPayload,
    LateCancellation,
    Lesson,
    LessonKind,
    LessonPayload,
    LessonScope,
    LessonsPayload,
    LessonType,
    LessonTypePayload,
    MembershipPayload,
    PublishMonthPayload,
    RecurringLesson,
    RecurringLessonPayload,
    Room,
    RoomPayload,
    SheetDeadlinePayload,
    SlotPayload,
)
from scheduling.service import bookings, catalogue, feeds, generation, groups, lesson_status, lessons, trials
from scheduling.service.idempotency import begin

T = TypeVar("T")
FromDate = Annotated[dt.date, strawberry.argument(name="from")]
PASS_THROUGH = ("UNAUTHENTICATED", "FORBIDDEN")


async def attempt(info: Info[RequestContext, None], fn: Callable[[UnitOfWork], Awaitable[T]]
                  ) -> tuple[T | None, list[UserError]]:
    """Run a use case in its own unit of work; domain errors become payload errors (nothing was committed)."""
    try:
        async with info.context.runtime.uow() as uow:
            return await fn(uow), []
    except KabinetError as exc:
        if exc.code in PASS_THROUGH:
            raise
        return None, [user_error(exc)]


def _id(v: str | None) -> strawberry.ID | None:
    return strawberry.ID(v) if v else None


def _s(v: strawberry.ID | None) -> str | None:
    return str(v) if v else None


async def _lesson(uow: UnitOfWork, lesson_id: str) -> model.Lesson:
    found = await LessonRepository(uow.session).get(lesson_id)
    assert found is not None
    return found


@strawberry.input
class CreateGroupInput:
    branch_id: strawberry.ID
    name: str
    teacher_id: strawberry.ID
    capacity: int
    price: Decimal
    course_id: strawberry.ID | None = None
    room_id: strawberry.ID | None = None


@strawberry.input(description="A regular lesson: an RRULE (e.g. FREQ=WEEKLY;BYDAY=MO,WE) at a local start time.")
class AddRecurringLessonInput:
    rrule: str
    start_time: dt.time
    duration_minutes: int
    valid_from: dt.date
    valid_until: dt.date | None = None
    skip_dates: list[dt.date] = strawberry.field(default_factory=list)
    group_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None
    teacher_id: strawberry.ID | None = None
    room_id: strawberry.ID | None = None
    course_id: strawberry.ID | None = None
    lesson_type: str | None = None
    price: Decimal | None = None
    capacity: int | None = None


@strawberry.input
class CreateLessonInput:
    branch_id: strawberry.ID
    teacher_id: strawberry.ID
    lesson_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: Decimal
    room_id: strawberry.ID | None = None
    course_id: strawberry.ID | None = None
    capacity: int | None = None
    student_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    bookable: bool = False


@strawberry.input
class OpenSlotInput:
    branch_id: strawberry.ID
    teacher_id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime
    lesson_type: str
    price: Decimal
    room_id: strawberry.ID | None = None


def _rule_out(r: Any) -> RecurringLesson:
    return RecurringLesson(id=strawberry.ID(r.id), group_id=_s(r.group_id), rrule=r.rrule,  # type: ignore[arg-type]
                           start_time=r.start_time, duration_minutes=r.duration_min, valid_from=r.valid_from,
                           valid_until=r.valid_until, skip_dates=r.skip_dates, lesson_type=r.lesson_type)


@strawberry.type
class Mutation:
    # -- catalogue ------------------------------------------------------------------------------
    @strawberry.mutation(description="Add a room to a branch.")
    async def create_room(self, info: Info[RequestContext, None], branch_id: strawberry.ID, name: str,
                          capacity: int | None = None) -> RoomPayload:
        room, errors = await attempt(info, lambda uow: catalogue.create_room(
            uow, info.context.principal, str(branch_id), name, capacity))
        return RoomPayload(room=Room.from_model(room) if room else None, errors=errors)

    @strawberry.mutation(description="Add a course or subject.")
    async def create_course(self, info: Info[RequestContext, None], name: str) -> CoursePayload:
        course, errors = await attempt(info, lambda uow: catalogue.create_course(uow, info.context.principal, name))
        return CoursePayload(course=Course.from_model(course) if course else None, errors=errors)

    @strawberry.mutation(description="Add the school's own lesson type (R-SCH-2).")
    async def create_lesson_type(self, info: Info[RequestContext, None], name: str, kind: LessonKind,
                                 charged_by_default: bool, code: str | None = None) -> LessonTypePayload:
        t, errors = await attempt(info, lambda uow: catalogue.create_lesson_type(
            uow, info.context.principal, name, model.LessonKind(kind.value), charged_by_default, code))
        return LessonTypePayload(lesson_type=LessonType.from_model(t) if t else None, errors=errors)

    @strawberry.mutation(description="Set a branch's booking cancellation rule (R-SCH-7).")
    async def set_booking_policy(self, info: Info[RequestContext, None], branch_id: strawberry.ID, notice_hours: int,
                                 late_cancellation: LateCancellation) -> BookingPolicyPayload:
        b, errors = await attempt(info, lambda uow: catalogue.set_booking_policy(
            uow, info.context.principal, str(branch_id),
            catalogue.BookingPolicy(notice_hours, late_cancellation.value)))
        return BookingPolicyPayload(policy=BookingPolicy(
            branch_id=strawberry.ID(b.id), notice_hours=b.cancel_notice_hours,
            late_cancellation=LateCancellation(b.late_cancellation)) if b else None, errors=errors)

    @strawberry.mutation(description="How long after a lesson's end its sheet may be saved before the lesson is "
                                     "marked missed (default 48 hours); a sheet saved later still makes it "
                                     "conducted.")
    async def set_sheet_deadline(self, info: Info[RequestContext, None], branch_id: strawberry.ID,
                                 hours: int) -> SheetDeadlinePayload:
        got, errors = await attempt(info, lambda uow: lesson_status.set_sheet_deadline(
            uow, info.context.principal, str(branch_id), hours))
        return SheetDeadlinePayload(hours=got, errors=errors)

    # -- groups ---------------------------------------------------------------------------------
    @strawberry.mutation(description="Create a group (branch, course, teacher, room, capacity, price per lesson).")
    async def create_group(self, info: Info[RequestContext, None], input: CreateGroupInput) -> GroupPayload:
        cmd = groups.CreateGroup(str(input.branch_id), input.name, str(input.teacher_id), input.capacity,
                                 input.price, _s(input.course_id), _s(input.room_id))
        g, errors = await attempt(info, lambda uow: groups.create_group(uow, info.context.principal, cmd))
        return GroupPayload(group=Group.from_model(g) if g else None, errors=errors)

    @strawberry.mutation(description="Add a regular lesson: a group's schedule, or a free-standing one "
                                     "(a weekly trial).")
    async def add_recurring_lesson(self, info: Info[RequestContext, None],
                                   input: AddRecurringLessonInput) -> RecurringLessonPayload:
        cmd = groups.AddRule(input.rrule, input.start_time, input.duration_minutes, input.valid_from,
                             input.valid_until, list(input.skip_dates), _s(input.group_id), _s(input.branch_id),
                             _s(input.teacher_id), _s(input.room_id), _s(input.course_id), input.lesson_type,
                             input.price, input.capacity)
        r, errors = await attempt(info, lambda uow: groups.add_rule(uow, info.context.principal, cmd))
        return RecurringLessonPayload(recurring_lesson=_rule_out(r) if r else None, errors=errors)

    @strawberry.mutation(description="Make a student a member of a group from a day (to a day). from = to with "
                                     "makeup: true is a one-day make-up membership (R-SCH-4, R-SCH-5).")
    async def add_group_member(self, info: Info[RequestContext, None], group_id: strawberry.ID,
                               student_id: strawberry.ID, from_: FromDate, to: dt.date | None = None,
                               makeup: bool = False, idempotency_key: str | None = None) -> MembershipPayload:
        p = info.context.principal

        async def run(uow: UnitOfWork) -> model.Membership:
            prior = await begin(uow, p, idempotency_key, "addGroupMember",
                                {"g": str(group_id), "s": str(student_id), "f": from_, "t": to, "m": makeup})
            if prior is not None:
                found = await GroupRepository(uow.session).membership(prior)
                assert found is not None
                return found
            return await groups.add_member(uow, p, str(group_id), str(student_id), from_, to, makeup)

        m, errors = await attempt(info, run)
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)

    @strawberry.mutation(description="End a membership after a day (the student leaves the group).")
    async def end_group_membership(self, info: Info[RequestContext, None], membership_id: strawberry.ID,
                                   last_day: dt.date) -> MembershipPayload:
        m, errors = await attempt(info, lambda uow: groups.end_membership(
            uow, info.context.principal, str(membership_id), last_day))
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)

    @strawberry.mutation(description="Move a student to another group from a day; history is kept.")
    async def transfer_group_member(self, info: Info[RequestContext, None], membership_id: strawberry.ID,
                                    to_group_id: strawberry.ID, from_: FromDate) -> MembershipPayload:
        m, errors = await attempt(info, lambda uow: groups.transfer_member(
            uow, info.context.principal, str(membership_id), str(to_group_id), from_))
        return MembershipPayload(membership=GroupMembership.from_model(m) if m else None, errors=errors)

    # -- the month ------------------------------------------------------------------------------
    @strawberry.mutation(description="Generate a month's lessons (YYYY-MM) from the regular rules; idempotent. "
                                     "skipDates: the branch's holidays (no lesson of any rule on them). An "
                                     "occurrence that clashes is not created and is listed in conflicts; the rest "
                                     "are.")
    async def generate_month(self, info: Info[RequestContext, None], branch_id: strawberry.ID, month: str,
                             group_id: strawberry.ID | None = None, skip_dates: list[dt.date] | None = None
                             ) -> GenerateMonthPayload:
        r, errors = await attempt(info, lambda uow: generation.generate_month(
            uow, info.context.principal, str(branch_id), month, _s(group_id), skip_dates or ()))
        conflicts = [GenerationConflict(local_date=c.local_date, group_id=_id(c.group_id),
                                        rule_id=strawberry.ID(c.rule_id), code=c.error.code, message=c.error.message)
                     for c in (r.conflicts if r else ())]
        return GenerateMonthPayload(created=r.created if r else 0, existing=r.existing if r else 0, errors=errors,
                                    conflicts=conflicts)

    @strawberry.mutation(description="Publish a month's generated lessons: one event per lesson with participants "
                                     "and prices, which billing charges from.")
    async def publish_month(self, info: Info[RequestContext, None], branch_id: strawberry.ID, month: str,
                            group_id: strawberry.ID | None = None) -> PublishMonthPayload:
        r, errors = await attempt(info, lambda uow: generation.publish_month(
            uow, info.context.principal, str(branch_id), month, _s(group_id)))
        return PublishMonthPayload(published=r.published if r else 0, participants=r.participants if r else 0,
                                   errors=errors)

    # -- single lessons -------------------------------------------------------------------------
    @strawberry.mutation(description="A one-off lesson: individual, trial, make-up or a custom type.")
    async def create_lesson(self, info: Info[RequestContext, None], input: CreateLessonInput,
                            idempotency_key: str | None = None) -> LessonPayload:
        p = info.context.principal
        cmd = lessons.CreateLesson(str(input.branch_id), str(input.teacher_id), input.lesson_type, input.starts_at,
                                   input.ends_at, input.price, _s(input.room_id), _s(input.course_id),
                                   input.capacity, tuple(str(x) for x in input.student_ids), input.bookable)

        async def run(uow: UnitOfWork) -> model.Lesson:
            prior = await begin(uow, p, idempotency_key, "createLesson", cmd.__dict__)
            return await _lesson(uow, prior) if prior else await lessons.create_lesson(uow, p, cmd)

        x, errors = await attempt(info, run)
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Move a lesson, or it and all following of its regular schedule.")
    async def move_lesson(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, starts_at: dt.datetime,
                          ends_at: dt.datetime, scope: LessonScope = LessonScope.THIS,
                          teacher_id: strawberry.ID | None = None, room_id: strawberry.ID | None = None
                          ) -> LessonsPayload:
        xs, errors = await attempt(info, lambda uow: lessons.move_lesson(
            uow, info.context.principal, str(lesson_id), starts_at, ends_at, lessons.Scope(scope.value),
            _s(teacher_id), _s(room_id)))
        return LessonsPayload(lessons=[Lesson.from_model(x) for x in xs or []], errors=errors)

    @strawberry.mutation(description="Cancel a lesson, or it and all following of its regular schedule.")
    async def cancel_lesson(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, reason: str,
                            scope: LessonScope = LessonScope.THIS) -> LessonsPayload:
        xs, errors = await attempt(info, lambda uow: lessons.cancel_lesson(
            uow, info.context.principal, str(lesson_id), reason, lessons.Scope(scope.value)))
        return LessonsPayload(lessons=[Lesson.from_model(x) for x in xs or []], errors=errors)

    @strawberry.mutation(description="Make-up: add a student to another group's lesson (R-SCH-5).")
    async def add_makeup_participant(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                     student_id: strawberry.ID, idempotency_key: str | None = None) -> LessonPayload:
        p = info.context.principal

        async def run(uow: UnitOfWork) -> model.Lesson:
            prior = await begin(uow, p, idempotency_key, "addMakeup", {"l": str(lesson_id), "s": str(student_id)})
            return await _lesson(uow, prior) if prior else await lessons.add_makeup(uow, p, str(lesson_id),
                                                                                    str(student_id))

        x, errors = await attempt(info, run)
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Make-up: a parallel lesson at the same time with the same teacher, no room.")
    async def create_parallel_makeup(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                     student_ids: list[strawberry.ID], idempotency_key: str | None = None
                                     ) -> LessonPayload:
        p = info.context.principal
        ids = [str(x) for x in student_ids]

        async def run(uow: UnitOfWork) -> model.Lesson:
            prior = await begin(uow, p, idempotency_key, "parallelMakeup", {"l": str(lesson_id), "s": ids})
            return await _lesson(uow, prior) if prior else await lessons.create_parallel_makeup(
                uow, p, str(lesson_id), ids)

        x, errors = await attempt(info, run)
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Remove a student from one lesson.")
    async def remove_lesson_participant(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                                        student_id: strawberry.ID) -> LessonPayload:
        x, errors = await attempt(info, lambda uow: lessons.remove_participant(
            uow, info.context.principal, str(lesson_id), str(student_id)))
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    @strawberry.mutation(description="Record the family's one free trial in a lesson, optionally joining its group.")
    async def record_trial(self, info: Info[RequestContext, None], lesson_id: strawberry.ID,
                           student_id: strawberry.ID, add_to_group: bool = False,
                           idempotency_key: str | None = None) -> LessonPayload:
        p = info.context.principal

        async def run(uow: UnitOfWork) -> model.Lesson:
            prior = await begin(uow, p, idempotency_key, "recordTrial",
                                {"l": str(lesson_id), "s": str(student_id), "g": add_to_group})
            return await _lesson(uow, prior) if prior else await trials.record_trial(
                uow, p, str(lesson_id), str(student_id), add_to_group)

        x, errors = await attempt(info, run)
        return LessonPayload(lesson=Lesson.from_model(x) if x else None, errors=errors)

    # -- bookings -------------------------------------------------------------------------------
    @strawberry.mutation(description="Open a slot in a teacher's week for families to book.")
    async def open_slot(self, info: Info[RequestContext, None], input: OpenSlotInput) -> SlotPayload:
        cmd = bookings.OpenSlot(str(input.branch_id), str(input.teacher_id), input.starts_at, input.ends_at,
                                input.lesson_type, input.price, _s(input.room_id))
        s, errors = await attempt(info, lambda uow: bookings.open_slot(uow, info.context.principal, cmd))
        return SlotPayload(slot=AvailabilitySlot.from_model(s) if s else None, errors=errors)

    @strawberry.mutation(description="A guardian books an individual or trial lesson in an open slot for a child.")
    async def book_slot(self, info: Info[RequestContext, None], slot_id: strawberry.ID, student_id: strawberry.ID,
                        idempotency_key: str | None = None) -> BookingPayload:
        return await _book(info, "bookSlot", str(slot_id), str(student_id), idempotency_key, bookings.book_slot)

    @strawberry.mutation(description="A guardian books a place in a group's or trial lesson for a child.")
    async def book_place(self, info: Info[RequestContext, None], lesson_id: strawberry.ID, student_id: strawberry.ID,
                         idempotency_key: str | None = None) -> BookingPayload:
        return await _book(info, "bookPlace", str(lesson_id), str(student_id), idempotency_key, bookings.book_place)

    @strawberry.mutation(description="Cancel a booking (free before the branch's notice window).")
    async def cancel_booking(self, info: Info[RequestContext, None], booking_id: strawberry.ID) -> BookingPayload:
        b, errors = await attempt(info, lambda uow: bookings.cancel_booking(
            uow, info.context.principal, str(booking_id)))
        return BookingPayload(booking=Booking.from_model(b) if b else None, errors=errors)

    # -- calendar feeds -------------------------------------------------------------------------
    @strawberry.mutation(description="A private iCalendar URL of a student's or a teacher's lessons.")
    async def issue_calendar_feed(self, info: Info[RequestContext, None], student_id: strawberry.ID | None = None,
                                  teacher_id: strawberry.ID | None = None) -> CalendarFeedPayload:
        r, errors = await attempt(info, lambda uow: feeds.issue_feed(
            uow, info.context.principal, student_id=_s(student_id), teacher_id=_s(teacher_id)))
        settings = info.context.runtime.settings
        return CalendarFeedPayload(feed=CalendarFeed(id=strawberry.ID(r[0]),
                                                     url=settings.public_link(f"calendar/{r[1]}.ics"))
                                   if r else None, errors=errors)

    @strawberry.mutation(description="Revoke a calendar feed: its URL stops working at once.")
    async def revoke_calendar_feed(self, info: Info[RequestContext, None], feed_id: strawberry.ID
                                   ) -> CalendarFeedPayload:
        r, errors = await attempt(info, lambda uow: feeds.revoke_feed(uow, info.context.principal, str(feed_id)))
        return CalendarFeedPayload(feed=CalendarFeed(id=strawberry.ID(r), url=None) if r else None, errors=errors)


async def _book(info: Info[RequestContext, None], op: str, target: str, student_id: str, key: str | None,
                fn: Callable[[UnitOfWork, Any, str, str], Awaitable[model.Booking]]) -> BookingPayload:
    p = info.context.principal

    async def run(uow: UnitOfWork) -> model.Booking:
        prior = await begin(uow, p, key, op, {"t": target, "s": student_id})
        if prior:
            found = await BookingRepository(uow.session).get(prior)
            assert found is not None
            return found
        return await fn(uow, p, target, student_id)

    b, errors = await attempt(info, run)
    return BookingPayload(booking=Booking.from_model(b) if b else None, errors=errors)
