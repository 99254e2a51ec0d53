"""In-process transport for embedded mode: the same contract as RabbitMQ, delivered in-process.

Delivery is synchronous: ``publish`` returns once every subscribed consumer has handled (or
dead-lettered) the event. The outbox row is marked published only after that, so an event the
process had not finished delivering when it stopped is delivered again at the next start, and the
consumers' inboxes drop what they had already applied.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from kabinet.bus.base import DeadLetter, PublishError, Subscription, Unroutable, topic_matches
from kabinet.events.contracts import PRODUCED
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent

log = logging.getLogger(__name__)


class InProcessTransport:
    def __init__(self, delivery_limit: int = 4, retry_delay_s: float = 0.01) -> None:
        self._subs: list[Subscription] = []
        self._dead: dict[str, list[DeadLetter]] = defaultdict(list)
        self.delivery_limit = delivery_limit
        self.retry_delay_s = retry_delay_s
        self._connected = False

    async def connect(self) -> None:
        self._connected = True

    async def close(self) -> None:
        self._connected = False

    def is_connected(self) -> bool:
        return self._connected

    async def publish(self, envelope: Envelope) -> None:
        key = envelope.routing_key
        targets = [s for s in self._subs if any(topic_matches(b, key) for b in s.bindings)]
        if not targets and key not in PRODUCED:
            raise Unroutable(f"no consumer and no catalogue entry for {key}")
        await asyncio.gather(*(self._deliver(s, envelope) for s in targets))

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

    async def _deliver(self, sub: Subscription, envelope: Envelope) -> None:
        # Round-trip through JSON so handlers see exactly what they would get from RabbitMQ.
        body = envelope.to_json()
        reason = ""
        for attempt in range(1 + self.delivery_limit):
            try:
                await sub.handler(Envelope.from_json(body))
                return
            except MalformedEvent as exc:
                reason = f"malformed: {exc}"
                break
            except Exception as exc:  # handler failure: retry, then dead-letter
                reason = repr(exc)
                log.warning("handler failed", extra={"consumer": sub.consumer, "attempt": attempt + 1,
                                                     "event_id": envelope.id, "error": reason})
                await asyncio.sleep(self.retry_delay_s * (attempt + 1))
        self._dead[sub.consumer].append(
            DeadLetter(sub.consumer, envelope.routing_key, envelope.id, body, reason)
        )

    async def subscribe(self, subscription: Subscription) -> None:
        self._subs.append(subscription)

    async def stalled_consumers(self) -> list[str]:
        return []  # deliveries run in the publisher's task: nothing waits on its own

    async def dead_letters(self, consumer: str, limit: int = 100) -> list[DeadLetter]:
        return list(self._dead[consumer][:limit])

    async def idle(self) -> bool:
        return True  # a publish returns once every consumer has handled the event

    async def replay_dead_letters(self, consumer: str, message_id: str | None = None) -> int:
        dead = self._dead[consumer]
        chosen = [d for d in dead if message_id is None or d.message_id == message_id]
        self._dead[consumer] = [d for d in dead if d not in chosen]
        sub = next(s for s in self._subs if s.consumer == consumer)
        for d in chosen:
            await self._deliver(sub, Envelope.from_json(d.body))
        return len(chosen)
