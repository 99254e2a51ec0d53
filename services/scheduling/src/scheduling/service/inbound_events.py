"""Scheduling's tolerant readers of other services' events (unknown fields ignored)."""

from __future__ import annotations

from typing import ClassVar

from kabinet.events import EventContract


class BranchCreatedV1(EventContract):
    event_type: ClassVar[str] = "identity.branch.created"
    event_version: ClassVar[int] = 1

    branch_id: str
    name: str
    time_zone: str


class BranchUpdatedV1(BranchCreatedV1):
    event_type: ClassVar[str] = "identity.branch.updated"


class StudentRegisteredV1(EventContract):
    event_type: ClassVar[str] = "identity.student.registered"
    event_version: ClassVar[int] = 1

    student_id: str
    family_id: str
    first_name: str = ""
    last_name: str = ""
    branch_id: str | None = None


class StudentUpdatedV1(StudentRegisteredV1):
    event_type: ClassVar[str] = "identity.student.updated"


class StudentErasedV1(EventContract):
    event_type: ClassVar[str] = "identity.student.erased"
    event_version: ClassVar[int] = 1

    student_id: str
    family_id: str


class LessonConductedV1(EventContract):
    event_type: ClassVar[str] = "learning.lesson.conducted"
    event_version: ClassVar[int] = 1

    lesson_id: str


class StaffCreatedV1(EventContract):
    event_type: ClassVar[str] = "identity.staff.created"
    event_version: ClassVar[int] = 1

    staff_id: str
    role: str
    branch_ids: list[str] = []
    first_name: str = ""
    last_name: str = ""


class StaffUpdatedV1(StaffCreatedV1):
    event_type: ClassVar[str] = "identity.staff.updated"


class AttendanceMarkedV1(EventContract):
    event_type: ClassVar[str] = "learning.attendance.marked"
    event_version: ClassVar[int] = 1

    lesson_id: str
    student_id: str
    status: str
