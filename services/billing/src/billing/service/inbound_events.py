"""Billing's readers of other services' events (tolerant: unknown fields are ignored)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from kabinet.events import EventContract, MoneyPayload


class StudentRegisteredV1(EventContract):
    event_type: ClassVar[str] = "identity.student.registered"

    student_id: str
    family_id: str
    first_name: str = ""
    last_name: str = ""
    branch_id: str | None = None


class StudentUpdatedV1(StudentRegisteredV1):
    event_type: ClassVar[str] = "identity.student.updated"


class StaffCreatedV1(EventContract):
    event_type: ClassVar[str] = "identity.staff.created"
    event_version: ClassVar[int] = 1

    staff_id: str
    first_name: str = ""
    last_name: str = ""


class StaffUpdatedV1(StaffCreatedV1):
    event_type: ClassVar[str] = "identity.staff.updated"


class StudentErasedV1(EventContract):
    event_type: ClassVar[str] = "identity.student.erased"

    student_id: str
    family_id: str


class BranchCreatedV1(EventContract):
    event_type: ClassVar[str] = "identity.branch.created"

    branch_id: str
    name: str = ""
    time_zone: str = "UTC"


class BranchUpdatedV1(BranchCreatedV1):
    event_type: ClassVar[str] = "identity.branch.updated"


class ParticipantIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    student_id: str
    family_id: str
    reason: str = "member"
    price: MoneyPayload


class LessonScheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.scheduled"

    lesson_id: str
    branch_id: str
    group_id: str | None = None
    course_id: str | None = None
    teacher_id: str | None = None
    lesson_type: str
    charged_by_default: bool = True
    starts_at: datetime
    price: MoneyPayload | None = None
    participants: list[ParticipantIn] = []


class LessonRescheduledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.rescheduled"

    lesson_id: str
    branch_id: str
    starts_at: datetime
    teacher_id: str | None = None


class LessonCancelledV1(EventContract):
    event_type: ClassVar[str] = "scheduling.lesson.cancelled"

    lesson_id: str
    branch_id: str
    reason: str = ""


class ParticipantAddedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.added"

    lesson_id: str
    branch_id: str
    group_id: str | None = None
    course_id: str | None = None
    teacher_id: str | None = None
    lesson_type: str
    charged_by_default: bool = True
    starts_at: datetime
    student_id: str
    family_id: str
    reason: str = "member"
    price: MoneyPayload


class ParticipantRemovedV1(EventContract):
    event_type: ClassVar[str] = "scheduling.participant.removed"

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str


class AttendanceMarkedV1(EventContract):
    event_type: ClassVar[str] = "learning.attendance.marked"

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str | None = None
    status: str  # present | late | absent | excused
    lesson_type: str = ""
    revision: int = 0
