"""Scheduling's event handlers: all its subscriptions in one place.

Handlers write through ``uow.session`` and record events with ``uow.publish``; the kit's inbox commits
them together with the inbox row (so a redelivered event changes nothing twice).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import update

from kabinet.db import UnitOfWork
from kabinet.events import Envelope, MalformedEvent
from kabinet.inbox import EventHandler
from scheduling.adapters.repositories import LessonRepository, ProjectionRepository, StaffRef, StudentRef
from scheduling.adapters.tables import calendar_feeds
from scheduling.domain.model import utcnow
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


async def project_branch(envelope: Envelope, uow: UnitOfWork) -> None:
    reader = BranchUpdatedV1 if envelope.routing_key == BranchUpdatedV1.routing_key() else BranchCreatedV1
    event = reader.parse_envelope(envelope)
    try:
        ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MalformedEvent(f"unknown time zone {event.time_zone!r}") from exc
    await ProjectionRepository(uow.session).upsert_branch(event.branch_id, event.name, event.time_zone)


async def project_student(envelope: Envelope, uow: UnitOfWork) -> None:
    reader = StudentUpdatedV1 if envelope.routing_key == StudentUpdatedV1.routing_key() else StudentRegisteredV1
    e = reader.parse_envelope(envelope)
    await ProjectionRepository(uow.session).upsert_student(
        StudentRef(e.student_id, e.family_id, e.branch_id, e.first_name, e.last_name))


async def erase_student(envelope: Envelope, uow: UnitOfWork) -> None:
    """Erasure: the name goes; lesson participations stay (they are the family's financial record)
    and the student's calendar feeds stop working."""
    e = StudentErasedV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).erase_student(e.student_id, e.family_id)
    await uow.session.execute(update(calendar_feeds).where(
        calendar_feeds.c.owner_kind == "student", calendar_feeds.c.owner_id == e.student_id,
        calendar_feeds.c.revoked_at.is_(None)).values(revoked_at=utcnow()))


async def project_staff(envelope: Envelope, uow: UnitOfWork) -> None:
    reader = StaffUpdatedV1 if envelope.routing_key == StaffUpdatedV1.routing_key() else StaffCreatedV1
    e = reader.parse_envelope(envelope)
    await ProjectionRepository(uow.session).upsert_staff(
        StaffRef(e.staff_id, e.role, tuple(e.branch_ids), e.first_name, e.last_name))


async def attendance_marked(envelope: Envelope, uow: UnitOfWork) -> None:
    """A newly added group member's first attendance is the family's trial (R-SCH-6)."""
    e = AttendanceMarkedV1.parse_envelope(envelope)
    if e.status in ("present", "late"):
        await first_attendance_counts_as_trial(uow, e.lesson_id, e.student_id, utcnow())


async def lesson_conducted(envelope: Envelope, uow: UnitOfWork) -> None:
    """Its sheet was saved in learning: the lesson took place (R-LRN-1); a missed one too, if filled late."""
    await LessonRepository(uow.session).mark_conducted(LessonConductedV1.parse_envelope(envelope).lesson_id)


HANDLERS: dict[str, EventHandler] = {
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
