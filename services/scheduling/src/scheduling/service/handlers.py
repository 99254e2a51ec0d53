"""Scheduling's event handlers: all its subscriptions in one place.

Each handler receives the event and scheduling's unit of work: it writes through the repositories and records
events with ``uow.publish``; the kit's inbox commits them together with the inbox row (so a redelivered event
changes nothing twice). Bootstrap binds them to the kit's inbox (``adapters.unit_of_work.joined``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kabinet.events import Envelope, MalformedEvent
from scheduling.domain.model import StaffRef, StudentRef, utcnow
from scheduling.service.inbound_events import (
    AttendanceMarkedV1,
    BranchCreatedV1,
    BranchUpdatedV1,
    LessonConductedV1,
    StaffCreatedV1,
    StaffUpdatedV1,
    StudentErasedV1,
    StudentRegisteredV1,
    StudentUpdatedV1,
)
from scheduling.service.trials import first_attendance_counts_as_trial
from scheduling.service.unit_of_work import SchedulingHandler, SchedulingUnitOfWork


async def project_branch(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    reader = BranchUpdatedV1 if envelope.routing_key == BranchUpdatedV1.routing_key() else BranchCreatedV1
    event = reader.parse_envelope(envelope)
    try:
        ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MalformedEvent(f"unknown time zone {event.time_zone!r}") from exc
    await uow.projections.upsert_branch(event.branch_id, event.name, event.time_zone)


async def project_student(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    reader = StudentUpdatedV1 if envelope.routing_key == StudentUpdatedV1.routing_key() else StudentRegisteredV1
    e = reader.parse_envelope(envelope)
    await uow.projections.upsert_student(
        StudentRef(e.student_id, e.family_id, e.branch_id, e.first_name, e.last_name))


async def erase_student(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    """Erasure: the name goes; lesson participations stay (they are the family's financial record)
    and the student's calendar feeds stop working."""
    e = StudentErasedV1.parse_envelope(envelope)
    await uow.projections.erase_student(e.student_id, e.family_id)
    await uow.feeds.revoke_owner("student", e.student_id, utcnow())


async def project_staff(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    reader = StaffUpdatedV1 if envelope.routing_key == StaffUpdatedV1.routing_key() else StaffCreatedV1
    e = reader.parse_envelope(envelope)
    await uow.projections.upsert_staff(
        StaffRef(e.staff_id, e.role, tuple(e.branch_ids), e.first_name, e.last_name))


async def attendance_marked(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    """A newly added group member's first attendance is the family's trial (R-SCH-6)."""
    e = AttendanceMarkedV1.parse_envelope(envelope)
    if e.status in ("present", "late"):
        await first_attendance_counts_as_trial(uow, e.lesson_id, e.student_id, utcnow())


async def lesson_conducted(envelope: Envelope, uow: SchedulingUnitOfWork) -> None:
    """Its sheet was saved in learning: the lesson took place (R-LRN-1); a missed one too, if filled late."""
    await uow.lessons.mark_conducted(LessonConductedV1.parse_envelope(envelope).lesson_id)


HANDLERS: dict[str, SchedulingHandler] = {
    BranchCreatedV1.routing_key(): project_branch,
    BranchUpdatedV1.routing_key(): project_branch,
    StudentRegisteredV1.routing_key(): project_student,
    StudentUpdatedV1.routing_key(): project_student,
    StudentErasedV1.routing_key(): erase_student,
    StaffCreatedV1.routing_key(): project_staff,
    StaffUpdatedV1.routing_key(): project_staff,
    AttendanceMarkedV1.routing_key(): attendance_marked,
    LessonConductedV1.routing_key(): lesson_conducted,
}
