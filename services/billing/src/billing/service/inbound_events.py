"""Billing's readers of other services' events (tolerant: unknown fields are ignored)."""

from __future__ import annotations

from typing import ClassVar

from kabinet.events import EventContract


class StudentRegisteredV1(EventContract):
    event_type: ClassVar[str] = "identity.student.registered"
    event_version: ClassVar[int] = 1

    student_id: str
    family_id: str
