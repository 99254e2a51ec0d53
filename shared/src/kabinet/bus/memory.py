"""In-process transport for embedded mode: the same contract as RabbitMQ, delivered in-process.

Delivery is synchronous: ``publish`` returns once every subscribed consumer has handled (or
dead-lettered) the event. The outbox row is marked published only after that, so an event the
process had not finished delivering when it stopped is delivered again at the next start, and the
consumers' inboxes drop what they had already applied.

What RabbitMQ keeps durably, this bus keeps in the consumers' databases or holds in the producers' outboxes:

- a consumer's dead letters go to its :class:`~kabinet.bus.base.DeadLetterStore` (``Subscription.dead_letters``:
  its own database, kabinet.dead_letters) before the publish returns; a dead letter that could not be kept
  fails the publish, so the outbox row stays unpublished and the event comes again;
- a consumer :meth:`InProcessTransport.declare`\\ d (its runtime is built, like a durable queue) but not
  subscribed yet (its runtime still starting) cannot take an event bound to it: such a publish fails with
  :class:`BrokerUnavailable` and the row waits in the outbox, instead of being published past it;
- a replay asked for in a store (``kabinet-dlq replay``, from another process too) is delivered by a poller
  of the running process, to that consumer only;
- a handler failing with an outage (kabinet.outages) while the consumer's probe fails spends no try: the publish
  fails with :class:`BrokerUnavailable`, and the relay brings the event again after its back-off;
- a handler running past ``handler_timeout_s`` (``HANDLER_TIMEOUT_S``, as on RabbitMQ) is cancelled: a wait that
  ran out is an outage, so it spends no try if the consumer's probe fails, and is a failed try if it passes (the
  handler's own hang). Unbounded, a hung handler would hold its producer's relay until the process stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from kabinet.bus.base import (
    BrokerUnavailable,
    DeadLetter,
    DeadLetterStore,
    PublishError,
    Subscription,
    Unroutable,
    topic_matches,
)
from kabinet.events.contracts import PRODUCED
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.outages import is_outage
from kabinet.settings import MessagingSettings

log = logging.getLogger(__name__)


class MemoryDeadLetters:
    """A :class:`~kabinet.bus.base.DeadLetterStore` in memory: for subscriptions that live only as long as the
    process (the gateway's feed) and unit tests."""

    def __init__(self) -> None:
        self._dead: dict[str | None, tuple[DeadLetter, bool]] = {}  # message id -> (dead letter, replay asked)

    async def add(self, dead: DeadLetter) -> None:
        self._dead.pop(dead.message_id, None)
        self._dead[dead.message_id] = (dead, False)

    async def waiting(self, limit: int) -> list[DeadLetter]:
        return [d for d, asked in self._dead.values() if not asked][:limit]

    async def requested(self) -> list[DeadLetter]:
        return [d for d, asked in self._dead.values() if asked]

    async def request_replay(self, message_id: str | None) -> int:
        chosen = [k for k, (_, asked) in self._dead.items() if not asked and message_id in (None, k)]
        for k in chosen:
            self._dead[k] = (self._dead[k][0], True)
        return len(chosen)

    async def remove(self, message_id: str) -> None:
        self._dead.pop(message_id, None)


class InProcessTransport:
    def __init__(self, delivery_limit: int = 4, retry_delay_s: float = 0.01, *, replay_poll_s: float = 1.0,
                 handler_timeout_s: float = 60.0,
                 dead_letters: Mapping[str, DeadLetterStore] | None = None) -> None:
        """``dead_letters``: stores of consumers not subscribed here (``kabinet-dlq`` lists and asks for replays
        through them)."""
        self._subs: list[Subscription] = []
        self._stores: dict[str, DeadLetterStore] = dict(dead_letters or {})
        self._declared: dict[str, tuple[str, ...]] = {}
        self._replaying: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._poller: asyncio.Task[None] | None = None
        self.delivery_limit = delivery_limit
        self.retry_delay_s = retry_delay_s
        self.replay_poll_s = replay_poll_s
        self.probe_timeout_s = 5.0
        self.handler_timeout_s = handler_timeout_s
        self._connected = False

    @classmethod
    def from_settings(cls, messaging: MessagingSettings) -> InProcessTransport:
        """The bus embedded mode runs on, with the tries and the handler bound RabbitMQ mode would have."""
        return cls(messaging.delivery_limit, handler_timeout_s=messaging.handler_timeout_s)

    async def connect(self) -> None:
        self._connected = True
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll_replays(), name="in-process-bus-replays")

    async def close(self) -> None:
        self._connected = False
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller

    def is_connected(self) -> bool:
        return self._connected

    def declare(self, consumer: str, bindings: Sequence[str]) -> None:
        """``consumer`` will subscribe with these bindings: until it has, events bound to it are refused
        (:class:`BrokerUnavailable`: they wait in their outboxes), as RabbitMQ's durable queue would hold them."""
        self._declared[consumer] = tuple(bindings)

    async def publish(self, envelope: Envelope) -> None:
        key = envelope.routing_key
        subscribed = {s.consumer for s in self._subs}
        waiting = sorted(c for c, bindings in self._declared.items()
                         if c not in subscribed and any(topic_matches(b, key) for b in bindings))
        if waiting:
            raise BrokerUnavailable(f"{', '.join(waiting)} not subscribed yet")
        targets = [s for s in self._subs if any(topic_matches(b, key) for b in s.bindings)]
        if not targets and key not in PRODUCED:
            raise Unroutable(f"no consumer and no catalogue entry for {key}")
        # Every consumer's delivery ends before the publish does, also when one fails (nothing runs on unseen).
        results = await asyncio.gather(*(self._deliver(s, envelope) for s in targets), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def publish_batch(self, envelopes: Sequence[Envelope]) -> list[PublishError | None]:
        # In order, one after the other: each is delivered to its consumers before the next.
        results: list[PublishError | None] = []
        for envelope in envelopes:
            try:
                await self.publish(envelope)
                results.append(None)
            except PublishError as exc:
                results.append(exc)
        return results

    async def _deliver(self, sub: Subscription, envelope: Envelope) -> bool:
        """Handled (True) or dead-lettered (False) - kept in the consumer's store, else :class:`PublishError`."""
        # Round-trip through JSON so handlers see exactly what they would get from RabbitMQ.
        body = envelope.to_json()
        reason = ""
        for attempt in range(1 + self.delivery_limit):
            try:
                await self._call(sub, body)
                return True
            except MalformedEvent as exc:
                reason = f"malformed: {exc}"
                break
            except Exception as exc:  # handler failure: retry, then dead-letter
                if is_outage(exc) and not await self._answers(sub):
                    # An outage spends no try (as on RabbitMQ): the publish fails, the row waits in its outbox and
                    # the relay, backing off, brings the event again once the consumer's database answers.
                    raise BrokerUnavailable(f"{sub.consumer} is unavailable: {exc!r}") from exc
                reason = repr(exc)
                log.warning("handler failed", extra={"consumer": sub.consumer, "attempt": attempt + 1,
                                                     "event_id": envelope.id, "error": reason})
                await asyncio.sleep(self.retry_delay_s * (attempt + 1))
        dead = DeadLetter(sub.consumer, envelope.routing_key, envelope.id, body, reason)
        try:
            await self._store(sub.consumer).add(dead)
        except Exception as exc:
            # Not kept: the publish fails, so the outbox row stays unpublished and the event comes again.
            raise PublishError(f"dead letter {envelope.id} of {sub.consumer} not stored: {exc!r}") from exc
        log.error("event dead-lettered", extra={"consumer": sub.consumer, "event_id": envelope.id, "error": reason})
        return False

    async def _call(self, sub: Subscription, body: bytes) -> None:
        # Bounded as RabbitMQ mode's consumers are; the reason a dead letter keeps says the handler hung.
        bound = asyncio.timeout(self.handler_timeout_s)
        try:
            async with bound:
                await sub.handler(Envelope.from_json(body))
        except TimeoutError as exc:
            if bound.expired():
                raise TimeoutError(f"handler ran past {self.handler_timeout_s}s") from exc
            raise

    async def _answers(self, sub: Subscription) -> bool:
        """Whether the consumer's dependencies answer (its probe passes): an outage-like failure while they do is
        the handler's own, and counts as a try."""
        if sub.probe is None:
            return True
        try:
            async with asyncio.timeout(self.probe_timeout_s):
                await sub.probe()
        except Exception:
            return False
        return True

    async def subscribe(self, subscription: Subscription) -> None:
        if subscription.dead_letters is not None:
            self._stores[subscription.consumer] = subscription.dead_letters
        self._subs.append(replace(subscription, dead_letters=self._store(subscription.consumer)))

    def _store(self, consumer: str) -> DeadLetterStore:
        return self._stores.setdefault(consumer, MemoryDeadLetters())

    async def stalled_consumers(self) -> list[str]:
        return []  # deliveries run in the publisher's task: nothing waits on its own

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        store = self._stores.get(consumer)
        return [] if store is None else await store.waiting(limit)

    async def idle(self) -> bool:
        return True  # a publish returns once every consumer has handled the event

    async def replay_dead_letters(self, consumer: str, message_id: str | None = None) -> int:
        """Ask for the consumer's dead letters (one, or all) to be delivered again, to it only; delivered now when
        it is subscribed here, else by the poller of the process it runs in (or of its next start)."""
        store = self._stores.get(consumer)
        if store is None:
            return 0
        count = await store.request_replay(message_id)
        sub = next((s for s in self._subs if s.consumer == consumer), None)
        if count and sub is not None and self._connected:
            await self._replay_requested(sub)
        return count

    async def _replay_requested(self, sub: Subscription) -> None:
        # One replay of a consumer at a time (the poller and a direct call): each dead letter is delivered once.
        async with self._replaying[sub.consumer]:
            store = self._store(sub.consumer)
            for dead in await store.requested():
                try:
                    envelope = Envelope.from_json(dead.body)
                except MalformedEvent as exc:  # a row written by hand? back among the waiting ones, with why
                    await store.add(replace(dead, reason=f"malformed: {exc}"))
                    continue
                if await self._deliver(sub, envelope):
                    await store.remove(envelope.id)
                # else dead-lettered again: its new reason replaced it, the replay request with it

    async def _poll_replays(self) -> None:
        while True:
            for sub in list(self._subs):
                try:
                    await self._replay_requested(sub)
                except Exception as exc:  # its database away: the request stays, the next round tries again
                    log.warning("dead-letter replay failed", extra={"consumer": sub.consumer, "error": repr(exc)})
            await asyncio.sleep(self.replay_poll_s)
