"""Learning's event handlers: all its subscriptions in one place (:data:`HANDLERS`), in the kit's explicit form
(kabinet.inbox.Consumer), written against learning's unit of work.

A handler gets the event(s) and learning's unit of work, writes through its repositories and never commits: the
kit commits the inbox row and the effect together. The lesson events are :func:`~kabinet.inbox.batch` handlers
because the projection keeps the time each event occurred (``Delivered.occurred_at``: an older, redelivered event
never undoes a newer one); they apply their events one by one, in the batch's order (:func:`lock_order`).
Nothing is collected across a batch: no state, nothing to finish.
"""

from __future__ import annotations

from collections.abc import Sequence

from kabinet.events import Envelope
from kabinet.inbox import Consumer, Delivered, batch, each
from learning.domain.events import EventsApplied
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


class LessonNotYetKnown(Exception):
    """An event about a lesson whose 'scheduled' has not arrived yet: retried (then dead-lettered)."""


async def lessons_scheduled(events: Sequence[Delivered[LessonScheduledV1]], uow: LearningUnitOfWork,
                            state: None) -> None:
    repo = uow.projections
    for d in events:
        e = d.event
        await repo.upsert_lesson(Lesson(e.lesson_id, e.branch_id, e.teacher_id, e.starts_at, e.ends_at,
                                        e.lesson_type, e.group_id, e.course_id, e.charged_by_default), d.occurred_at)
        await repo.upsert_participants(e.lesson_id, [Participant(p.student_id, p.family_id, p.reason)
                                                     for p in e.participants], d.occurred_at)


async def lessons_rescheduled(events: Sequence[Delivered[LessonRescheduledV1]], uow: LearningUnitOfWork,
                              state: None) -> None:
    repo = uow.projections
    for d in events:
        e = d.event
        if not await repo.lesson_exists(e.lesson_id):
            raise LessonNotYetKnown(e.lesson_id)
        await repo.reschedule(e.lesson_id, e.branch_id, e.starts_at, e.ends_at, e.teacher_id, d.occurred_at)


async def lesson_cancelled(e: LessonCancelledV1, uow: LearningUnitOfWork, state: None) -> None:
    repo = uow.projections
    if not await repo.lesson_exists(e.lesson_id):
        raise LessonNotYetKnown(e.lesson_id)
    await repo.cancel(e.lesson_id)


async def participants_added(events: Sequence[Delivered[ParticipantAddedV1]], uow: LearningUnitOfWork,
                             state: None) -> None:
    """Make-ups and trials added to a lesson appear on its sheet; the event carries the whole lesson."""
    repo = uow.projections
    for d in events:
        e = d.event
        await repo.upsert_lesson(Lesson(e.lesson_id, e.branch_id, e.teacher_id, e.starts_at, e.ends_at,
                                        e.lesson_type, e.group_id, e.course_id, e.charged_by_default), d.occurred_at)
        await repo.upsert_participants(e.lesson_id, [Participant(e.student_id, e.family_id, e.reason)],
                                       d.occurred_at)


async def participants_removed(events: Sequence[Delivered[ParticipantRemovedV1]], uow: LearningUnitOfWork,
                               state: None) -> None:
    repo = uow.projections
    for d in events:
        e = d.event
        if not await repo.lesson_exists(e.lesson_id):
            raise LessonNotYetKnown(e.lesson_id)
        await repo.upsert_participants(e.lesson_id, [Participant(e.student_id, e.family_id, e.reason or "member",
                                                                 active=False)], d.occurred_at)


async def project_student(e: StudentRegisteredV1 | StudentUpdatedV1, uow: LearningUnitOfWork, state: None) -> None:
    await uow.projections.upsert_student(e.student_id, e.family_id, e.branch_id)


async def student_erased(e: StudentErasedV1, uow: LearningUnitOfWork, state: None) -> None:
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


# Bound by the kit's runtime to learning's unit of work (bootstrap: ServiceSpec(service_uow=...)), handled in
# lock_order (ServiceSpec(order_key=...)).
HANDLERS: Consumer[LearningUnitOfWork, None] = Consumer([
    batch(LessonScheduledV1, lessons_scheduled),
    batch(LessonRescheduledV1, lessons_rescheduled),
    each(LessonCancelledV1, lesson_cancelled),
    batch(ParticipantAddedV1, participants_added),
    batch(ParticipantRemovedV1, participants_removed),
    each(StudentRegisteredV1, project_student),
    each(StudentUpdatedV1, project_student),
    each(StudentErasedV1, student_erased),
], applied=EventsApplied)
