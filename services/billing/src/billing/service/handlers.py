"""Billing's event handlers: all its subscriptions in one place (:data:`HANDLERS`).

The kit's inbox makes each delivery idempotent and commits after the handlers and the finish step. Each
handler gets the batch's :class:`~billing.service.postings.Postings`: what it charges or refunds is
collected there, and :func:`~billing.service.postings.post_batch` (the consumer's finish step) posts all
of a batch's postings together, in account-id lock order (see postings.py). Published lessons are handled
set-wise: :func:`on_lessons_scheduled` gets every consecutive lesson-scheduled event of the batch at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from billing.domain.errors import LessonNotKnownYet
from billing.domain.events import EventsApplied
from billing.domain.records import Lesson, Participant
from billing.service.inbound_events import (
    AttendanceMarkedV1,
    BranchCreatedV1,
    BranchUpdatedV1,
    LessonCancelledV1,
    LessonRescheduledV1,
    LessonScheduledV1,
    ParticipantAddedV1,
    ParticipantRemovedV1,
    StaffCreatedV1,
    StaffUpdatedV1,
    StudentErasedV1,
    StudentRegisteredV1,
    StudentUpdatedV1,
)
from billing.service.lesson_charges import (
    CHARGE_ON_ATTENDANCE,
    CHARGE_ON_SCHEDULING,
    CHARGED_STATUSES,
    FREE_TRIAL,
    MAKEUP,
    Seat,
    charge_lessons,
    charge_mode,
    charge_participant,
    ensure_account,
    mode_of,
    refund_charges,
)
from billing.service.postings import Postings, post_batch
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.context import EventContext, event_context
from kabinet.inbox import Consumer, Delivered, batch, each


async def on_student_registered(event: StudentRegisteredV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    """A family's first registered student opens its account; later students share it (R-BIL-1)."""
    await _project_student(uow, event)
    await ensure_account(uow, event.family_id)


