"""Events identity publishes (contracts: versioned, catalogued in docs/events.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

import kabinet.events.applied
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


@produces
class StudentUpdated(EventContract):
    event_type: ClassVar[str] = "identity.student.updated"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A student's name, birth date or branch changed."

    student_id: str
    family_id: str
    first_name: str
    last_name: str
    birth_date: date
    branch_id: str | None = None


@produces
class StudentErased(EventContract):
    event_type: ClassVar[str] = "identity.student.erased"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A guardian asked to erase a child's data: every service erases or pseudonymises "
                                  "that student's personal data, keeping only what accounting law requires.")

    student_id: str
    family_id: str


@produces
class BranchCreated(EventContract):
    event_type: ClassVar[str] = "identity.branch.created"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A branch (school location) was opened."

    branch_id: str
    name: str
    city: str
    time_zone: str
    address: str


@produces
class BranchUpdated(EventContract):
    event_type: ClassVar[str] = "identity.branch.updated"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A branch's name, city, time zone or address changed."

    branch_id: str
    name: str
    city: str
    time_zone: str
    address: str


@produces
class StaffCreated(EventContract):
    event_type: ClassVar[str] = "identity.staff.created"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A teacher, branch admin or owner account was created."
    # The branches are where the account works: no field of a branch changes (its staff list is a root list,
    # never cached; answers keyed by a branch are still dropped).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_ids"})

    staff_id: str
    role: str
    branch_ids: list[str]
    first_name: str
    last_name: str


@produces
class GuardianLinked(EventContract):
    event_type: ClassVar[str] = "identity.guardian.linked"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A guardian (phone) joined a family: its creator, an invited second guardian, "
                                  "or a record link.")

    family_id: str
    guardian_id: str
    phone: str


@produces
class AccessGranted(EventContract):
    event_type: ClassVar[str] = "identity.access.granted"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A family's cabinet opened (self-registration, or a non-trial subscription sold)."

    family_id: str
    reason: str


@produces
class AccessRevoked(EventContract):
    event_type: ClassVar[str] = "identity.access.revoked"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A family's cabinet was closed by staff."

    family_id: str
    reason: str


@produces
class QuestionAsked(EventContract):
    event_type: ClassVar[str] = "identity.question.asked"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A family asked its branch a question; it is a task for the branch admins "
                                  "until due_at.")
    # The question and the family change (named); the branch is whom it is asked: no field of it changes (its
    # question list is a root list, never cached).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    question_id: str
    family_id: str
    branch_id: str
    topic: str
    due_at: datetime


@produces
class QuestionAnswered(EventContract):
    event_type: ClassVar[str] = "identity.question.answered"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "Staff answered a family's question."
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})  # as for identity.question.asked

    question_id: str
    family_id: str
    branch_id: str
    topic: str
    due_at: datetime


@produces
class LeadCreated(EventContract):
    event_type: ClassVar[str] = "identity.lead.created"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("Staff recorded a lead (a potential student) in a branch: a task for its admins "
                                  "and the assigned staff member.")
    # The branch is where the lead is: no field of it changes (its lead list is a root list, never cached).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id", "assigned_staff_id"})

    lead_id: str
    branch_id: str
    source: str
    assigned_staff_id: str | None = None


@produces
class LeadStageChanged(EventContract):
    event_type: ClassVar[str] = "identity.lead.stage_changed"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A lead moved along the pipeline (contacted, trial booked, trial attended, won) "
                                  "or was lost (with the reason).")
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})  # as for identity.lead.created

    lead_id: str
    branch_id: str
    from_stage: str
    to_stage: str
    lost_reason: str | None = None


@produces
class LeadWon(EventContract):
    event_type: ClassVar[str] = "identity.lead.won"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ("A lead became a client: its child was registered as a student (new family or "
                                  "the phone's existing one; identity.student.registered is published with it).")
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})  # as for identity.lead.created

    lead_id: str
    branch_id: str
    family_id: str
    student_id: str


@produces
class EventsApplied(kabinet.events.applied.EventsApplied):
    event_type: ClassVar[str] = "identity.events.applied"
