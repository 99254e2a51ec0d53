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
from typing import Protocol

from kabinet.bus.base import Subscription, Transport
from kabinet.bus.topology import Topology
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.settings import MessagingSettings

log = logging.getLogger(__name__)

EnvelopeHandler = Callable[[Envelope], Awaitable[None]]


def instance_name(configured: str = "") -> str:
    return configured or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def consumer_name(instance: str) -> str:
    return f"gateway-subscriptions-{instance}"


class EventFeed(Protocol):
    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None: ...

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


class RabbitFeed:
    """An exclusive, auto-deleted queue of this instance bound to the events exchange (aio-pika, robust)."""

    def __init__(self, settings: MessagingSettings, instance: str) -> None:
        if not settings.amqp_url:
            raise ValueError("RabbitFeed needs AMQP_URL")
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self.queue_name = self.topology.queue(consumer_name(instance))
        self._connection: object | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        # Connect in the background: the gateway serves queries while RabbitMQ is (still) away.
        self._task = asyncio.create_task(self._run(bindings, handler), name="gateway-subscription-feed")

    async def _run(self, bindings: tuple[str, ...], handler: EnvelopeHandler) -> None:
        import aio_pika
        from aio_pika.abc import AbstractIncomingMessage, ExchangeType

        delay = 0.2
        while True:
            try:
                connection = await aio_pika.connect_robust(
                    self.settings.amqp_url,
                    timeout=self.settings.connect_timeout_s,
                    client_properties={"connection_name": "kabinet-gateway-subscriptions"},
                )
                break
            except Exception as exc:
                log.warning("subscription feed cannot reach RabbitMQ yet: %r", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._connection = connection
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.settings.prefetch)
        exchange = await channel.declare_exchange(self.topology.exchange, ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(self.queue_name, exclusive=True, auto_delete=True, durable=False)
        for binding in bindings:
            await queue.bind(exchange, binding)

        async def on_message(message: AbstractIncomingMessage) -> None:
            try:
                envelope = Envelope.from_json(message.body)
            except MalformedEvent as exc:
                log.warning("subscription feed dropped a malformed message: %s", exc)
                return
            await handler(envelope)

        await queue.consume(on_message, no_ack=True)
        self.ready.set()
        log.info("subscription feed consuming %s", self.queue_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        connection = self._connection
        self._connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=self.settings.connect_timeout_s)  # type: ignore[attr-defined]
