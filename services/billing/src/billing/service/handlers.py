"""Billing's event handlers: all its subscriptions in one place.

The kit's inbox makes each delivery idempotent and commits after the handler returns; handlers only write.
"""

from __future__ import annotations

from billing.adapters.repositories import ProjectionRepository
from billing.domain.errors import LessonNotKnownYet
from billing.service.inbound_events import (
    AttendanceMarkedV1,
    BranchCreatedV1,
    BranchUpdatedV1,
    LessonCancelledV1,
    LessonRescheduledV1,
    LessonScheduledV1,
    ParticipantAddedV1,
    ParticipantRemovedV1,
    StudentErasedV1,
    StudentRegisteredV1,
    StudentUpdatedV1,
)
from billing.service.lesson_charges import (
    CHARGE_ON_ATTENDANCE,
    CHARGE_ON_SCHEDULING,
    CHARGED_STATUSES,
    charge_mode,
    charge_participant,
    ensure_account,
    refund_charges,
)
from kabinet.db import UnitOfWork
from kabinet.events import Envelope
from kabinet.inbox import EventHandler


async def on_student_registered(envelope: Envelope, uow: UnitOfWork) -> None:
    """A family's first registered student opens its account; later students share it (R-BIL-1)."""
    event = StudentRegisteredV1.parse_envelope(envelope)
    await _project_student(uow, event)
    await ensure_account(uow, event.family_id)


async def on_student_updated(envelope: Envelope, uow: UnitOfWork) -> None:
    await _project_student(uow, StudentUpdatedV1.parse_envelope(envelope))


async def _project_student(uow: UnitOfWork, e: StudentRegisteredV1) -> None:
    name = f"{e.first_name} {e.last_name}".strip()
    await ProjectionRepository(uow.session).upsert_student(e.student_id, e.family_id, e.branch_id, name)
    if e.branch_id:
        await ProjectionRepository(uow.session).ensure_branch(e.branch_id)


async def on_student_erased(envelope: Envelope, uow: UnitOfWork) -> None:
    event = StudentErasedV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).erase_student(event.student_id)


async def on_branch(envelope: Envelope, uow: UnitOfWork) -> None:
    event = BranchCreatedV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).upsert_branch(event.branch_id, event.name, event.time_zone)


async def on_lesson_scheduled(envelope: Envelope, uow: UnitOfWork) -> None:
    e = LessonScheduledV1.parse_envelope(envelope)
    repo = ProjectionRepository(uow.session)
    await repo.upsert_lesson(lesson_id=e.lesson_id, branch_id=e.branch_id, group_id=e.group_id,
                             course_id=e.course_id, teacher_id=e.teacher_id, lesson_type=e.lesson_type,
                             charged_by_default=e.charged_by_default, starts_at=e.starts_at,
                             price=e.price.amount if e.price else None,
                             currency=e.price.currency if e.price else "RUB")
    charge_now = await charge_mode(uow, e.branch_id) == CHARGE_ON_SCHEDULING
    lesson = await repo.lesson(e.lesson_id)
    assert lesson is not None
    for part in e.participants:
        await repo.upsert_participant(e.lesson_id, part.student_id, part.family_id, part.price.amount,
                                      part.price.currency)
        if charge_now:
            await charge_participant(uow, lesson, part.student_id, part.family_id, part.price.amount,
                                     part.price.currency)


async def on_participant_added(envelope: Envelope, uow: UnitOfWork) -> None:
    e = ParticipantAddedV1.parse_envelope(envelope)
    repo = ProjectionRepository(uow.session)
    if await repo.lesson(e.lesson_id) is None:
        await repo.upsert_lesson(lesson_id=e.lesson_id, branch_id=e.branch_id, group_id=e.group_id,
                                 course_id=e.course_id, teacher_id=e.teacher_id, lesson_type=e.lesson_type,
                                 charged_by_default=e.charged_by_default, starts_at=e.starts_at)
    await repo.upsert_participant(e.lesson_id, e.student_id, e.family_id, e.price.amount, e.price.currency)
    if await charge_mode(uow, e.branch_id) == CHARGE_ON_SCHEDULING:
        lesson = await repo.lesson(e.lesson_id)
        assert lesson is not None
        await charge_participant(uow, lesson, e.student_id, e.family_id, e.price.amount, e.price.currency)


async def on_participant_removed(envelope: Envelope, uow: UnitOfWork) -> None:
    e = ParticipantRemovedV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).remove_participant(e.lesson_id, e.student_id)
    await refund_charges(uow, e.lesson_id, e.student_id, "removed from the lesson")


async def on_lesson_cancelled(envelope: Envelope, uow: UnitOfWork) -> None:
    e = LessonCancelledV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).cancel_lesson(e.lesson_id)
    await refund_charges(uow, e.lesson_id, None, f"lesson cancelled{': ' + e.reason if e.reason else ''}")


async def on_lesson_rescheduled(envelope: Envelope, uow: UnitOfWork) -> None:
    """Rescheduling moves no money: the charge stays with the lesson."""
    e = LessonRescheduledV1.parse_envelope(envelope)
    await ProjectionRepository(uow.session).reschedule_lesson(e.lesson_id, e.starts_at)


async def on_attendance_marked(envelope: Envelope, uow: UnitOfWork) -> None:
    """In branches that charge at attendance (the AlfaCRM way): present/late/absent charge, excused refunds."""
    e = AttendanceMarkedV1.parse_envelope(envelope)
    if await charge_mode(uow, e.branch_id) != CHARGE_ON_ATTENDANCE:
        return
    repo = ProjectionRepository(uow.session)
    lesson = await repo.lesson(e.lesson_id)
    if lesson is None:
        raise LessonNotKnownYet(e.lesson_id)  # retried: scheduling's event is on its way
    part = await repo.participant(e.lesson_id, e.student_id)
    if part is None:
        if e.family_id is None or lesson.price is None:
            raise LessonNotKnownYet(f"{e.lesson_id}/{e.student_id}")
        await repo.upsert_participant(e.lesson_id, e.student_id, e.family_id, lesson.price, lesson.currency)
        part = await repo.participant(e.lesson_id, e.student_id)
        assert part is not None
    if not await repo.record_attendance(e.lesson_id, e.student_id, e.status, e.revision):
        return  # an older revision arriving late changes nothing
    if e.status in CHARGED_STATUSES:
        await charge_participant(uow, lesson, e.student_id, part.family_id, part.price, part.currency)
    else:
        await refund_charges(uow, e.lesson_id, e.student_id, f"attendance: {e.status}")


HANDLERS: dict[str, EventHandler] = {
    StudentRegisteredV1.routing_key(): on_student_registered,
    StudentUpdatedV1.routing_key(): on_student_updated,
    StudentErasedV1.routing_key(): on_student_erased,
    BranchCreatedV1.routing_key(): on_branch,
    BranchUpdatedV1.routing_key(): on_branch,
    LessonScheduledV1.routing_key(): on_lesson_scheduled,
    LessonRescheduledV1.routing_key(): on_lesson_rescheduled,
    LessonCancelledV1.routing_key(): on_lesson_cancelled,
    ParticipantAddedV1.routing_key(): on_participant_added,
    ParticipantRemovedV1.routing_key(): on_participant_removed,
    AttendanceMarkedV1.routing_key(): on_attendance_marked,
}