async def on_student_updated(event: StudentUpdatedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    await _project_student(uow, event)


async def _project_student(uow: BillingUnitOfWork, e: StudentRegisteredV1) -> None:
    name = f"{e.first_name} {e.last_name}".strip()
    await uow.projections.upsert_student(e.student_id, e.family_id, e.branch_id, name)
    if e.branch_id:
        await uow.projections.ensure_branch(e.branch_id)


async def on_staff(e: StaffCreatedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    """Staff names, for the statement's lines they made (adjustments, payments)."""
    await uow.projections.upsert_staff(e.staff_id, f"{e.first_name} {e.last_name}".strip())


async def on_student_erased(event: StudentErasedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    await uow.projections.erase_student(event.student_id)


async def on_branch(event: BranchCreatedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    await uow.projections.upsert_branch(event.branch_id, event.name, event.time_zone)


async def on_lessons_scheduled(events: Sequence[Delivered[LessonScheduledV1]], uow: BillingUnitOfWork,
                               postings: Postings) -> None:
    """Project the published lessons and their rosters and, where the branch charges at scheduling, charge
    them: a few statements for the whole run of events instead of a dozen per lesson. The charges carry the
    context of the event of their lesson."""
    repo = uow.projections
    # The same lesson twice in one batch (published again): the later event's roster, charged after.
    waves: list[dict[str, LessonScheduledV1]] = []
    contexts: list[dict[str, EventContext]] = []
    for delivered in events:
        e, ctx = delivered.event, delivered.context
        i = next((i for i, w in enumerate(waves) if e.lesson_id not in w), None)
        if i is None:
            i = len(waves)
            waves.append({})
            contexts.append({})
        waves[i][e.lesson_id] = e
        contexts[i][e.lesson_id] = ctx
    for wave, wave_contexts in zip(waves, contexts, strict=True):
        await repo.upsert_lessons([_lesson(e, e.price.amount if e.price else None,
                                           e.price.currency if e.price else "RUB") for e in wave.values()])
        rosters = {e.lesson_id: {p.student_id: p for p in e.participants} for e in wave.values()}
        await repo.upsert_participants([
            Participant(lid, p.student_id, p.family_id, p.price.amount, p.price.currency, p.reason)
            for lid, roster in rosters.items() for p in roster.values()])
        branches = await repo.branches_by_ids(sorted({e.branch_id for e in wave.values()}))
        charged_here = [e for e in wave.values() if mode_of(branches.get(e.branch_id)) == CHARGE_ON_SCHEDULING]
        if not charged_here:
            continue
        lessons = await repo.lessons_by_ids([e.lesson_id for e in charged_here])
        # Make-up places whose participant.added came before this event (see on_participant_added); one
        # already charged is not charged again (the charges' unique active key).
        places: dict[str, list[Seat]] = {}
        for p in await repo.makeup_places([e.lesson_id for e in charged_here]):
            if p.student_id not in rosters[p.lesson_id]:
                places.setdefault(p.lesson_id, []).append(Seat(p.student_id, p.family_id, p.price, p.currency,
                                                               p.reason))
        await charge_lessons(uow, postings, [
            (lessons[e.lesson_id], [*(Seat(p.student_id, p.family_id, p.price.amount, p.price.currency, p.reason)
                                      for p in rosters[e.lesson_id].values() if p.reason != FREE_TRIAL),
                                    *places.get(e.lesson_id, ())])
            for e in charged_here], branches, wave_contexts)


def _lesson(e: ParticipantAddedV1 | LessonScheduledV1, price: Decimal | None, currency: str) -> Lesson:
    return Lesson(e.lesson_id, e.branch_id, e.group_id, e.course_id, e.teacher_id, e.lesson_type,
                  e.charged_by_default, e.starts_at, price, currency)


async def on_participant_added(e: ParticipantAddedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    repo = uow.projections
    place = Participant(e.lesson_id, e.student_id, e.family_id, e.price.amount, e.price.currency, e.reason)
    if await repo.lesson(e.lesson_id) is None:
        if e.reason == MAKEUP:
            # A make-up place's event carries the make-up type's facts (type "makeup", not charged by default),
            # not its lesson's, and lesson.scheduled's roster leaves make-up places out: before the lesson is
            # known (the other consumer worker may be handling it now) the place is kept and that event charges
            # it. If the lesson's insert was committed meanwhile, the lesson is known: charged here as usual.
            if await repo.add_lesson_if_absent(_lesson(e, None, "RUB")):
                await repo.upsert_participants([place])
                return
        else:
            # Never overwriting: the other worker may have committed the lesson's lesson.scheduled since the
            # read above, and its price (attendance charging uses it) is not in this event.
            await repo.add_lesson_if_absent(_lesson(e, None, "RUB"))
    await repo.upsert_participants([place])
    if e.reason == FREE_TRIAL:
        return  # the family's one free trial (R-SCH-6): neither money nor a subscription's lesson
    if await charge_mode(uow, e.branch_id) == CHARGE_ON_SCHEDULING:
        lesson = await repo.lesson(e.lesson_id)
        assert lesson is not None
        await charge_participant(uow, postings, lesson, e.student_id, e.family_id, e.price.amount,
                                 e.price.currency, e.reason)


async def on_participant_removed(e: ParticipantRemovedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    await uow.projections.remove_participant(e.lesson_id, e.student_id)
    await refund_charges(uow, postings, e.lesson_id, e.student_id, "removed from the lesson")


async def on_lesson_cancelled(e: LessonCancelledV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    await uow.projections.cancel_lesson(e.lesson_id)
    await refund_charges(uow, postings, e.lesson_id, None, f"lesson cancelled{': ' + e.reason if e.reason else ''}")


async def on_lesson_rescheduled(e: LessonRescheduledV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    """Rescheduling moves no money: the charge stays with the lesson."""
    await uow.projections.reschedule_lesson(e.lesson_id, e.starts_at)


async def on_attendances_marked(events: Sequence[Delivered[AttendanceMarkedV1]], uow: BillingUnitOfWork,
                                postings: Postings) -> None:
    """In branches that charge at attendance (the AlfaCRM way): present/late/absent charge, excused refunds. A
    sheet's save marks its students at once: the run's branches are read in one statement (most charge at
    scheduling, and then a mark changes nothing here), each mark handled in its own event's context."""
    branches = await uow.projections.branches_by_ids(sorted({d.event.branch_id for d in events}))
    for d in events:
        if mode_of(branches.get(d.event.branch_id)) != CHARGE_ON_ATTENDANCE:
            continue
        with event_context(d.context.correlation_id, d.context.causation_id):
            await _attendance_marked(d.event, uow, postings)


async def _attendance_marked(e: AttendanceMarkedV1, uow: BillingUnitOfWork, postings: Postings) -> None:
    repo = uow.projections
    lesson = await repo.lesson(e.lesson_id)
    if lesson is None:
        raise LessonNotKnownYet(e.lesson_id)  # retried: scheduling's event is on its way
    part = await repo.participant(e.lesson_id, e.student_id)
    if part is None:
        if e.family_id is None or lesson.price is None:
            raise LessonNotKnownYet(f"{e.lesson_id}/{e.student_id}")
        await repo.upsert_participants([Participant(e.lesson_id, e.student_id, e.family_id, lesson.price,
                                                    lesson.currency)])
        part = await repo.participant(e.lesson_id, e.student_id)
        assert part is not None
    if not await repo.record_attendance(e.lesson_id, e.student_id, e.status, e.revision):
        return  # an older revision arriving late changes nothing
    if part.removed:
        return  # no longer on the lesson (e.g. the participation became the free trial): nothing to charge
    if e.status in CHARGED_STATUSES:
        await charge_participant(uow, postings, lesson, e.student_id, part.family_id, part.price,
                                 part.currency, part.reason)
    else:
        await refund_charges(uow, postings, e.lesson_id, e.student_id, f"attendance: {e.status}")


# Bound by the kit's runtime to billing's unit of work (bootstrap: ServiceSpec(service_uow=...)).
HANDLERS: Consumer[BillingUnitOfWork, Postings] = Consumer(
    [
        each(StudentRegisteredV1, on_student_registered),
        each(StudentUpdatedV1, on_student_updated),
        each(StudentErasedV1, on_student_erased),
        each(StaffCreatedV1, on_staff),
        each(StaffUpdatedV1, on_staff),
        each(BranchCreatedV1, on_branch),
        each(BranchUpdatedV1, on_branch),
        # A lesson and its seats show in billing's answers only through their charges (a statement line's lesson
        # and list price), announced with them (lesson.charged, charge.refunded, balance.changed).
        batch(LessonScheduledV1, on_lessons_scheduled, announces=True),
        each(LessonRescheduledV1, on_lesson_rescheduled),
        each(LessonCancelledV1, on_lesson_cancelled),
        each(ParticipantAddedV1, on_participant_added, announces=True),
        each(ParticipantRemovedV1, on_participant_removed, announces=True),
        # What a mark changes here is announced: a charge (lesson.charged, balance.changed) or a refund
        # (charge.refunded); the attendance and price kept beside the participant show in no answer alone.
        batch(AttendanceMarkedV1, on_attendances_marked, announces=True),
    ],
    start=Postings,
    finish=post_batch,
    applied=EventsApplied,
)
