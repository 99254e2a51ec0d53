"""GraphQL input types of scheduling's mutations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry


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
