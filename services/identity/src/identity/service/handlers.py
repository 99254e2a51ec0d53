"""Identity's event handlers: all its subscriptions in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from identity.service.family import open_access
from identity.service.inbound_events import LessonScheduledV1, ParticipantAddedV1, SubscriptionSoldV1
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.events import Envelope

Handler = Callable[[Envelope, IdentityUnitOfWork], Awaitable[None]]


async def open_cabinet_on_subscription(envelope: Envelope, uow: IdentityUnitOfWork) -> None:
    """A non-trial subscription sold, paid or on credit, opens a staff-registered family's cabinet;
    a trial one does not (R-FAM-7). The kit's inbox commits this with the dedup row."""
    event = SubscriptionSoldV1.parse_envelope(envelope)
    if event.trial:
        return
    await open_access(uow, event.family_id,
                      "subscription_sold_on_credit" if event.on_credit else "subscription_sold")


async def remember_lesson_students(envelope: Envelope, uow: IdentityUnitOfWork) -> None:
    """A teacher may see the students of their lessons (and only those): learn the pairs from scheduling."""
    event = LessonScheduledV1.parse_envelope(envelope)
    _remember(uow, [(event.teacher_id, p.student_id) for p in event.participants])


async def remember_added_student(envelope: Envelope, uow: IdentityUnitOfWork) -> None:
    event = ParticipantAddedV1.parse_envelope(envelope)
    _remember(uow, [(event.teacher_id, event.student_id)])


def _remember(uow: IdentityUnitOfWork, pairs: list[tuple[str, str]]) -> None:
    # The pairs of a whole batch are inserted at its commit, in one statement in key order: two batches
    # handled at once never lock the same pairs in opposite orders.
    uow.defer("identity.teachings", pairs, _record_teachings)


async def _record_teachings(uow: IdentityUnitOfWork, pairs: list[tuple[str, str]]) -> None:
    await uow.teachings.record(pairs, datetime.now(UTC))


# bootstrap gives them to the kit's inbox (identity.adapters.unit_of_work.kit_handlers).
HANDLERS: dict[str, Handler] = {
    SubscriptionSoldV1.routing_key(): open_cabinet_on_subscription,
    LessonScheduledV1.routing_key(): remember_lesson_students,
    ParticipantAddedV1.routing_key(): remember_added_student,
}
