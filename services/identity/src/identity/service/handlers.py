"""Identity's event handlers: all its subscriptions in one place (:data:`HANDLERS`), in the kit's explicit form
(kabinet.inbox.Consumer), written against identity's unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from identity.domain.events import EventsApplied, LeadCreated, QuestionAsked
from identity.service import notify, notify_staff
from identity.service.family import open_access
from identity.service.inbound_events import LessonScheduledV1, ParticipantAddedV1, SubscriptionSoldV1
from identity.service.notify_events import (
    GradePostedV1,
    HomeworkAssignedV1,
    LessonCancelledV1,
    LessonChargedV1,
    LessonRescheduledV1,
    ParticipantRemovedV1,
    PaymentReceivedV1,
    QuestionAnsweredV1,
    SubscriptionEndingV1,
    SubscriptionExpiredV1,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.inbox import Consumer, batch, each

# The (teacher, student) pairs a batch of events taught: inserted by the consumer's finish step.
Teachings = set[tuple[str, str]]


async def open_cabinet_on_subscription(event: SubscriptionSoldV1, uow: IdentityUnitOfWork,
                                       teachings: Teachings) -> None:
    """A non-trial subscription sold, paid or on credit, opens a staff-registered family's cabinet;
    a trial one does not (R-FAM-7). The kit's inbox commits this with the dedup row."""
    if event.trial:
        return
    await open_access(uow, event.family_id, "subscription_sold_on_credit" if event.on_credit else "subscription_sold")


async def remember_lesson_students(event: LessonScheduledV1, uow: IdentityUnitOfWork, teachings: Teachings) -> None:
    """A teacher may see the students of their lessons (and only those): learn the pairs from scheduling. The
    families are told (notifications)."""
    teachings.update((event.teacher_id, p.student_id) for p in event.participants)
    await notify.lesson_scheduled(event, uow)


async def remember_added_student(event: ParticipantAddedV1, uow: IdentityUnitOfWork, teachings: Teachings) -> None:
    teachings.add((event.teacher_id, event.student_id))
    await notify.participant_added(event, uow)


async def record_teachings(uow: IdentityUnitOfWork, teachings: Teachings) -> None:
    """The finish step: the pairs of a whole batch in one statement in key order, so two batches handled at
    once never lock the same pairs in opposite orders."""
    if teachings:
        await uow.teachings.record(sorted(teachings), datetime.now(UTC))


# Bound by the kit's runtime to identity's unit of work over the inbox's (bootstrap: ServiceSpec(service_uow=...)).
HANDLERS: Consumer[IdentityUnitOfWork, Teachings] = Consumer(
    [
        each(SubscriptionSoldV1, open_cabinet_on_subscription),
        each(LessonScheduledV1, remember_lesson_students),
        each(ParticipantAddedV1, remember_added_student),
        # Notifications only (identity.service.notify; docs/notifications.md). They change nothing the gateway
        # keeps - a guardian's notifications are read by myNotifications, which it never caches - so they
        # announce (nothing): a payment or a grade does not drop the family's identity answers.
        each(LessonRescheduledV1, notify.on_lesson_rescheduled, announces=True),
        each(LessonCancelledV1, notify.on_lesson_cancelled, announces=True),
        each(ParticipantRemovedV1, notify.on_participant_removed, announces=True),
        # Set-wise (batch): a sheet's ten grades or a run of charges are a few statements, not four a family.
        batch(LessonChargedV1, notify.on_lessons_charged, announces=True),
        batch(PaymentReceivedV1, notify.on_payments_received, announces=True),
        batch(SubscriptionExpiredV1, notify.on_subscriptions_expired, announces=True),
        batch(SubscriptionEndingV1, notify.on_subscriptions_ending, announces=True),
        batch(GradePostedV1, notify.on_grades_posted, announces=True),
        batch(HomeworkAssignedV1, notify.on_homework_assigned, announces=True),
        # Identity's own event read back: the answer was committed with it (docs/notifications.md).
        each(QuestionAnsweredV1, notify.on_question_answered, announces=True),
        # Staff's (identity's own events, read back through its inbox): a branch's admins told of its leads
        # and questions.
        batch(LeadCreated, notify_staff.on_leads_created, announces=True),
        batch(QuestionAsked, notify_staff.on_questions_asked, announces=True),
    ],
    start=set,
    finish=record_teachings,
    applied=EventsApplied,
)
