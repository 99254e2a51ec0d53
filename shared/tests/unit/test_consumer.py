"""The kit's explicit consumer form: each-handlers per event in its context, batch handlers per run of one
type, one state per transaction, the finish step last."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import ClassVar

import pytest

from kabinet.context import current_context
from kabinet.events import Envelope, EventContract
from kabinet.events.applied import EventsApplied
from kabinet.inbox import Consumer, Delivered, batch, consumer_of, each


class Noted(EventContract):
    event_type: ClassVar[str] = "kt.noted"
    n: int


class Counted(EventContract):
    event_type: ClassVar[str] = "kt.counted"
    n: int


def envelope(contract: type[EventContract], n: int) -> Envelope:
    return Envelope(type=contract.event_type, version=1, producer="kt", payload={"n": n}, correlation_id=f"c{n}")


async def test_runs_of_one_type_go_to_the_batch_handler_in_order_and_finish_comes_last() -> None:
    log: list[str] = []

    async def on_noted(events: Sequence[Delivered[Noted]], uow: object, state: list[str]) -> None:
        assert current_context().correlation_id is None  # outside every event's context
        state.append("noted " + ",".join(str(d.event.n) for d in events))
        assert [d.context.correlation_id for d in events] == [f"c{d.event.n}" for d in events]

    async def on_counted(event: Counted, uow: object, state: list[str]) -> None:
        assert current_context().correlation_id == f"c{event.n}"  # in its own context
        state.append(f"counted {event.n}")

    async def finish(uow: object, state: list[str]) -> None:
        log.extend(state)
        log.append("finish")

    consumer: Consumer[object, list[str]] = Consumer([batch(Noted, on_noted), each(Counted, on_counted)],
                                                     start=list, finish=finish)
    assert sorted(consumer) == [Counted.routing_key(), Noted.routing_key()]
    await consumer.handle(object(), [envelope(Noted, 1), envelope(Noted, 2), envelope(Counted, 3),
                                     envelope(Counted, 4), envelope(Noted, 5)])
    assert log == ["noted 1,2", "counted 3", "counted 4", "noted 5", "finish"]
    log.clear()
    await consumer.handle(object(), [])  # a fresh state per transaction; finish runs even with nothing new
    assert log == ["finish"]


async def test_two_handlers_for_one_key_are_refused_and_the_older_mapping_still_works() -> None:
    async def on_counted(event: Counted, uow: object, state: None) -> None:
        return None

    async def finish(uow: object, state: None) -> None:
        return None

    with pytest.raises(ValueError, match="two handlers"):
        Consumer([each(Counted, on_counted), each(Counted, on_counted)], start=lambda: None, finish=finish)
    seen: list[int] = []

    async def legacy(env: Envelope, uow: object) -> None:
        seen.append(env.payload["n"])

    await consumer_of({Counted.routing_key(): legacy}).handle(object(), [envelope(Counted, 1), envelope(Counted, 2)])
    assert seen == [1, 2]


async def test_a_bound_consumer_gives_its_handlers_and_finish_the_service_unit_of_work() -> None:
    """ServiceSpec(handlers=..., service_uow=...): the runtime runs ``handlers.bound(service_uow)`` on the kit's
    unit of work; every route and the finish step get the service's unit of work over it. Without start and
    finish a consumer has no state and nothing to finish."""
    seen: list[tuple[str, object]] = []

    class Kit:
        pass

    class Service:
        def __init__(self, kit: Kit) -> None:
            self.kit = kit

    async def on_counted(event: Counted, uow: Service, state: None) -> None:
        seen.append((f"counted {event.n}", uow.kit))

    async def on_noted(events: Sequence[Delivered[Noted]], uow: Service, state: None) -> None:
        seen.append(("noted " + ",".join(str(d.event.n) for d in events), uow.kit))
        assert all(d.occurred_at is not None for d in events)

    stateless: Consumer[Service, None] = Consumer([each(Counted, on_counted), batch(Noted, on_noted)])
    assert stateless.start() is None
    kit = Kit()
    bound: Consumer[Kit, None] = stateless.bound(Service)
    assert sorted(bound) == sorted(stateless)
    assert [bound[k].handler_name for k in sorted(bound)] == [stateless[k].handler_name for k in sorted(stateless)]
    await bound.handle(kit, [envelope(Counted, 1), envelope(Noted, 2)])
    assert seen == [("counted 1", kit), ("noted 2", kit)]

    finished: list[object] = []

    async def finish(uow: Service, state: list[int]) -> None:
        finished.append(uow.kit)

    async def collect(event: Counted, uow: Service, state: list[int]) -> None:
        state.append(event.n)

    with_state: Consumer[Service, list[int]] = Consumer([each(Counted, collect)], start=list, finish=finish)
    await with_state.bound(Service).handle(kit, [envelope(Counted, 3)])
    assert finished == [kit]


class Applied(EventsApplied):
    event_type: ClassVar[str] = "kt.events.applied"


class Outbox:
    def __init__(self) -> None:
        self.published: list[EventContract] = []

    def publish(self, event: EventContract) -> None:
        self.published.append(event)


async def test_what_silent_routes_applied_is_published_once_per_transaction_after_finish() -> None:
    """A route that does not announce its changes: the transaction that applied its events publishes one
    EventsApplied naming what they named (per routing key and payload shape: the ids they change, those they name
    as context); a route that announces adds nothing; a transaction of announcing routes only publishes nothing."""
    lesson, student, family, branch = (str(uuid.uuid4()) for _ in range(4))
    order: list[str] = []

    async def on_noted(event: Noted, uow: Outbox, state: None) -> None:
        order.append("noted")

    async def on_counted(event: Counted, uow: Outbox, state: None) -> None:
        return None

    async def finish(uow: Outbox, state: None) -> None:
        order.append(f"finish, {len(uow.published)} published")

    consumer: Consumer[Outbox, None] = Consumer([each(Noted, on_noted), each(Counted, on_counted, announces=True)],
                                                start=lambda: None, finish=finish, applied=Applied)
    marked = [Envelope(type=Noted.event_type, version=1, producer="kt", payload={"n": 1, "lesson_id": lesson,
                       "student_id": s, "branch_id": branch}, changed_ids=(lesson, s)) for s in (student, family)]
    before = Envelope(type=Noted.event_type, version=1, producer="kt", payload={"n": 2, "lesson_id": lesson})
    outbox = Outbox()
    await consumer.handle(outbox, [*marked, envelope(Counted, 3), before])
    assert order == ["noted", "noted", "noted", "finish, 0 published"]  # published after the finish step
    [applied] = outbox.published
    assert isinstance(applied, Applied)
    assert applied.to_payload() == {"applied": [
        {"routing_key": Noted.routing_key(), "fields": ["branch_id", "lesson_id", "n", "student_id"],
         "changed": sorted([lesson, student, family]), "context": [branch]},
        {"routing_key": Noted.routing_key(), "fields": ["lesson_id", "n"], "changed": [lesson], "context": []}]}

    outbox = Outbox()
    await consumer.handle(outbox, [envelope(Counted, 4)])
    assert outbox.published == []
