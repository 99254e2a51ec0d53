"""Scheduling's event handlers: all its subscriptions in one place (:data:`HANDLERS`), in the kit's explicit form
(kabinet.inbox.Consumer), written against scheduling's unit of work.

Each handler receives the event and scheduling's unit of work: it writes through the repositories and records
events with ``uow.publish``; the kit's inbox commits them together with the inbox row (so a redelivered event
changes nothing twice). Nothing is collected across a batch: no state, nothing to finish; attendance marks
are handled as a run (``batch``).
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kabinet.events import MalformedEvent
from kabinet.inbox import Consumer, Delivered, batch, each
from scheduling.domain.events import EventsApplied
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
from scheduling.service.trials import first_attendances_count_as_trials
from scheduling.service.unit_of_work import SchedulingUnitOfWork


async def project_branch(event: BranchCreatedV1 | BranchUpdatedV1, uow: SchedulingUnitOfWork, state: None) -> None:
    try:
        ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MalformedEvent(f"unknown time zone {event.time_zone!r}") from exc
    await uow.projections.upsert_branch(event.branch_id, event.name, event.time_zone)


async def project_student(e: StudentRegisteredV1 | StudentUpdatedV1, uow: SchedulingUnitOfWork, state: None) -> None:
    await uow.projections.upsert_student(
        StudentRef(e.student_id, e.family_id, e.branch_id, e.first_name, e.last_name))


async def erase_student(e: StudentErasedV1, uow: SchedulingUnitOfWork, state: None) -> None:
    """Erasure: the name goes; lesson participations stay (they are the family's financial record)
    and the student's calendar feeds stop working."""
    await uow.projections.erase_student(e.student_id, e.family_id)
    await uow.feeds.revoke_owner("student", e.student_id, utcnow())


async def project_staff(e: StaffCreatedV1 | StaffUpdatedV1, uow: SchedulingUnitOfWork, state: None) -> None:
    await uow.projections.upsert_staff(
        StaffRef(e.staff_id, e.role, tuple(e.branch_ids), e.first_name, e.last_name))


async def attendances_marked(events: Sequence[Delivered[AttendanceMarkedV1]], uow: SchedulingUnitOfWork,
                             state: None) -> None:
    """A newly added group member's first attendance is the family's trial (R-SCH-6). A sheet's save marks its
    ten students at once: handled set-wise (each lesson read once, the families' trials in one statement)."""
    await first_attendances_count_as_trials(uow, [
        (d.event.lesson_id, d.event.student_id, d.context) for d in events if d.event.status in ("present", "late")
    ], utcnow())


async def lesson_conducted(e: LessonConductedV1, uow: SchedulingUnitOfWork, state: None) -> None:
    """Its sheet was saved in learning: the lesson took place (R-LRN-1); a missed one too, if filled late."""
    await uow.lessons.mark_conducted(e.lesson_id)


# Bound by the kit's runtime to scheduling's unit of work (bootstrap: ServiceSpec(service_uow=...)).
HANDLERS: Consumer[SchedulingUnitOfWork, None] = Consumer([
    each(BranchCreatedV1, project_branch),
    each(BranchUpdatedV1, project_branch),
    each(StudentRegisteredV1, project_student),
    each(StudentUpdatedV1, project_student),
    each(StudentErasedV1, erase_student),
    each(StaffCreatedV1, project_staff),
    each(StaffUpdatedV1, project_staff),
    # What a mark changes here - a participation turned into the family's trial - is announced with
    # participant.removed/added (learning marks only published lessons: it learns of them from their publishing).
    batch(AttendanceMarkedV1, attendances_marked, announces=True),
    each(LessonConductedV1, lesson_conducted),
], applied=EventsApplied)
