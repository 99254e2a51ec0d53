"""Several events per AMQP message (kabinet.bus.wire) on the real broker: each event is still applied exactly once,
a bad event inside a batch is dead-lettered alone, a retry or a killed consumer loses and duplicates nothing, and
single-event messages (older producers, replays) and the gateway's feed keep working."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aio_pika
import orjson

from gateway.subscriptions.feed import RabbitFeed
from kabinet.bus.rabbit import RabbitTransport
from kabinet.bus.wire import BATCH_CONTENT_TYPE, EVENTS_HEADER, encode_batch
from kabinet.events import Envelope
from kabinet.metrics import BUS_MESSAGES, EVENTS_HANDLED
from kabinet.testing.stack import eventually, running

HERE = Path(__file__).parent


async def produce(runtime: Any, kt: Any, numbers: range) -> list[str]:
    """One commit: the relay publishes the rows together, so the transport packs them into batch messages."""
    async with runtime.uow() as uow:
        ids = [uow.publish(kt.Ping(n=n)).id for n in numbers]
        await uow.commit()
    return ids


async def exactly_once(runtime: Any, kt: Any, expected: int, timeout_s: float = 30) -> None:
    await kt.assert_exactly_once(runtime.engine, expected, timeout_s)


def _messages(consumer: str, kind: str) -> float:
    return float(BUS_MESSAGES.labels(consumer, kind)._value.get())


async def test_a_batch_of_events_arrives_as_fewer_messages_each_applied_once(kt_module, kt_db, make_runtime):
    kt = kt_module
    runtime = make_runtime(await kt_db(), kt.Behaviour())
    batches, singles = _messages(kt.NAME, "batch"), _messages(kt.NAME, "single")
    async with running(runtime, migrate=False):
        await produce(runtime, kt, range(250))
        await exactly_once(runtime, kt, 250)
    got_batches, got_singles = _messages(kt.NAME, "batch") - batches, _messages(kt.NAME, "single") - singles
    # 250 events of one key: at most 100 a message (EVENTS_PER_MESSAGE's default), so 3 messages when the relay
    # takes them in one pass, a few more if it took them in several.
    assert 3 <= got_batches + got_singles <= 25 and got_batches >= 1, (got_batches, got_singles)


async def test_b_single_event_messages_of_an_older_producer_are_still_consumed(kt_module, kt_db, make_runtime):
    kt = kt_module
    old_producer = make_runtime(await kt_db(), name="ktold", events_per_message=1)
    consumer = make_runtime(await kt_db(), kt.Behaviour())
    batches, singles = _messages(kt.NAME, "batch"), _messages(kt.NAME, "single")
    async with running(consumer, old_producer, migrate=False):
        await produce(old_producer, kt, range(40))
        await exactly_once(consumer, kt, 40)
    assert _messages(kt.NAME, "single") - singles == 40
    assert _messages(kt.NAME, "batch") - batches == 0


async def _publish_raw(runtime: Any, routing_key: str, body: bytes, batch: bool) -> None:
    """A message straight onto the exchange, as a producer would send it (or a broken one)."""
    transport: RabbitTransport = runtime.transport
    assert transport._channel is not None
    exchange = await transport._channel.get_exchange(transport.topology.exchange, ensure=False)
    await exchange.publish(aio_pika.Message(
        body, content_type=BATCH_CONTENT_TYPE if batch else "application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers={EVENTS_HEADER: 3} if batch else {}),
        routing_key=routing_key, mandatory=True)


async def test_c_a_poison_and_a_malformed_event_in_a_batch_are_dead_lettered_alone_the_others_applied(
    kt_module, kt_db, make_runtime, messaging
):
    kt = kt_module
    behaviour = kt.Behaviour(poison={7})
    runtime = make_runtime(await kt_db(), behaviour)
    async with running(runtime, migrate=False):
        ids = await produce(runtime, kt, range(20))
        good = [Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": 100 + i}) for i in range(2)]
        malformed = b'{"id":"not-a-uuid","type":"kt.ping.happened"}'
        await _publish_raw(runtime, kt.Ping.routing_key(),
                           encode_batch([good[0].to_json(), malformed, good[1].to_json()]), batch=True)
        await exactly_once(runtime, kt, 21)  # 19 + the 2 good ones beside the malformed one

        async def both_dead() -> bool:
            return len(await runtime.transport.dead_letters(kt.NAME)) == 2

        await eventually(both_dead, timeout_s=30)
        dead = {d.message_id: d for d in await runtime.transport.dead_letters(kt.NAME)}
        assert ids[7] in dead
        [bad] = [d for d in dead.values() if d.message_id != ids[7]]
        # Each alone, in the shape a single event's dead letter has: its own JSON, the reason as the broker names it.
        assert Envelope.from_json(dead[ids[7]].body).id == ids[7] and dead[ids[7]].reason == "delivery_limit"
        assert dead[ids[7]].routing_key == "kt.ping.happened.v1"
        assert orjson.loads(bad.body) == orjson.loads(malformed) and bad.reason == "rejected"
        assert behaviour.tries[7] >= messaging.delivery_limit + 1

        behaviour.poison.clear()  # "the bug is fixed": replay the poison one
        assert await runtime.transport.replay_dead_letters(kt.NAME, ids[7]) == 1
        await exactly_once(runtime, kt, 22)
        assert [d.message_id for d in await runtime.transport.dead_letters(kt.NAME)] == [bad.message_id]


async def test_d_a_retryable_failure_in_a_batch_applies_the_others_once_and_it_after_redelivery(
    kt_module, kt_db, make_runtime
):
    kt = kt_module
    behaviour = kt.Behaviour()

    def flaky(n: int) -> None:
        # Fails on the first delivery (in the batch, then alone) and once more in the redelivered batch: it succeeds
        # alone on the second delivery.
        if n == 5 and behaviour.tries[5] <= 3:
            raise RuntimeError("flaky 5")

    behaviour.before_write = flaky
    runtime = make_runtime(await kt_db(), behaviour)
    failed = EVENTS_HANDLED.labels(kt.NAME, "failed")
    failed_before = failed._value.get()
    async with running(runtime, migrate=False):
        await produce(runtime, kt, range(30))
        await exactly_once(runtime, kt, 30)
        assert await runtime.transport.dead_letters(kt.NAME) == []
    assert failed._value.get() - failed_before == 1  # one failed delivery: its message was requeued once
    assert behaviour.tries[5] == 4
    # The others were applied on the first delivery (at most tried in the rolled-back batch, then alone) and the
    # inbox skipped them when the message came back: their handler did not run again.
    assert max(t for n, t in behaviour.tries.items() if n != 5) <= 2


async def test_e_a_consumer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    kt_module, kt_db, make_runtime, messaging
):
    kt = kt_module
    db = await kt_db()
    producer = make_runtime(await kt_db(), name="ktp")
    declare = make_runtime(db, kt.Behaviour())
    async with running(declare, migrate=False):  # the consumer's queue, so the events wait in it for the child
        pass
    async with running(producer, migrate=False):
        await produce(producer, kt, range(300))

        async def relayed() -> bool:
            return await kt.unpublished(producer.engine) == 0

        await eventually(relayed)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "AMQP_URL": str(messaging.amqp_url),
           "EVENTS_EXCHANGE": messaging.events_exchange, "QUEUE_PREFIX": messaging.queue_prefix, "BATCH_MAX": "30",
           "MAX_CONCURRENCY": "1"}
    child = await asyncio.create_subprocess_exec(sys.executable, str(HERE / "consume_then_die.py"), db, "150",
                                                 env=env, stderr=subprocess.PIPE)
    _, err = await asyncio.wait_for(child.communicate(), timeout=60)
    assert child.returncode == -signal.SIGKILL, err.decode()
    rows, distinct = await kt.effect_counts(declare.engine)
    assert rows == distinct and 0 < distinct < 300, (rows, distinct)  # killed mid-stream, inside a batch message

    again = make_runtime(db, kt.Behaviour())
    async with running(again, migrate=False):
        await exactly_once(again, kt, 300)


async def test_f_the_gateway_feed_hands_over_each_event_of_a_batch(messaging):
    received: list[str] = []

    async def handler(envelope: Envelope) -> None:
        received.append(envelope.id)

    feed = RabbitFeed(messaging, "batch", check_interval_s=0.2)
    publisher = RabbitTransport(messaging, catalogue=())
    await publisher.connect()
    await feed.start(("kt.#",), handler)
    try:
        await eventually(lambda: _ready(feed), timeout_s=15)
        envelopes = [Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": n}) for n in range(5)]
        assert await publisher.publish_batch(envelopes) == [None] * 5

        async def all_arrived() -> bool:
            return len(received) >= 5

        await eventually(all_arrived, timeout_s=15)
        assert received == [e.id for e in envelopes]  # each once, in order: an invalidation per event
    finally:
        await feed.stop()
        await publisher.close()


async def _ready(feed: RabbitFeed) -> bool:
    return feed.healthy


async def test_g_a_batch_the_broker_dead_lettered_whole_is_listed_per_event_and_replayed_by_any_of_its_ids(
    kt_module, kt_db, make_runtime
):
    kt = kt_module
    runtime = make_runtime(await kt_db(), kt.Behaviour())
    async with running(runtime, migrate=False):
        # As the broker leaves it when a batch message's tries are spent by crashes: whole, in the .dlq.
        envelopes = [Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": n}) for n in range(3)]
        transport: RabbitTransport = runtime.transport
        assert transport._channel is not None
        dlx = await transport._channel.get_exchange(transport.topology.dead_letter_exchange, ensure=False)
        await dlx.publish(aio_pika.Message(
            encode_batch([e.to_json() for e in envelopes]), content_type=BATCH_CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=f"batch-{envelopes[0].id}",
            headers={EVENTS_HEADER: 3}), routing_key=transport.topology.queue(kt.NAME))

        async def listed() -> bool:
            return len(await transport.dead_letters(kt.NAME)) == 3

        await eventually(listed, timeout_s=15)
        dead = await transport.dead_letters(kt.NAME)
        assert [d.message_id for d in dead] == [e.id for e in envelopes]
        assert [Envelope.from_json(d.body).id for d in dead] == [e.id for e in envelopes]
        assert await transport.replay_dead_letters(kt.NAME, "no-such-id") == 0
        assert await transport.replay_dead_letters(kt.NAME, envelopes[1].id) == 1  # the message, whole
        await exactly_once(runtime, kt, 3)
        assert await transport.dead_letters(kt.NAME) == []
