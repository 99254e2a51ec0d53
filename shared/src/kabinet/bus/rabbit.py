"""RabbitMQ transport (aio-pika): confirmed, persistent, mandatory publishes; manual acks after commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import aio_pika
import aiormq
import aiormq.exceptions
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    ExchangeType,
)

from kabinet.bus.base import BrokerUnavailable, DeadLetter, PublishError, Subscription, Unroutable
from kabinet.bus.topology import Topology
from kabinet.bus.wire import BATCH_CONTENT_TYPE, DEAD_REASON_HEADER, EVENTS_HEADER, Item, decode, encode_batch, packed
from kabinet.events.contracts import PRODUCED
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.metrics import BUS_MESSAGES, EVENTS_HANDLED
from kabinet.outages import is_outage
from kabinet.settings import MessagingSettings

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Names of every queue/exchange declared in this process: test fixtures delete their run's names after.
DECLARED_QUEUES: set[str] = set()
DECLARED_EXCHANGES: set[str] = set()


class RabbitTransport:
    def __init__(self, settings: MessagingSettings, catalogue: Iterable[str] | None = None) -> None:
        if not settings.amqp_url:
            raise ValueError("RabbitTransport needs AMQP_URL")
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self._catalogue = catalogue
        self._connection: AbstractRobustConnection | None = None  # publishing, operator commands
        self._consumer_connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consumer_channels: list[AbstractRobustChannel] = []
        self._consumers: list[_Consumer] = []
        # Every queue/exchange this transport declared; tests delete them after a run.
        self.declared_queues: set[str] = set()

    # -- connection -------------------------------------------------------------------------------
    async def connect(self) -> None:
        # Bounded: a broker that accepts the socket and then says nothing must not hang the start-up.
        async with asyncio.timeout(4 * self.settings.connect_timeout_s):
            await self._connect()

    async def _connect(self) -> None:
        self._connection = await self._open("publish")
        # on_return_raises: a mandatory publish nobody routes fails loudly instead of vanishing.
        self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._declare_exchanges(self._channel)
        await self._declare_archive(self._channel)

    async def _open(self, role: str) -> AbstractRobustConnection:
        s = self.settings
        assert s.amqp_url
        async with asyncio.timeout(s.connect_timeout_s + 1):
            return await aio_pika.connect_robust(s.amqp_url, timeout=s.connect_timeout_s, reconnect_interval=1.0,
                                                 client_properties={"connection_name": f"kabinet-{role}"})

    async def _declare_exchanges(self, channel: AbstractRobustChannel) -> AbstractRobustExchange:
        t = self.topology
        await channel.declare_exchange(t.dead_letter_exchange, ExchangeType.DIRECT, durable=True)
        DECLARED_EXCHANGES.update({t.dead_letter_exchange, t.exchange})
        return await channel.declare_exchange(t.exchange, ExchangeType.TOPIC, durable=True)

    async def _declare_archive(self, channel: AbstractRobustChannel) -> None:
        t = self.topology
        keys = sorted(self._catalogue if self._catalogue is not None else PRODUCED.keys())
        if not keys:
            return
        queue = await channel.declare_queue(t.archive_queue, durable=True, arguments=t.archive_arguments())
        self.declared_queues.add(t.archive_queue)
        DECLARED_QUEUES.add(t.archive_queue)
        for key in keys:
            await queue.bind(t.exchange, key)

    def is_connected(self) -> bool:
        """True only while the connections are really up: a robust connection that is reconnecting is not
        closed, but its ``connected`` event is cleared until the reconnect (and its channels) are back."""
        conn, channel = self._connection, self._channel
        if not (_is_up(conn) and channel is not None and not channel.is_closed):
            return False
        if any(c.is_closed for c in self._consumer_channels):
            return False
        return self._consumer_connection is None or _is_up(self._consumer_connection)

    async def close(self) -> None:
        connections = [c for c in (self._consumer_connection, self._connection) if c is not None]
        self._connection = self._consumer_connection = None
        self._channel = self._exchange = None
        self._consumer_channels.clear()
        for consumer in self._consumers:
            consumer.stop()
            await consumer.send_held_acks()  # what committed is acked, not redelivered after a restart
        self._consumers.clear()
        for connection in connections:
            # A close during a reconnect can wait on the dead socket: bound it.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.settings.connect_timeout_s):
                    await connection.close()

    # -- publishing -------------------------------------------------------------------------------
    async def publish(self, envelope: Envelope) -> None:
        [result] = await self.publish_batch([envelope])
        if result is not None:
            raise result

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[PublishError | None]:
        """Publish all at once and wait for their confirms together, within one bounded time.

        Returns one result per envelope: None when confirmed, else the error (never raises for one).
        """
        if self._channel is None or not self.is_connected():
            return [BrokerUnavailable("not connected to RabbitMQ") for _ in envelopes]
        try:
            # Straight to the channel underneath (aio-pika's Message and Exchange add nothing here), and
            # wait=False: each publish is queued for the socket without waiting for it to be written, so
            # the whole batch leaves in one burst; each still waits for its own confirm.
            async with asyncio.timeout(self.settings.publish_timeout_s):  # a reconnect waits for the connection
                channel = cast(aiormq.Channel, await self._channel.get_underlay_channel())
        except Exception as down:
            return [BrokerUnavailable(f"publish failed: {down!r}") for _ in envelopes]
        s = self.settings
        bodies = [(e.routing_key, e.to_json()) for e in envelopes]
        # Consecutive events of one routing key travel as one message (kabinet.bus.wire): the broker's cost is
        # per message, and one confirm then covers them all.
        groups = packed(bodies, max(1, s.events_per_message), s.message_max_bytes)
        messages = [self._message(envelopes, bodies, group) for group in groups]
        tasks = [asyncio.ensure_future(channel.basic_publish(
            body, exchange=self.topology.exchange, routing_key=bodies[group[0]][0], properties=properties,
            mandatory=True, wait=False)) for group, (body, properties) in zip(groups, messages, strict=True)]
        pending = await _wait_confirms(tasks, s.publish_timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        results: list[PublishError | None] = [None] * len(envelopes)
        for group, task in zip(groups, tasks, strict=True):
            exc = None if task in pending else task.exception()
            for i in group:
                envelope = envelopes[i]
                if task in pending:
                    results[i] = BrokerUnavailable(f"no confirm for {envelope.id} within {s.publish_timeout_s}s")
                elif exc is not None:
                    results[i] = _publish_error(envelope, exc)
        return results

    @staticmethod
    def _message(envelopes: Sequence[Envelope], bodies: Sequence[tuple[str, bytes]], group: Sequence[int]
                 ) -> tuple[bytes, aiormq.spec.Basic.Properties]:
        """The body and properties of one message: a single event as before, or a batch of several."""
        if len(group) == 1:
            return bodies[group[0]][1], _properties(envelopes[group[0]])
        return encode_batch([bodies[i][1] for i in group]), _batch_properties([envelopes[i] for i in group])

    async def _dead_letter_alone(self, queue: str, body: bytes, envelope: Envelope | None, reason: str) -> None:
        """Put one event of a batch message into ``queue``'s dead-letter queue as a single-event message (what
        the broker's own dead-lettering does for a single-event message); raises unless the broker confirmed."""
        if self._channel is None or not self.is_connected():
            raise BrokerUnavailable("not connected to RabbitMQ")
        async with asyncio.timeout(self.settings.publish_timeout_s):
            channel = cast(aiormq.Channel, await self._channel.get_underlay_channel())
            properties = _properties(envelope) if envelope is not None else aiormq.spec.Basic.Properties(
                content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value, headers={})
            properties.headers = {**(properties.headers or {}), DEAD_REASON_HEADER: reason}
            await channel.basic_publish(body, exchange=self.topology.dead_letter_exchange, routing_key=queue,
                                        properties=properties, mandatory=True)

    # -- consuming --------------------------------------------------------------------------------
    async def subscribe(self, subscription: Subscription) -> None:
        # Bounded: a broker that stopped answering mid-declare must not hang the start-up.
        async with asyncio.timeout(4 * self.settings.connect_timeout_s):
            await self._subscribe(subscription)

    async def stalled_consumers(self) -> list[str]:
        """Consumers that settled nothing for ``consumer_stall_s`` while messages were waiting for them
        (held locally, or ready in their queue: a consumer the broker no longer delivers to)."""
        limit = self.settings.consumer_stall_s
        stalled: list[str] = []
        for consumer in self._consumers:
            if consumer.stalled_for(queue_has_messages=True) <= limit:
                continue  # progressing, idle or paused for an outage: no need to ask the broker
            has_messages = consumer.unsettled > 0 or await self._queue_depth(consumer.queue) != 0
            if consumer.stalled_for(has_messages) > limit:
                stalled.append(consumer.sub.consumer)
        return stalled

    async def idle(self) -> bool:
        for consumer in self._consumers:
            if consumer.unsettled or consumer.has_retries or await self._queue_depth(consumer.queue) != 0:
                return False
        return True

    async def _queue_depth(self, queue: str) -> int:
        """Ready messages in a queue; -1 when the broker does not say in time (counted as not empty)."""
        if self._connection is None:
            return -1
        try:
            async with asyncio.timeout(self.settings.connect_timeout_s):
                channel = await self._connection.channel()
                try:
                    declared = await channel.declare_queue(queue, passive=True, robust=False)
                    return int(declared.declaration_result.message_count or 0)
                finally:
                    await channel.close()
        except Exception as exc:
            log.debug("queue depth unknown", extra={"queue": queue, "error": repr(exc)})
            return -1

    async def _subscribe(self, subscription: Subscription) -> None:
        if self._connection is None:
            raise BrokerUnavailable("not connected to RabbitMQ")
        t = self.topology
        if self._consumer_connection is None:
            # Consumers get their own connection: RabbitMQ's flow control blocks a publishing connection,
            # and on a shared one that would also hold back the acks that let the queue drain.
            self._consumer_connection = await self._open("consume")
        channel = await self._consumer_connection.channel()
        self._consumer_channels.append(channel)
        await channel.set_qos(prefetch_count=consumer_prefetch(self.settings))
        await self._declare_exchanges(channel)
        qname = t.queue(subscription.consumer)
        dlq = await channel.declare_queue(
            t.dead_letter_queue(subscription.consumer), durable=True,
            arguments=t.dead_letter_queue_arguments(),
        )
        await dlq.bind(t.dead_letter_exchange, qname)
        queue = await channel.declare_queue(qname, durable=True,
                                            arguments=t.queue_arguments(subscription.consumer))
        self.declared_queues.update({qname, dlq.name})
        DECLARED_QUEUES.update({qname, dlq.name})
        for binding in subscription.bindings:
            await queue.bind(t.exchange, binding)

        consumer = _Consumer(subscription, self.settings, qname, self._dead_letter_alone)
        self._consumers.append(consumer)
        await queue.consume(consumer.on_message, no_ack=False)

    # -- dead letters -----------------------------------------------------------------------------
    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        """Peek at a consumer's dead-letter queue (messages are returned to it untouched)."""
        assert self._connection is not None
        channel = await self._connection.channel()
        try:
            # Passive: an operator's typo must not create a queue.
            try:
                queue = await channel.get_queue(self.topology.dead_letter_queue(consumer), ensure=True)
            except aiormq.exceptions.ChannelClosed:  # NOT_FOUND closes the channel
                return []
            out: list[DeadLetter] = []
            held: list[AbstractIncomingMessage] = []
            while len(out) < limit:
                msg = await queue.get(no_ack=False, fail=False, timeout=self.settings.publish_timeout_s)
                if msg is None:
                    break
                held.append(msg)
                out.extend(_dead_letters(consumer, msg))  # a batch the broker dead-lettered: each of its events
            for msg in held:
                await self._bounded(msg.nack(requeue=True))
            return out
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    async def _bounded(self, op: Awaitable[None]) -> None:
        """Every wait on the broker is bounded (an operator command must not hang on a silent broker)."""
        async with asyncio.timeout(self.settings.publish_timeout_s):
            await op

    async def replay_dead_letters(self, consumer: str, message_id: str | None = None) -> int:
        """Send dead-lettered messages back to the consumer's own queue (not to other subscribers)."""
        assert self._connection is not None
        # on_return_raises + mandatory: if the consumer's queue is gone, the publish fails and the dead
        # letter stays where it is, instead of being acked after a publish that went nowhere.
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        replayed = 0
        try:
            t = self.topology
            try:
                queue = await channel.get_queue(t.dead_letter_queue(consumer), ensure=True)
            except aiormq.exceptions.ChannelClosed:  # NOT_FOUND closes the channel
                return 0
            skipped: list[AbstractIncomingMessage] = []
            while True:
                msg = await queue.get(no_ack=False, fail=False, timeout=self.settings.publish_timeout_s)
                if msg is None:
                    break
                # An event inside a batch the broker dead-lettered (a crash loop spends tries too) replays the whole
                # batch: the inbox drops those of its events already applied.
                if message_id is not None and message_id not in _message_ids(msg):
                    skipped.append(msg)
                    continue
                # x-death and x-delivery-count dropped: the replayed message gets a fresh set of tries.
                headers = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("x-")}
                try:
                    await channel.default_exchange.publish(
                        aio_pika.Message(body=msg.body, content_type=msg.content_type,
                                         delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                         message_id=msg.message_id, correlation_id=msg.correlation_id,
                                         type=msg.type, app_id=msg.app_id, headers=headers),
                        routing_key=t.queue(consumer), mandatory=True,
                        timeout=self.settings.publish_timeout_s,
                    )
                except Exception:
                    await self._bounded(msg.nack(requeue=True))
                    for held in skipped:
                        await self._bounded(held.nack(requeue=True))
                    raise
                await self._bounded(msg.ack())
                replayed += 1
            for msg in skipped:
                await self._bounded(msg.nack(requeue=True))
            return replayed
        finally:
            with contextlib.suppress(Exception):
                await channel.close()


