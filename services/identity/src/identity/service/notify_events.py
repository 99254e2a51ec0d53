"""The other services' events identity reads to notify families (tolerant readers: unknown fields are ignored).
The lesson scheduled / participant added contracts identity already read are in inbound_events."""

from __future__ import annotations

from typing import ClassVar

from kabinet.events import EventContract


class MoneyV1(EventContract):
    amount: str
    currency: str


class LessonRescheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.rescheduled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str | None = None
    starts_at: str
    ends_at: str | None = None


class LessonCancelledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.cancelled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str | None = None


class ParticipantRemovedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.removed"
    event_version: ClassVar[int] = 1

    lesson_id: str
    student_id: str


class ChargeLineV1(EventContract):
    student_id: str
    amount: MoneyV1
    subscription_id: str | None = None
    balance: MoneyV1 | None = None


class LessonChargedV1(EventContract):
    event_type: ClassVar[str] = "billing.lesson.charged"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str | None = None
    charges: list[ChargeLineV1] = []


class PaymentReceivedV1(EventContract):
    event_type: ClassVar[str] = "billing.payment.received"
    event_version: ClassVar[int] = 1

    payment_id: str
    family_id: str
    amount: MoneyV1


class SubscriptionExpiredV1(EventContract):
    event_type: ClassVar[str] = "billing.subscription.expired"
    event_version: ClassVar[int] = 1

    subscription_id: str
    student_id: str


class SubscriptionEndingV1(EventContract):
    event_type: ClassVar[str] = "billing.subscription.ending"
    event_version: ClassVar[int] = 1

    subscription_id: str
    student_id: str
    name: str
    lessons_left: int


class QuestionAnsweredV1(EventContract):
    """Identity's own event, read back: the answer and who asked are in identity's questions table."""

    event_type: ClassVar[str] = "identity.question.answered"
    event_version: ClassVar[int] = 1

    question_id: str


class GradePostedV1(EventContract):
    event_type: ClassVar[str] = "learning.grade.posted"
    event_version: ClassVar[int] = 1

    lesson_id: str
    student_id: str
    grade: str


class HomeworkAssignedV1(EventContract):
    event_type: ClassVar[str] = "learning.homework.assigned"
    event_version: ClassVar[int] = 1

    lesson_id: str
    text: str
    student_ids: list[str] = []
