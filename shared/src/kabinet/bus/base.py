"""The tiny event-bus interface both transports implement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kabinet.events.envelope import Envelope

Handler = Callable[[Envelope], Awaitable[None]]
# Handles several envelopes in one transaction, all or nothing; on failure the transport falls back to
# the per-envelope handler for each of them (see kabinet.inbox.inbox_batch_handler).
BatchHandler = Callable[[Sequence[Envelope]], Awaitable[None]]


class PublishError(Exception):
    """The broker did not take the message; the outbox row stays unpublished and is retried."""


class Unroutable(PublishError):
    """No queue is bound for the routing key (returned under ``mandatory``): a wiring bug to report."""


class BrokerUnavailable(PublishError):
    """Not connected, or the broker did not confirm in time."""


@dataclass(frozen=True, slots=True)
class Subscription:
    consumer: str  # e.g. "billing": one durable queue per consumer
    bindings: tuple[str, ...]  # routing keys or topic patterns
    handler: Handler
    batch_handler: BatchHandler | None = None  # optional: a transport may use it for throughput
    # Raises while the handlers' dependencies (the database) are down: after a handler failed with an
    # outage (kabinet.outages), the consumer holds its messages and polls this until it passes.
    probe: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    consumer: str
    routing_key: str
    message_id: str | None
    body: bytes
    reason: str | None


class Transport(Protocol):
    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def is_connected(self) -> bool: ...

    async def publish(self, envelope: Envelope) -> None:
        """Deliver durably or raise :class:`PublishError` within a bounded time."""

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[PublishError | None]:
        """Publish several at once, all within the same bounded time; one result per envelope
        (None = confirmed). The outbox relay uses this."""

    async def subscribe(self, subscription: Subscription) -> None:
        """Handler success acks; an exception retries up to the delivery limit, then dead-letters;
        :class:`kabinet.events.MalformedEvent` dead-letters at once."""

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]: ...

    async def stalled_consumers(self) -> list[str]:
        """Consumers with messages waiting that made no progress for too long (readiness fails)."""

    async def replay_dead_letters(self, consumer: str, message_id: str | None = None) -> int: ...

    async def idle(self) -> bool:
        """Nothing for this process's consumers is waiting in their queues, held or being handled (tests and
        the demo seeding wait for it: a published event is not yet an applied one)."""


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic semantics: ``*`` is one word, ``#`` zero or more words."""
    p, k = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k) + 1))
        if j == len(k):
            return False
        return (p[i] == "*" or p[i] == k[j]) and match(i + 1, j + 1)

    return match(0, 0)
