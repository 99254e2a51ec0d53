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
class DeadLetter:
    consumer: str
    routing_key: str
    message_id: str | None
    body: bytes
    reason: str | None


class DeadLetterStore(Protocol):
    """Where a transport without a broker of its own (the in-process bus) keeps one consumer's dead letters: its
    ``<queue>.dlq``. Each call is its own transaction; a call that did not happen raises."""

    async def add(self, dead: DeadLetter) -> None:
        """Keep ``dead`` (again: a dead letter of the same event replaces the earlier one, replay no longer asked)."""

    async def waiting(self, limit: int) -> list[DeadLetter]:
        """The dead letters not asked to be replayed, oldest first."""

    async def request_replay(self, message_id: str | None) -> int:
        """Ask for those (one, or all) to be delivered again; returns how many."""

    async def requested(self) -> list[DeadLetter]:
        """The dead letters asked to be replayed, oldest first."""

    async def remove(self, message_id: str) -> None:
        """Delivered again and handled: gone."""


@dataclass(frozen=True, slots=True)
class Subscription:
    consumer: str  # e.g. "billing": one durable queue per consumer
    bindings: tuple[str, ...]  # routing keys or topic patterns
    handler: Handler
    batch_handler: BatchHandler | None = None  # optional: a transport may use it for throughput
    # Raises while the handlers' dependencies (the database) are down: after a handler failed with an
    # outage (kabinet.outages), the consumer holds its messages and polls this until it passes.
    probe: Callable[[], Awaitable[None]] | None = None
    # Where the in-process bus keeps this consumer's dead letters (kabinet.dead_letters.SqlDeadLetters: its own
    # database); RabbitMQ keeps them in the consumer's .dlq and ignores this. None: in memory (a feed that lives
    # only as long as the process, like the gateway's).
    dead_letters: DeadLetterStore | None = None
    # How long a lone delivery waits for more before its batch is handled (see MessagingSettings.batch_linger_s);
    # None: the settings'. A consumer whose effects nobody waits on (notifications) trades latency for fewer
    # transactions.
    linger_s: float | None = None


class Transport(Protocol):
    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def is_connected(self) -> bool: ...

    async def publish(self, envelope: Envelope) -> None:
        """Deliver durably or raise :class:`PublishError` within a bounded time."""

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[PublishError | None]:
        """Publish several at once, all within the same bounded time; one result per envelope
        (None = confirmed). The outbox relay uses this. A transport may carry several envelopes in one broker
        message (RabbitMQ: kabinet.bus.wire); each envelope still gets its own result."""

    async def subscribe(self, subscription: Subscription) -> None:
        """Handler success acks; an exception retries up to the delivery limit, then dead-letters;
        :class:`kabinet.events.MalformedEvent` dead-letters at once. Per event, also when a broker message
        carries several: the handlers always see single envelopes, and a bad one is dead-lettered alone."""

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]: ...

    async def stalled_consumers(self) -> list[str]:
        """Consumers with messages waiting that made no progress for too long (readiness fails)."""

    async def replay_dead_letters(self, consumer: str, message_id: str | None = None) -> int: ...

    async def idle(self) -> bool:
        """Nothing for this process's consumers is waiting in their queues, held or being handled (events of a
        batch message count until the message is settled; tests and
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
