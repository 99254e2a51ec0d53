"""Events identity publishes (contracts: versioned, documented in docs/events.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from kabinet.events import EventContract, produces


@produces
class FamilyCreated(EventContract):
    event_type: ClassVar[str] = "identity.family.created"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A family (one guardian phone) was created."

    family_id: str
    guardian_phone: str


@produces
class StudentRegistered(EventContract):
    event_type: ClassVar[str] = "identity.student.registered"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student was registered in a family."

    student_id: str
    family_id: str
    first_name: str
    last_name: str
    birth_date: date
    branch_id: str | None = None
