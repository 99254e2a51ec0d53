"""Events scheduling publishes (contracts per docs/contracts-plan.md; docs/events.md is generated from them)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

import kabinet.events.applied
from kabinet.events import EventContract, MoneyPayload, produces


class ParticipantPayload(BaseModel):
    student_id: str
    family_id: str
    reason: str  # member | makeup | trial | booking
    price: MoneyPayload


@produces
class LessonScheduled(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.scheduled"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A lesson was put on the published schedule, with its participants and the price "
                                  "each is charged (billing charges from it, R-BIL-2).")

    lesson_id: str
    branch_id: str
    group_id: str | None
    course_id: str | None
    teacher_id: str
    room_id: str | None
    lesson_type: str
    charged_by_default: bool
    starts_at: str
    ends_at: str
    price: MoneyPayload
    participants: list[ParticipantPayload]


@produces
class LessonRescheduled(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.rescheduled"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A published lesson moved (time, teacher or room)."

    lesson_id: str
    branch_id: str
    starts_at: str
    ends_at: str
    teacher_id: str
    room_id: str | None


@produces
class LessonCancelled(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.cancelled"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A published lesson was cancelled (billing refunds its charges)."

    lesson_id: str
    branch_id: str
    reason: str


@produces
class ParticipantAdded(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.added"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student was added to a published lesson (member, make-up, trial or booking)."

    lesson_id: str
    branch_id: str
    group_id: str | None
    course_id: str | None
    teacher_id: str
    lesson_type: str
    charged_by_default: bool
    starts_at: str
    ends_at: str
    student_id: str
    family_id: str
    reason: str
    price: MoneyPayload


@produces
class ParticipantRemoved(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.removed"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student was removed from a published lesson."

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str
    reason: str


class _MembershipEvent(EventContract):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    membership_id: str
    group_id: str
    student_id: str
    family_id: str
    # The payload says `from` (a reserved word in Python): local dates, `to` null while open-ended.
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


@produces
class MembershipStarted(_MembershipEvent):
    event_type: ClassVar[str] = "scheduling.membership.started"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student became a member of a group for a period."


@produces
class MembershipEnded(_MembershipEvent):
    event_type: ClassVar[str] = "scheduling.membership.ended"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student's membership of a group ended."


@produces
class MembershipTransferred(_MembershipEvent):
    event_type: ClassVar[str] = "scheduling.membership.transferred"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A student moved to another group; `group_id` is the new group, "
                                  "`from_group_id` the old one (history is kept).")

    from_group_id: str | None = None


@produces
class BookingPolicySet(EventContract):
    event_type: ClassVar[str] = "scheduling.booking_policy.set"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A branch's cancellation rule changed (R-SCH-7): with it, until when a family may "
                                  "cancel each of the branch's lessons (`Lesson.cancellableUntil`).")
    # No field of the branch shows the rule (only the mutation's answer does); what changes is each lesson's
    # cancellableUntil, which caches drop by the field's name (the gateway's FIELD_TAGS), not every family's
    # answers that show the branch.
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    branch_id: str
    notice_hours: int
    late_cancellation: str  # refuse | charge


@produces
class BookingCreated(EventContract):
    event_type: ClassVar[str] = "scheduling.booking.created"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A guardian booked a lesson or a place in a group's lesson for a child."

    booking_id: str
    lesson_id: str
    student_id: str
    family_id: str
    late: bool = False


@produces
class BookingCancelled(EventContract):
    event_type: ClassVar[str] = "scheduling.booking.cancelled"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A booking was cancelled; `late` when inside the branch's notice window (charged)."

    booking_id: str
    lesson_id: str
    student_id: str
    family_id: str
    late: bool


@produces
class EventsApplied(kabinet.events.applied.EventsApplied):
    event_type: ClassVar[str] = "scheduling.events.applied"
