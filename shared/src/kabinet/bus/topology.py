"""RabbitMQ topology: names and arguments, in one place.

- one durable topic exchange for all events (``kabinet.events``);
- per consumer a durable quorum queue with an explicit delivery limit, dead-lettering to
  ``<exchange>.dlx`` with routing key ``<queue>``, where the consumer's own ``<queue>.dlq`` is bound;
- an archive queue bound to every catalogued routing key, so a catalogued event with no subscriber yet
  is still routable (bounded by TTL and length), while a misspelled key is returned as unroutable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kabinet.settings import MessagingSettings


@dataclass(frozen=True)
class Topology:
    exchange: str
    queue_prefix: str
    delivery_limit: int

    @classmethod
    def from_settings(cls, s: MessagingSettings) -> Topology:
        return cls(s.events_exchange, s.queue_prefix, s.delivery_limit)

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.exchange}.dlx"

    @property
    def archive_queue(self) -> str:
        return f"{self.queue_prefix}{self.exchange}.archive"

    def queue(self, consumer: str) -> str:
        return f"{self.queue_prefix}{consumer}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.queue(consumer)}.dlq"

    def queue_arguments(self, consumer: str) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            # RabbitMQ 3.10 has no default delivery limit: without one a poison message loops forever.
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letter_exchange,
            "x-dead-letter-routing-key": self.queue(consumer),
        }

    @staticmethod
    def dead_letter_queue_arguments() -> dict[str, Any]:
        return {"x-queue-type": "quorum"}

    @staticmethod
    def archive_arguments() -> dict[str, Any]:
        # A classic lazy queue: a cheap, bounded replay window rather than a delivery path.
        return {"x-queue-mode": "lazy", "x-message-ttl": 7 * 24 * 3600 * 1000, "x-max-length": 1_000_000}
