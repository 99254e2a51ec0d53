"""Learning's readers of other services' events (tolerant: unknown fields are ignored).

Written to docs/contracts-plan.md: scheduling's lesson and participant events tell learning which students
are on which lesson; identity's student events tell it families (and erasure).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from kabinet.events import EventContract


class ParticipantV1(BaseModel):
    model_config = ConfigDict(extra="ignore")

    student_id: str
    family_id: str | None = None
    reason: str = "member"


class LessonScheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.scheduled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str
    group_id: str | None = None
    course_id: str | None = None
    teacher_id: str
    lesson_type: str
    charged_by_default: bool = True
    starts_at: datetime
    ends_at: datetime
    participants: list[ParticipantV1] = []


class LessonRescheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.rescheduled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str
    starts_at: datetime
    ends_at: datetime
    teacher_id: str


class LessonCancelledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.cancelled"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str
    reason: str | None = None


class ParticipantAddedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.added"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str
    group_id: str | None = None
    course_id: str | None = None
    teacher_id: str
    lesson_type: str
    charged_by_default: bool = True
    starts_at: datetime
    ends_at: datetime
    student_id: str
    family_id: str | None = None
    reason: str = "member"


class ParticipantRemovedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.removed"
    event_version: ClassVar[int] = 1

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str | None = None
    reason: str | None = None


class StudentRegisteredV1(EventContract):
    event_type: ClassVar[str] = "identity.student.registered"
    event_version: ClassVar[int] = 1

    student_id: str
    family_id: str
    branch_id: str | None = None


class StudentUpdatedV1(StudentRegisteredV1):
    event_type: ClassVar[str] = "identity.student.updated"


class StudentErasedV1(EventContract):
    event_type: ClassVar[str] = "identity.student.erased"
    event_version: ClassVar[int] = 1

    student_id: str
    family_id: str | None = None
