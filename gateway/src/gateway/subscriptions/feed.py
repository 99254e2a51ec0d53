"""Where the hub's events come from: RabbitMQ (separate processes) or the embedded stack's in-process bus.

On RabbitMQ each gateway instance needs every event (each holds its own clients' subscriptions), so it binds
its own queue, `<prefix>gateway-subscriptions-<instance>`, to the events exchange. That queue is exclusive and
auto-deleted - a per-instance fan-out that disappears with the instance - which the kit's `RabbitTransport`
(durable quorum queues for consumers that must not lose events) does not declare; the exchange, names and
envelope are the kit's (`Topology`, `Envelope`). Delivery is at most once, which is what live notifications
need: nothing is redelivered into a subscription after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from kabinet.bus.base import Subscription, Transport, topic_matches
from kabinet.bus.topology import Topology
from kabinet.bus.wire import decode
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.settings import MessagingSettings

if TYPE_CHECKING:
    from aio_pika.abc import AbstractConnection

log = logging.getLogger(__name__)

EnvelopeHandler = Callable[[Envelope], Awaitable[None]]


def instance_name(configured: str = "") -> str:
    return configured or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def consumer_name(instance: str) -> str:
    return f"gateway-subscriptions-{instance}"


class EventFeed(Protocol):
    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None: ...

    @property
    def healthy(self) -> bool:
        """False while events cannot reach this gateway (the gateway's /readyz then answers 503)."""

    async def stop(self) -> None: ...


class TransportFeed:
    """Subscribes on a kit transport (the embedded stack's `InProcessTransport`, shared with the services)."""

    def __init__(self, transport: Transport, instance: str) -> None:
        self.transport = transport
        self.instance = instance
        self._active = False

    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        self._active = True

        async def deliver(envelope: Envelope) -> None:
            if self._active:  # the in-process bus has no unsubscribe: stop by ignoring
                await handler(envelope)

        await self.transport.subscribe(Subscription(consumer_name(self.instance), tuple(bindings), deliver))

    async def stop(self) -> None:
        self._active = False

    @property
    def healthy(self) -> bool:
        return self._active


class RabbitFeed:
    """An exclusive, auto-deleted queue of this instance bound to the events exchange (aio-pika).

    A supervisor owns the connection: it connects (retrying with back-off), declares and binds the queue,
    consumes, and then checks every ``check_interval_s`` that the connection is open and the queue still
    exists (a passive declare, bounded in time). When either check fails - a broker restart, a queue
    deleted under it, a broker that stopped answering - it reports not healthy (the gateway's /readyz is
    503) and starts over with a new connection and queue.
    """

    def __init__(self, settings: MessagingSettings, instance: str, check_interval_s: float = 5.0) -> None:
        if not settings.amqp_url:
            raise ValueError("RabbitFeed needs AMQP_URL")
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self.queue_name = self.topology.queue(consumer_name(instance))
        self.check_interval_s = check_interval_s
        self._connection: AbstractConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set while the queue is consumed and was last found in place
        self.restarts = 0  # times the queue was set up again after it was lost

    @property
    def healthy(self) -> bool:
        return self.ready.is_set()

    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        # Connect in the background: the gateway serves queries while RabbitMQ is (still) away.
        self._task = asyncio.create_task(self._run(bindings, handler), name="gateway-subscription-feed")

    async def _run(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        delay = 0.2
        first = True
        while True:
            try:
                await self._consume(bindings, handler)
                delay = 0.2
                if not first:
                    self.restarts += 1
                first = False
                self.ready.set()
                log.info("subscription feed consuming %s", self.queue_name)
                while True:
                    await asyncio.sleep(self.check_interval_s)
                    await self._check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ready.clear()
                log.warning("subscription feed lost its queue or RabbitMQ (%r); setting it up again", exc)
                await self._close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _consume(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        import aio_pika
        from aio_pika.abc import AbstractIncomingMessage, ExchangeType

        s = self.settings
        async with asyncio.timeout(4 * s.connect_timeout_s):  # a silent broker must not hang the set-up
            # Not robust: the supervisor reconnects, so it always knows whether the queue is there.
            connection = await aio_pika.connect(
                s.amqp_url, timeout=s.connect_timeout_s,
                client_properties={"connection_name": "kabinet-gateway-subscriptions"},
            )
            self._connection = connection
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=s.prefetch)
            exchange = await channel.declare_exchange(self.topology.exchange, ExchangeType.TOPIC, durable=True)
            queue = await channel.declare_queue(self.queue_name, exclusive=True, auto_delete=True, durable=False)
            for binding in bindings:
                await queue.bind(exchange, binding)

            async def on_message(message: AbstractIncomingMessage) -> None:
                # A message carries one event or a batch of several (kabinet.bus.wire): each is handed over.
                try:
                    items = decode(message.body, message.content_type)
                except MalformedEvent as exc:
                    log.warning("subscription feed dropped a malformed message: %s", exc)
                    return
                for item in items:
                    if item.envelope is None:
                        log.warning("subscription feed dropped a malformed event: %s", item.error)
                        continue
                    await handler(item.envelope)

            await queue.consume(on_message, no_ack=True)

    async def _check(self) -> None:
        """Raises unless the connection is open and the queue exists (within a bounded time)."""
        connection = self._connection
        if connection is None or connection.is_closed:
            raise ConnectionError("connection to RabbitMQ closed")
        async with asyncio.timeout(self.settings.connect_timeout_s):
            channel = await connection.channel()  # NOT_FOUND closes the channel: a fresh one each time
            try:
                await channel.declare_queue(self.queue_name, passive=True)
            finally:
                with contextlib.suppress(Exception):
                    await channel.close()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.settings.connect_timeout_s):
                    await connection.close()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self.ready.clear()
        await self._close()


class SharedFeed:
    """One feed (one queue) for several consumers of the events: the subscription hub and the entity cache.

    Each consumer calls `start` on its `view` (as on an `EventFeed`); the feed itself starts once, bound to every
    consumer's routing keys, when `run` is called after all of them have registered, and hands each event to
    the consumers whose bindings match it."""

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self._consumers: list[tuple[tuple[str, ...], EnvelopeHandler]] = []
        self._running = False

    def view(self) -> EventFeed:
        return _FeedView(self)

    def add(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        self._consumers.append((bindings, handler))

    async def run(self) -> None:
        if self._running or not self._consumers:
            return
        self._running = True
        bindings = tuple(dict.fromkeys(b for bs, _ in self._consumers for b in bs))
        await self.feed.start(("#",) if "#" in bindings else bindings, self._dispatch)

    async def _dispatch(self, envelope: Envelope) -> None:
        key = envelope.routing_key
        for bindings, handler in self._consumers:
            if any(b in ("#", key) or topic_matches(b, key) for b in bindings):
                await handler(envelope)

    @property
    def healthy(self) -> bool:
        return self._running and self.feed.healthy

    async def stop(self) -> None:
        if self._running:
            self._running = False
            await self.feed.stop()


class _FeedView:
    def __init__(self, shared: SharedFeed) -> None:
        self.shared = shared

    def __getattr__(self, name: str) -> Any:
        # The underlying feed's own state (`ready`, `restarts`, `queue_name` of a RabbitFeed), as before sharing.
        return getattr(self.shared.feed, name)

    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        self.shared.add(bindings, handler)

    @property
    def healthy(self) -> bool:
        return self.shared.healthy

    async def stop(self) -> None:
        await self.shared.stop()
