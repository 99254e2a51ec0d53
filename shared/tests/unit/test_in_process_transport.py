"""The in-process bus keeps RabbitMQ's contract: retries then dead-letter, malformed dead-lettered at once,
replay, unroutable keys refused, topic bindings."""

from __future__ import annotations

from collections import Counter

import pytest

from kabinet.bus.base import Subscription, Unroutable
from kabinet.bus.memory import InProcessTransport
from kabinet.events import Envelope, MalformedEvent


def env(key_type: str = "kt.ping.happened", **payload: object) -> Envelope:
    return Envelope(type=key_type, version=1, producer="kt", payload=dict(payload))


@pytest.fixture
async def bus() -> InProcessTransport:
    t = InProcessTransport(delivery_limit=4, retry_delay_s=0)
    await t.connect()
    return t


async def test_failing_handler_is_retried_then_dead_lettered(bus: InProcessTransport):
    tries: Counter[str] = Counter()

    async def always_fails(e: Envelope) -> None:
        tries[e.id] += 1
        raise RuntimeError("boom")

    await bus.subscribe(Subscription("c1", ("kt.#",), always_fails))
    event = env(n=1)
    await bus.publish(event)  # does not raise: the failure is the consumer's, not the publisher's
    assert tries[event.id] == 5  # 1 try + delivery_limit redeliveries
    [dead] = await bus.dead_letters("c1")
    assert dead.message_id == event.id and dead.routing_key == "kt.ping.happened.v1"
    assert "boom" in (dead.reason or "")


async def test_transient_failure_succeeds_on_a_retry(bus: InProcessTransport):
    calls: list[str] = []

    async def flaky(e: Envelope) -> None:
        calls.append(e.id)
        if len(calls) < 3:
            raise RuntimeError("not yet")

    await bus.subscribe(Subscription("c1", ("kt.ping.happened.v1",), flaky))
    await bus.publish(env(n=1))
    assert len(calls) == 3 and await bus.dead_letters("c1") == []


async def test_malformed_is_dead_lettered_at_once(bus: InProcessTransport):
    calls = 0

    async def rejects(e: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise MalformedEvent("payload does not match")

    await bus.subscribe(Subscription("c1", ("kt.#",), rejects))
    await bus.publish(env(n="x"))
    assert calls == 1
    [dead] = await bus.dead_letters("c1")
    assert dead.reason is not None and dead.reason.startswith("malformed")


async def test_replay_redelivers_to_that_consumer_only(bus: InProcessTransport):
    broken = True
    got: dict[str, list[str]] = {"c1": [], "c2": []}

    async def c1(e: Envelope) -> None:
        if broken:
            raise RuntimeError("bug")
        got["c1"].append(e.id)

    async def c2(e: Envelope) -> None:
        got["c2"].append(e.id)

    await bus.subscribe(Subscription("c1", ("kt.#",), c1))
    await bus.subscribe(Subscription("c2", ("kt.*.happened.v1",), c2))
    first, second = env(n=1), env(n=2)
    await bus.publish(first)
    await bus.publish(second)
    assert len(await bus.dead_letters("c1")) == 2 and got["c2"] == [first.id, second.id]
    broken = False
    assert await bus.replay_dead_letters("c1", message_id=second.id) == 1
    assert got["c1"] == [second.id]
    assert [d.message_id for d in await bus.dead_letters("c1")] == [first.id]
    assert await bus.replay_dead_letters("c1") == 1
    assert got["c1"] == [second.id, first.id] and await bus.dead_letters("c1") == []
    assert got["c2"] == [first.id, second.id]  # replay did not reach the other consumer


async def test_handlers_see_a_json_round_tripped_copy(bus: InProcessTransport):
    seen: list[Envelope] = []

    async def keep(e: Envelope) -> None:
        seen.append(e)

    await bus.subscribe(Subscription("c1", ("kt.#",), keep))
    event = env(n=1, when=None)
    await bus.publish(event)
    assert seen == [event] and seen[0] is not event


async def test_unroutable_key_is_refused_and_unbound_keys_are_not_delivered(bus: InProcessTransport):
    got: list[str] = []

    async def keep(e: Envelope) -> None:
        got.append(e.routing_key)

    await bus.subscribe(Subscription("c1", ("kt.ping.*",), keep))  # one word only: never matches ".v1" keys
    with pytest.raises(Unroutable):
        await bus.publish(env("kt.nobody.listens"))
    with pytest.raises(Unroutable):
        await bus.publish(env("kt.ping.happened"))
    assert got == []
    assert bus.is_connected()
    await bus.close()
    assert not bus.is_connected()


async def test_publish_batch_reports_one_result_per_envelope_in_order(bus: InProcessTransport):
    got: list[int] = []

    async def keep(e: Envelope) -> None:
        got.append(int(e.payload["n"]))

    await bus.subscribe(Subscription("c1", ("kt.ping.happened.v1",), keep))
    results = await bus.publish_batch([env(n=1), env("kt.nobody.listens", n=2), env(n=3)])
    assert results[0] is None and isinstance(results[1], Unroutable) and results[2] is None
    assert got == [1, 3]
