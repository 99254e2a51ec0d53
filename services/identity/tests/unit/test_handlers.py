"""Identity's event handlers on the in-memory unit of work: what billing's and scheduling's events change."""

from __future__ import annotations

from identity_memory import World
from identity_unit_support import branch, staff_family

from identity.domain.events import AccessGranted
from identity.service.handlers import HANDLERS
from kabinet.events import Envelope


def _event(event_type: str, producer: str, **payload: object) -> Envelope:
    return Envelope(type=event_type, version=1, producer=producer, payload=payload)


async def _handle(world: World, *envelopes: Envelope) -> None:
    async with world.uow() as uow:
        await HANDLERS.handle(uow, list(envelopes))
        await uow.commit()


async def test_a_sold_subscription_opens_the_cabinet_and_a_trial_does_not(world: World) -> None:
    b = await branch(world)
    fam = await staff_family(world, b, "+79160000041", ("Masha", "Petrova", "2015-03-01"), open_cabinet=False)
    await _handle(world, _event("billing.subscription.sold", "billing", subscription_id="s1", family_id=fam.id,
                                trial=True))
    assert not world.data.families[fam.id].access_open
    await _handle(world, _event("billing.subscription.sold", "billing", subscription_id="s2", family_id=fam.id,
                                on_credit=True))
    assert world.data.families[fam.id].access_open
    assert world.store.events(AccessGranted)[-1].reason == "subscription_sold_on_credit"


async def test_lesson_events_teach_identity_who_teaches_whom_once_per_pair(world: World) -> None:
    await _handle(world,
                  _event("scheduling.lesson.scheduled", "scheduling", lesson_id="l1", teacher_id="t1",
                         participants=[{"student_id": "s1"}, {"student_id": "s2"}]),
                  _event("scheduling.participant.added", "scheduling", lesson_id="l1", teacher_id="t1",
                         student_id="s1"),
                  _event("scheduling.participant.added", "scheduling", lesson_id="l2", teacher_id="t2",
                         student_id="s3"))
    assert world.data.teachings == {("t1", "s1"), ("t1", "s2"), ("t2", "s3")}
