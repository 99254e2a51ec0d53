"""Learning's event handlers: all its subscriptions in one place (``SUBSCRIPTIONS``: routing key -> handler).

A handler gets the event and learning's unit of work, writes through its repositories and never commits: the
kit commits the inbox row and the effect together (bootstrap wires them to the kit's consumer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kabinet.events import Envelope
from learning.domain.model import Lesson, Participant
from learning.service.inbound_events import (
    LessonCancelledV1,
    LessonRescheduledV1,
    LessonScheduledV1,
    ParticipantAddedV1,
    ParticipantRemovedV1,
    StudentErasedV1,
    StudentRegisteredV1,
    StudentUpdatedV1,
)
from learning.service.unit_of_work import LearningUnitOfWork

LearningHandler = Callable[[Envelope, LearningUnitOfWork], Awaitable[None]]


class LessonNotYetKnown(Exception):
    """An event about a lesson whose 'scheduled' has not arrived yet: retried (then dead-lettered)."""


async def lesson_scheduled(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = LessonScheduledV1.parse_envelope(envelope)
    repo = uow.projections
    await repo.upsert_lesson(Lesson(e.lesson_id, e.branch_id, e.teacher_id, e.starts_at, e.ends_at, e.lesson_type,
                             e.group_id, e.course_id, e.charged_by_default), envelope.occurred_at)
    await repo.upsert_participants(e.lesson_id, [Participant(p.student_id, p.family_id, p.reason)
                                                 for p in e.participants], envelope.occurred_at)


async def lesson_rescheduled(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = LessonRescheduledV1.parse_envelope(envelope)
    repo = uow.projections
    if not await repo.lesson_exists(e.lesson_id):
        raise LessonNotYetKnown(e.lesson_id)
    await repo.reschedule(e.lesson_id, e.branch_id, e.starts_at, e.ends_at, e.teacher_id, envelope.occurred_at)


async def lesson_cancelled(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = LessonCancelledV1.parse_envelope(envelope)
    repo = uow.projections
    if not await repo.lesson_exists(e.lesson_id):
        raise LessonNotYetKnown(e.lesson_id)
    await repo.cancel(e.lesson_id)


async def participant_added(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    """Make-ups and trials added to a lesson appear on its sheet; the event carries the whole lesson."""
    e = ParticipantAddedV1.parse_envelope(envelope)
    repo = uow.projections
    await repo.upsert_lesson(Lesson(e.lesson_id, e.branch_id, e.teacher_id, e.starts_at, e.ends_at, e.lesson_type,
                             e.group_id, e.course_id, e.charged_by_default), envelope.occurred_at)
    await repo.upsert_participants(e.lesson_id, [Participant(e.student_id, e.family_id, e.reason)],
                                   envelope.occurred_at)


async def participant_removed(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = ParticipantRemovedV1.parse_envelope(envelope)
    repo = uow.projections
    if not await repo.lesson_exists(e.lesson_id):
        raise LessonNotYetKnown(e.lesson_id)
    await repo.upsert_participants(e.lesson_id, [Participant(e.student_id, e.family_id, e.reason or "member",
                                                             active=False)], envelope.occurred_at)


async def student_registered(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = StudentRegisteredV1.parse_envelope(envelope)
    await uow.projections.upsert_student(e.student_id, e.family_id, e.branch_id)


async def student_updated(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = StudentUpdatedV1.parse_envelope(envelope)
    await uow.projections.upsert_student(e.student_id, e.family_id, e.branch_id)


async def student_erased(envelope: Envelope, uow: LearningUnitOfWork) -> None:
    e = StudentErasedV1.parse_envelope(envelope)
    await uow.projections.erase_student(e.student_id)
    await uow.sheets.erase_comments(e.student_id)


def lock_order(envelope: Envelope) -> str:
    """The order a batch is handled in (kabinet.inbox.inbox_batch_handler's ``order_key``): by lesson, then by
    student, so two batches handled at once lock ``lessons`` and then ``lesson_participants`` rows (sorted
    within a lesson) in one order, whatever the order of their events."""
    lesson_id = envelope.payload.get("lesson_id")
    if isinstance(lesson_id, str):
        return f"1:{lesson_id}"
    return f"2:{envelope.payload.get('student_id')}"


SUBSCRIPTIONS: dict[str, LearningHandler] = {
    LessonScheduledV1.routing_key(): lesson_scheduled,
    LessonRescheduledV1.routing_key(): lesson_rescheduled,
    LessonCancelledV1.routing_key(): lesson_cancelled,
    ParticipantAddedV1.routing_key(): participant_added,
    ParticipantRemovedV1.routing_key(): participant_removed,
    StudentRegisteredV1.routing_key(): student_registered,
    StudentUpdatedV1.routing_key(): student_updated,
    StudentErasedV1.routing_key(): student_erased,
}
