"""Identity's readers of other services' events (tolerant: unknown fields are ignored)."""

from __future__ import annotations

from typing import ClassVar

from kabinet.events import EventContract


class SubscriptionSoldV1(EventContract):
    event_type: ClassVar[str] = "billing.subscription.sold"
    event_version: ClassVar[int] = 1

    subscription_id: str
    family_id: str
    trial: bool = False
    on_credit: bool = False


class _Participant(EventContract):
    student_id: str


class LessonScheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.scheduled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    teacher_id: str
    participants: list[_Participant] = []
    branch_id: str | None = None  # these three for notifications (identity.service.notify)
    starts_at: str | None = None
    ends_at: str | None = None


class ParticipantAddedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.added"
    event_version: ClassVar[int] = 1

    lesson_id: str
    teacher_id: str
    student_id: str
    branch_id: str | None = None
    starts_at: str | None = None
    ends_at: str | None = None
