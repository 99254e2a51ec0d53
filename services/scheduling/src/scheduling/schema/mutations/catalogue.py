"""Mutations: the catalogue (rooms, courses, lesson types) and a branch's settings."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.domain import model
from scheduling.schema.mutations.common import run
from scheduling.schema.types import (
    BookingPolicy,
    BookingPolicyPayload,
    Course,
    CoursePayload,
    LateCancellation,
    LessonKind,
    LessonType,
    LessonTypePayload,
    Room,
    RoomPayload,
    SheetDeadlinePayload,
)
from scheduling.service import catalogue, lesson_status


@strawberry.type
class CatalogueMutations:
    @strawberry.mutation(description="Add a room to a branch.")
    async def create_room(self, info: Info[RequestContext, None], branch_id: strawberry.ID, name: str,
                          capacity: int | None = None) -> RoomPayload:
        room, errors = await run(info, catalogue.create_room, catalogue.CreateRoom(str(branch_id), name, capacity))
        return RoomPayload(room=Room.from_model(room) if room else None, errors=errors)

    @strawberry.mutation(description="Add a course or subject.")
    async def create_course(self, info: Info[RequestContext, None], name: str) -> CoursePayload:
        course, errors = await run(info, catalogue.create_course, catalogue.CreateCourse(name))
        return CoursePayload(course=Course.from_model(course) if course else None, errors=errors)

    @strawberry.mutation(description="Add the school's own lesson type (R-SCH-2).")
    async def create_lesson_type(self, info: Info[RequestContext, None], name: str, kind: LessonKind,
                                 charged_by_default: bool, code: str | None = None) -> LessonTypePayload:
        t, errors = await run(info, catalogue.create_lesson_type, catalogue.CreateLessonType(
            name, model.LessonKind(kind.value), charged_by_default, code))
        return LessonTypePayload(lesson_type=LessonType.from_model(t) if t else None, errors=errors)

    @strawberry.mutation(description="Set a branch's booking cancellation rule (R-SCH-7).")
    async def set_booking_policy(self, info: Info[RequestContext, None], branch_id: strawberry.ID, notice_hours: int,
                                 late_cancellation: LateCancellation) -> BookingPolicyPayload:
        b, errors = await run(info, catalogue.set_booking_policy, catalogue.SetBookingPolicy(
            str(branch_id), notice_hours, late_cancellation.value))
        return BookingPolicyPayload(policy=BookingPolicy(
            branch_id=strawberry.ID(b.id), notice_hours=b.cancel_notice_hours,
            late_cancellation=LateCancellation(b.late_cancellation)) if b else None, errors=errors)

    @strawberry.mutation(description="How long after a lesson's end its sheet may be saved before the lesson is "
                                     "marked missed (default 48 hours); a sheet saved later still makes it "
                                     "conducted.")
    async def set_sheet_deadline(self, info: Info[RequestContext, None], branch_id: strawberry.ID,
                                 hours: int) -> SheetDeadlinePayload:
        got, errors = await run(info, lesson_status.set_sheet_deadline,
                                    lesson_status.SetSheetDeadline(str(branch_id), hours))
        return SheetDeadlinePayload(hours=got, errors=errors)
