"""The kit's explicit consumer form: each-handlers per event in its context, batch handlers per run of one
type, one state per transaction, the finish step last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pytest

from kabinet.context import current_context
from kabinet.events import Envelope, EventContract
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