class _Consumer:
    """Handles one subscription's deliveries with bounded concurrency, in small batches when it can.

    aio-pika hands over each delivery (up to the prefetch) as soon as it arrives; they wait in a local
    queue for one of ``max_concurrency`` workers (each holds a database connection while it works). A
    worker takes what is waiting, up to ``batch_max``, and gives it to the subscription's batch handler:
    one transaction for the batch (the inbox rows and effects of all of them). If the batch fails, each
    message is handled again on its own, so one bad message never fails or delays the others beyond that.
    Acks follow the commit; a message is never acked before its effect is committed.

    An outage (``kabinet.outages.is_outage``: the database unreachable, a connection lost, a handler
    that timed out) is not the message's fault, so it spends none of its tries: the messages stay
    unacked in the worker's hands (no nack - on a quorum queue a requeue counts as a delivery), every
    worker stops taking new ones, one prober polls ``Subscription.probe`` with back-off, and when it
    passes the same batch is handled again. If the probe passes but the handler keeps failing with an
    outage-like error, after ``_SUSPECT_OUTAGES`` rounds it is treated as an ordinary failure.

    A batch message (several events: kabinet.bus.wire) is unpacked into its events, which are handled as above;
    its ``_Delivery`` is settled once every event is: acked when all were applied; requeued (after the back-off)
    when one failed with tries left - the inbox skips the applied ones when it comes back; and an event malformed
    or out of tries is dead-lettered alone (published, confirmed, to the consumer's DLQ) before the ack.
    """

    _SUSPECT_OUTAGES = 3

    def __init__(self, subscription: Subscription, settings: MessagingSettings, queue: str,
                 dead_letter: DeadLetterAlone) -> None:
        self.sub = subscription
        self.settings = settings
        self.queue = queue
        self._dead_letter = dead_letter
        self._linger_s = settings.batch_linger_s if subscription.linger_s is None else subscription.linger_s
        # One entry per event: a batch message's events are handled like single ones (kabinet.bus.wire).
        self._waiting: asyncio.Queue[tuple[_Delivery, Envelope]] = asyncio.Queue()
        self._dependencies_up = asyncio.Event()
        self._dependencies_up.set()
        self._prober: asyncio.Task[bool] | None = None
        self.held = 0  # deliveries taken by workers and not yet settled
        self.last_progress = time.monotonic()  # last settle, or when it last became busy
        self._workers = [asyncio.create_task(self._work(), name=f"consumer-{subscription.consumer}-{i}")
                         for i in range(max(1, settings.max_concurrency))]
        self._retries: set[asyncio.Task[None]] = set()
        self._collecting = asyncio.Lock()
        self._acks = _Acks(self.sub.consumer, settings.publish_timeout_s)

    def stop(self) -> None:
        for task in [*self._workers, *self._retries, *([self._prober] if self._prober else [])]:
            task.cancel()
        self._acks.stop()

    async def send_held_acks(self) -> None:
        await self._acks.send_held()

    @property
    def paused(self) -> bool:
        """Waiting for its dependencies (an outage): not stuck, and readiness already says why."""
        return not self._dependencies_up.is_set()

    @property
    def has_retries(self) -> bool:
        return any(not t.done() for t in self._retries)

    @property
    def unsettled(self) -> int:
        return self._waiting.qsize() + self.held

    def stalled_for(self, queue_has_messages: bool) -> float:
        """Seconds without progress while there was work (0 when idle or paused for an outage)."""
        if self.paused or not (self.unsettled or queue_has_messages):
            return 0.0
        return time.monotonic() - self.last_progress

    def _progress(self) -> None:
        self.last_progress = time.monotonic()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        if not self.unsettled:
            self._progress()  # idle until now: the stall clock starts with this delivery
        self._acks.delivered(message)
        try:
            items = decode(message.body, message.content_type)
        except MalformedEvent as exc:  # not even a batch: the broker dead-letters the message as it is
            await self._reject(message, exc)
            return
        delivery = _Delivery(message, message.content_type == BATCH_CONTENT_TYPE, len(items))
        BUS_MESSAGES.labels(self.sub.consumer, "batch" if delivery.batch else "single").inc()
        for item in items:
            if item.envelope is not None:
                self._waiting.put_nowait((delivery, item.envelope))
        for item in items:
            if item.envelope is None:  # a bad event inside a batch: dead-lettered alone, the others applied
                assert item.error is not None
                await self._malformed(delivery, item.body, None, item.error)

    async def _work(self) -> None:
        while True:
            await self._dependencies_up.wait()  # during an outage no worker takes new deliveries
            # One worker collects at a time (the others handle theirs meanwhile): batches are full and
            # follow the delivery order, so their acks are one multiple ack each instead of waiting on
            # each other's deliveries.
            async with self._collecting:
                batch = [await self._waiting.get()]
                limit = self.settings.batch_max if self.sub.batch_handler is not None else 1
                if limit > 1 and self._linger_s > 0:
                    await self._linger(limit - 1)
                while len(batch) < limit and not self._waiting.empty():
                    batch.append(self._waiting.get_nowait())
            self.held += len(batch)
            try:
                await self._handle(batch)
            except asyncio.CancelledError:
                raise
            except Exception:  # never lose a worker: the messages are redelivered if not acked
                log.exception("consumer worker failed", extra={"consumer": self.sub.consumer})
            finally:
                self.held -= len(batch)

    async def _linger(self, want: int) -> None:
        """A moment for more deliveries to arrive: one transaction for several costs about what one costs.

        Waits ``batch_linger_s`` (the subscription's ``linger_s`` if it has one), and again as long as more
        arrived meanwhile (a stream, which comes in bursts as the publisher's confirms and the broker's
        deliveries allow), up to ``batch_max_wait_s`` in all: a lone event waits one linger, a stream is handled
        in full batches instead of many small ones (measured: 8 events a batch on average in bench/events.py
        with a single linger)."""
        deadline = time.monotonic() + self.settings.batch_max_wait_s
        while (waiting := self._waiting.qsize()) < want:
            await asyncio.sleep(self._linger_s)
            if self._waiting.qsize() == waiting or time.monotonic() >= deadline:
                return

    async def _call(self, fn: Callable[[_T], Awaitable[None]], arg: _T) -> None:
        # Bounded: a database that stopped answering (half-open socket) must not hold a worker forever.
        async with asyncio.timeout(self.settings.handler_timeout_s):
            await fn(arg)

    async def _handle(self, batch: list[tuple[_Delivery, Envelope]]) -> None:
        suspect = 0
        if len(batch) > 1 and self.sub.batch_handler is not None:
            while True:
                try:
                    await self._call(self.sub.batch_handler, [envelope for _, envelope in batch])
                except Exception as exc:
                    if is_outage(exc):
                        suspect = await self._wait_out(exc, suspect)
                        if suspect < self._SUSPECT_OUTAGES:
                            continue  # the same batch again: no try spent
                    log.info("batch failed; handling its messages one by one",
                             extra={"consumer": self.sub.consumer, "size": len(batch), "error": repr(exc)})
                    break
                EVENTS_HANDLED.labels(self.sub.consumer, "ok").inc(len(batch))
                await self._applied([delivery for delivery, _ in batch])
                return
        for delivery, envelope in batch:
            await self._handle_one(delivery, envelope, suspect)

    async def _handle_one(self, delivery: _Delivery, envelope: Envelope, suspect: int = 0) -> None:
        # ``suspect``: outage-like failures already seen with the dependencies answering (in the batch).
        suspect = min(suspect, self._SUSPECT_OUTAGES - 1)
        while True:
            try:
                await self._call(self.sub.handler, envelope)
            except MalformedEvent as exc:
                await self._malformed(delivery, None, envelope, exc)
            except Exception as exc:
                if is_outage(exc):
                    suspect = await self._wait_out(exc, suspect)
                    if suspect < self._SUSPECT_OUTAGES:
                        continue
                EVENTS_HANDLED.labels(self.sub.consumer, "failed").inc()
                await self._failed(delivery, envelope, exc)
            else:
                EVENTS_HANDLED.labels(self.sub.consumer, "ok").inc()
                await self._applied([delivery])
            return

    # -- settling: a message once every event of it is settled -------------------------------------
    async def _applied(self, deliveries: Sequence[_Delivery]) -> None:
        done = [d for d in deliveries if d.settle_one()]
        await self._ack(*(d.message for d in done if d.clean))  # one multiple ack for the lot
        for delivery in done:
            if not delivery.clean:
                await self._finish(delivery)

    async def _malformed(self, delivery: _Delivery, body: bytes | None, envelope: Envelope | None,
                         exc: MalformedEvent) -> None:
        if not delivery.batch:
            await self._reject(delivery.message, exc)
            return
        log.error("malformed event in a batch message: dead-lettered alone",
                  extra={"consumer": self.sub.consumer, "message_id": delivery.message.message_id,
                         "event_id": envelope.id if envelope else None, "error": str(exc)})
        EVENTS_HANDLED.labels(self.sub.consumer, "malformed").inc()
        delivery.dead.append(_Dead(body if body is not None else b"", envelope, "rejected"))
        if delivery.settle_one():
            await self._finish(delivery)

    async def _failed(self, delivery: _Delivery, envelope: Envelope, exc: Exception) -> None:
        if not delivery.batch:
            self._retry_later(delivery.message, exc)  # the broker dead-letters it past the delivery limit
            return
        if _delivery_count(delivery.message) >= self.settings.delivery_limit:
            # Its last try: the broker would dead-letter the whole batch, the applied events with it.
            log.warning("event failed on its last try: dead-lettered alone out of its batch",
                        extra={"consumer": self.sub.consumer, "event_id": envelope.id, "error": repr(exc)})
            delivery.dead.append(_Dead(b"", envelope, "delivery_limit"))
        elif delivery.retry is None:
            delivery.retry = exc
        if delivery.settle_one():
            await self._finish(delivery)

    async def _finish(self, delivery: _Delivery) -> None:
        """A batch message some of whose events were not applied. A retry requeues the whole message (the inbox
        skips the applied ones when it comes back; the bad ones are dead-lettered on a later try, at the latest
        on the last); else each bad event is dead-lettered alone and the message acked."""
        message = delivery.message
        if delivery.retry is not None:
            self._retry_later(message, delivery.retry)
            return
        try:
            for dead in delivery.dead:
                body = dead.envelope.to_json() if dead.envelope is not None else dead.body
                await self._dead_letter(self.queue, body, dead.envelope, dead.reason)
        except Exception as exc:  # not confirmed: the message comes back (a try spent) and this is done again
            self._retry_later(message, exc)
            return
        await self._ack(message)

    def _retry_later(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        # Wait off the worker, so a failing message does not hold up the others.
        task = asyncio.create_task(self._requeue_later(message, exc))
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _wait_out(self, exc: Exception, suspect: int) -> int:
        """Wait until the dependencies answer; returns the new count of outages the probe did not see
        (reset to 0 when the probe did see one, i.e. it was a real outage)."""
        if self._prober is None or self._prober.done():
            self._dependencies_up.clear()
            self._prober = asyncio.create_task(self._probe_until_up(exc), name=f"probe-{self.sub.consumer}")
        was_down = await asyncio.shield(self._prober)
        if was_down:
            return 0
        # The probe passed at once: the outage is over already, or the "outage" is the handler's own.
        await asyncio.sleep(min(self.settings.outage_probe_max_s, 0.2 * 2 ** suspect))
        return suspect + 1

    async def _probe_until_up(self, exc: Exception) -> bool:
        """Poll the probe until it passes; True if it failed at least once (a real outage)."""
        started = time.monotonic()
        delay = 0.2
        was_down = False
        try:
            while True:
                try:
                    if self.sub.probe is not None:
                        async with asyncio.timeout(self.settings.connect_timeout_s):
                            await self.sub.probe()
                except Exception as probe_exc:
                    if not was_down:
                        log.warning("consumer paused: a dependency is unavailable; messages held, no try spent",
                                    extra={"consumer": self.sub.consumer, "error": repr(exc),
                                           "probe_error": repr(probe_exc), "held": self.unsettled})
                    was_down = True
                    await asyncio.sleep(delay)
                    delay = min(self.settings.outage_probe_max_s, delay * 2)
                    continue
                if was_down:
                    log.info("consumer resumed: dependencies answer again",
                             extra={"consumer": self.sub.consumer, "paused_s": round(time.monotonic() - started, 1)})
                return was_down
        finally:
            self._progress()  # the pause was not a stall
            self._dependencies_up.set()

    async def _requeue_later(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        # Requeue: the quorum queue counts deliveries and dead-letters past the limit. Wait a little
        # first (longer on each try), so a message that fails at once does not spin.
        tries = _delivery_count(message) + 1
        log.warning("handler failed; message requeued",
                    extra={"consumer": self.sub.consumer, "message_id": message.message_id, "try": tries,
                           "error": repr(exc)})
        await asyncio.sleep(min(self.settings.retry_backoff_max_s, self.settings.retry_backoff_s * 2 ** (tries - 1)))
        await self._settle(message.nack(requeue=True), "nack", message)

    async def _reject(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        log.error("malformed message dead-lettered",
                  extra={"consumer": self.sub.consumer, "message_id": message.message_id, "error": str(exc)})
        EVENTS_HANDLED.labels(self.sub.consumer, "malformed").inc()
        # Channel gone: it is redelivered and rejected again.
        await self._settle(message.reject(requeue=False), "reject", message)

    async def _ack(self, *messages: AbstractIncomingMessage) -> None:
        # Committed but not acked (the channel went away): it comes back and the inbox drops it.
        await self._settle(self._acks.ack(messages), "ack")

    async def _settle(self, op: Awaitable[None], what: str, message: AbstractIncomingMessage | None = None) -> None:
        """Every wait on the broker is bounded: an ack during a reconnect must not hold a worker forever
        (an unsettled message is redelivered when its channel closes; the inbox drops a duplicate).
        ``message``: a delivery settled on its own (nack, reject), no longer open once its frame is queued."""
        try:
            async with asyncio.timeout(self.settings.publish_timeout_s):
                await op
        except Exception as exc:
            log.debug("%s failed", what, extra={"consumer": self.sub.consumer, "error": repr(exc)})
        else:
            self._progress()
        finally:
            if message is not None:
                self._acks.settled(message)


DeadLetterAlone = Callable[[str, bytes, Envelope | None, str], Awaitable[None]]


@dataclass(slots=True)
class _Dead:
    body: bytes  # the raw event, when it is not an envelope
    envelope: Envelope | None
    reason: str  # as the broker names it: "rejected", "delivery_limit"


@dataclass(slots=True)
class _Delivery:
    """One AMQP message and what became of its events so far; it is settled once all of them are."""

    message: AbstractIncomingMessage
    batch: bool
    pending: int  # events not yet settled
    retry: Exception | None = None  # an event failed and may be tried again: the message is requeued
    dead: list[_Dead] = field(default_factory=list)  # events to dead-letter alone (batch messages only)

    def settle_one(self) -> bool:
        """One event settled; True when it was the last."""
        self.pending -= 1
        return self.pending == 0

    @property
    def clean(self) -> bool:
        return self.retry is None and not self.dead


class _Acks:
    """Acks committed deliveries with as few frames as is safe: one ``basic.ack(multiple=True)``.

    A multiple ack settles every delivery of the channel up to its tag, so it is sent only up to the
    oldest delivery that is still open (waiting, being handled, waiting for a retry's nack): never for a
    message whose effect is not committed. Committed deliveries above an open one wait for it (normally
    the other worker's batch, which is about to commit) and are acked one by one after ``_LINGER_S`` if
    it still is open. A nack or reject is queued before its delivery stops being open, so a later
    multiple ack never overtakes it on the wire. Delivery tags are per channel: after a reconnect the
    old channel's deliveries are dropped here (the broker redelivers them; the inbox drops what was
    already applied).
    """

    _LINGER_S = 1.0

    def __init__(self, consumer: str, timeout_s: float) -> None:
        self.consumer = consumer
        self.timeout_s = timeout_s
        self._channel: aiormq.abc.AbstractChannel | None = None
        self._open: set[int] = set()  # delivered, not settled
        self._done: set[int] = set()  # committed, not yet acked
        self._late: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def _on(self, channel: aiormq.abc.AbstractChannel) -> bool:
        """True if ``channel`` is the current one (a delivery of a newer channel starts afresh)."""
        if channel is self._channel:
            return True
        if self._channel is not None and not self._channel.is_closed:
            return False  # a delivery from a channel already replaced: nothing to track
        self._channel, self._open, self._done = channel, set(), set()
        return True

    def delivered(self, message: AbstractIncomingMessage) -> None:
        if message.delivery_tag is not None and self._on(message.channel):
            self._open.add(message.delivery_tag)

    def settled(self, message: AbstractIncomingMessage) -> None:
        if message.channel is self._channel:
            self._open.discard(message.delivery_tag or 0)

    async def ack(self, messages: Iterable[AbstractIncomingMessage]) -> None:
        others: list[AbstractIncomingMessage] = []
        for message in messages:
            if message.channel is self._channel and message.delivery_tag in self._open:
                self._open.discard(message.delivery_tag)
                self._done.add(message.delivery_tag)
            else:
                others.append(message)
        for message in others:  # a delivery of an older channel: acked on its own (fails if it is gone)
            try:
                await message.channel.basic_ack(message.delivery_tag or 0)
            except Exception as exc:
                log.debug("ack failed", extra={"consumer": self.consumer, "error": repr(exc)})
        await self._flush()

    async def _flush(self) -> None:
        channel = self._channel
        if channel is None or not self._done:
            return
        oldest_open = min(self._open, default=None)
        below = set(self._done) if oldest_open is None else {t for t in self._done if t < oldest_open}
        if below:
            self._done -= below
            await channel.basic_ack(max(below), multiple=True)
        if self._done and self._late is None:
            self._late = asyncio.get_running_loop().call_later(self._LINGER_S, self._ack_late)

    def _ack_late(self) -> None:
        self._late = None
        task = asyncio.create_task(self._ack_one_by_one())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ack_one_by_one(self) -> None:
        channel, done = self._channel, self._done
        self._done = set()
        if channel is None or not done:
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                await asyncio.gather(*(channel.basic_ack(tag) for tag in sorted(done)))
        except Exception as exc:  # redelivered when the channel closes; the inbox drops them
            log.debug("ack failed", extra={"consumer": self.consumer, "error": repr(exc)})

    def stop(self) -> None:
        if self._late is not None:
            self._late.cancel()
            self._late = None
        for task in self._tasks:
            task.cancel()

    async def send_held(self) -> None:
        """At shutdown: ack one by one what committed and still waits for an older open delivery."""
        if self._channel is not None and not self._channel.is_closed:
            await self._ack_one_by_one()


def consumer_prefetch(s: MessagingSettings) -> int:
    """Unacked messages a consumer takes: ``PREFETCH`` counts events, and a batch message carries up to
    ``EVENTS_PER_MESSAGE`` (1,000 messages of 100 would hold 100,000 events, up to 256 MB, in a process), so
    ``PREFETCH / EVENTS_PER_MESSAGE`` messages - at least ``_MIN_PREFETCH``, so that single-event messages (another
    key between batches, a lone event) still arrive in numbers that fill a batch."""
    return min(s.prefetch, max(_MIN_PREFETCH, s.prefetch // max(1, s.events_per_message)))


_MIN_PREFETCH = 50


def _batch_properties(envelopes: Sequence[Envelope]) -> aiormq.spec.Basic.Properties:
    first = envelopes[0]
    return aiormq.spec.Basic.Properties(
        content_type=BATCH_CONTENT_TYPE,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value,
        message_id=f"batch-{first.id}",  # each event keeps its own id in the body (the inbox's key)
        message_type=first.routing_key,
        app_id=first.producer,
        timestamp=first.occurred_at,
        headers={EVENTS_HEADER: len(envelopes)},
    )


def _properties(envelope: Envelope) -> aiormq.spec.Basic.Properties:
    return aiormq.spec.Basic.Properties(
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT.value,  # the broker's default is transient
        message_id=envelope.id,
        correlation_id=envelope.correlation_id,
        message_type=envelope.routing_key,
        app_id=envelope.producer,
        timestamp=envelope.occurred_at,
        # traceparent: W3C trace context, for tools that read it from the headers (kabinet reads the envelope's).
        headers={"causation_id": envelope.causation_id or "",
                 **({"traceparent": envelope.traceparent} if envelope.traceparent else {})},
    )


async def _wait_confirms(tasks: Sequence[asyncio.Future[_T]], timeout_s: float) -> set[asyncio.Future[_T]]:
    """Wait for the publishes; returns those still unconfirmed when the broker stopped confirming.

    A publish during a reconnect can wait forever for its confirm, so the wait is bounded - by progress:
    it gives up once no confirm came for ``timeout_s`` (or after ``_CONFIRM_CAP`` x ``timeout_s`` in all),
    so a broker that is slow under load but confirming is not taken for a dead one (whose batch would then
    be published again).
    """
    started = last = time.monotonic()

    def confirmed(_: object) -> None:
        nonlocal last
        last = time.monotonic()

    for task in tasks:
        task.add_done_callback(confirmed)
    pending = set(tasks)
    while pending:
        deadline = min(last + timeout_s, started + _CONFIRM_CAP * timeout_s)
        if time.monotonic() >= deadline:
            break
        _, pending = await asyncio.wait(pending, timeout=deadline - time.monotonic())
    return pending


_CONFIRM_CAP = 6


def _publish_error(envelope: Envelope, exc: BaseException) -> PublishError:
    if isinstance(exc, aiormq.exceptions.PublishError):  # returned under mandatory: nobody is bound
        return Unroutable(f"unroutable: {envelope.routing_key}")
    if isinstance(exc, aiormq.exceptions.DeliveryError):  # nacked by the broker
        return PublishError(f"broker refused {envelope.id}: {exc}")
    # Connection lost mid-publish, channel closed, or anything else the client raises mid-reconnect.
    return BrokerUnavailable(f"publish of {envelope.id} failed: {exc!r}")


def _is_up(connection: AbstractRobustConnection | None) -> bool:
    return connection is not None and not connection.is_closed and connection.connected.is_set()


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """How many times a quorum queue delivered this message before (0 on the first delivery)."""
    raw = (message.headers or {}).get("x-delivery-count", 0)
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _dead_letters(consumer: str, msg: AbstractIncomingMessage) -> list[DeadLetter]:
    """What an operator sees of a dead-lettered message: its event, or each event of a batch."""
    headers = msg.headers or {}
    reason = None
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        reason = str(deaths[0].get("reason"))
    elif isinstance(own := headers.get(DEAD_REASON_HEADER), (str, bytes)):  # dead-lettered alone out of a batch
        reason = own.decode() if isinstance(own, bytes) else own
    key = msg.type or msg.routing_key or ""
    items = _items_or_none(msg)
    if items is None or (len(items) == 1 and msg.content_type != BATCH_CONTENT_TYPE):
        return [DeadLetter(consumer, key, msg.message_id, msg.body, reason)]
    return [DeadLetter(consumer, key, item.envelope.id if item.envelope else None, item.body, reason)
            for item in items]


def _items_or_none(msg: AbstractIncomingMessage) -> list[Item] | None:
    try:
        return decode(msg.body, msg.content_type)
    except MalformedEvent:
        return None


def _message_ids(msg: AbstractIncomingMessage) -> set[str | None]:
    """The message's id and, for a batch, the ids of its events."""
    ids: set[str | None] = {msg.message_id}
    if msg.content_type == BATCH_CONTENT_TYPE:
        ids.update(item.envelope.id for item in _items_or_none(msg) or [] if item.envelope is not None)
    return ids
