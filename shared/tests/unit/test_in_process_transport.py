"""The in-process bus keeps RabbitMQ's contract: retries then dead-letter, malformed dead-lettered at once,
replay, unroutable keys refused, topic bindings; what RabbitMQ keeps durably it keeps in the consumers' stores or
leaves in the outboxes (a dead letter not kept fails the publish, an event for a declared consumer not subscribed
yet waits, a replay asked for from another process is delivered by the running one)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from kabinet.bus.base import BrokerUnavailable, DeadLetter, PublishError, Subscription, Unroutable
from kabinet.bus.memory import InProcessTransport, MemoryDeadLetters
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


async def test_an_event_for_a_declared_consumer_waits_until_it_has_subscribed(bus: InProcessTransport):
    got: list[str] = []

    async def keep(e: Envelope) -> None:
        got.append(e.id)

    bus.declare("c1", ("kt.ping.happened.v1",))
    with pytest.raises(BrokerUnavailable, match="c1 not subscribed yet"):  # the relay keeps the row and retries
        await bus.publish(env(n=1))
    await bus.subscribe(Subscription("c1", ("kt.ping.happened.v1",), keep))
    event = env(n=1)
    await bus.publish(event)
    assert got == [event.id]


async def test_a_dead_letter_that_could_not_be_kept_fails_the_publish(bus: InProcessTransport):
    class Down(MemoryDeadLetters):
        async def add(self, dead: DeadLetter) -> None:
            raise OSError("disk full")

    async def always_fails(e: Envelope) -> None:
        raise RuntimeError("boom")

    await bus.subscribe(Subscription("c1", ("kt.#",), always_fails, dead_letters=Down()))
    [result] = await bus.publish_batch([env(n=1)])
    assert isinstance(result, PublishError) and "not stored" in str(result)  # the outbox row stays unpublished


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(300):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not in time")


async def test_a_replay_asked_for_elsewhere_is_delivered_by_the_running_bus_once():
    store = MemoryDeadLetters()  # stands for the consumer's database, shared by the two processes
    running = InProcessTransport(retry_delay_s=0, replay_poll_s=0.01)
    operator = InProcessTransport(dead_letters={"c1": store})  # kabinet-dlq: never connected, no subscription
    broken = True
    got: list[str] = []

    async def c1(e: Envelope) -> None:
        if broken:
            raise RuntimeError("bug")
        got.append(e.id)

    async def none_requested() -> bool:
        return await store.requested() == []

    await running.connect()
    try:
        await running.subscribe(Subscription("c1", ("kt.#",), c1, dead_letters=store))
        first, second = env(n=1), env(n=2)
        await running.publish(first)
        await running.publish(second)
        assert [d.message_id for d in await operator.dead_letters("c1")] == [first.id, second.id]
        assert await operator.replay_dead_letters("c1", first.id) == 1  # still broken: dead-lettered again
        await _until(none_requested)
        assert {d.message_id for d in await operator.dead_letters("c1")} == {first.id, second.id} and got == []
        broken = False
        assert await operator.replay_dead_letters("c1") == 2
        await _until(none_requested)
        await asyncio.sleep(0.05)  # a second delivery would land now
        assert sorted(got) == sorted([first.id, second.id])  # once each
        assert await operator.dead_letters("c1") == []
    finally:
        await running.close()


async def test_an_outage_of_the_consumers_database_spends_no_try(bus: InProcessTransport):
    down = True
    tries: Counter[str] = Counter()

    async def probe() -> None:
        if down:
            raise ConnectionRefusedError("database down")

    async def handler(e: Envelope) -> None:
        tries[e.id] += 1
        if down:
            raise ConnectionRefusedError("database down")

    await bus.subscribe(Subscription("c1", ("kt.#",), handler, probe=probe))
    event = env(n=1)
    with pytest.raises(BrokerUnavailable):  # the row stays in the outbox; the relay backs off and comes again
        await bus.publish(event)
    assert tries[event.id] == 1 and await bus.dead_letters("c1") == []
    down = False
    await bus.publish(event)
    assert tries[event.id] == 2 and await bus.dead_letters("c1") == []


async def test_an_outage_like_failure_while_the_database_answers_is_the_handlers_own(bus: InProcessTransport):
    async def probe() -> None:
        return None

    async def times_out(e: Envelope) -> None:
        raise TimeoutError("its own call")

    await bus.subscribe(Subscription("c1", ("kt.#",), times_out, probe=probe))
    await bus.publish(env(n=1))  # not waited out forever: 5 tries, then dead-lettered
    [dead] = await bus.dead_letters("c1")
    assert "TimeoutError" in (dead.reason or "")


async def test_a_handler_that_hangs_while_its_database_is_down_spends_no_try():
    """HANDLER_TIMEOUT_S, as on RabbitMQ: a hung handler is cancelled; with the consumer's probe failing that is an
    outage (the row waits in its outbox), with it passing a failed try (the handler's own hang)."""
    bus = InProcessTransport(delivery_limit=4, retry_delay_s=0, handler_timeout_s=0.05)
    await bus.connect()
    down, tries = True, 0

    async def probe() -> None:
        if down:
            raise ConnectionRefusedError("database down")

    async def hangs(e: Envelope) -> None:
        nonlocal tries
        tries += 1
        await asyncio.Event().wait()

    await bus.subscribe(Subscription("c1", ("kt.#",), hangs, probe=probe))
    with pytest.raises(BrokerUnavailable):
        await asyncio.wait_for(bus.publish(env(n=1)), 5)
    assert tries == 1 and await bus.dead_letters("c1") == []
    down = False
    event = env(n=2)
    await asyncio.wait_for(bus.publish(event), 5)
    [dead] = await bus.dead_letters("c1")
    assert tries == 6 and dead.message_id == event.id and "handler ran past 0.05s" in (dead.reason or "")
    await bus.close()
