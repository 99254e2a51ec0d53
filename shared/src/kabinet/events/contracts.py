"""Versioned event payload contracts.

A producer declares each event it publishes as a subclass of :class:`EventContract` registered with
:func:`produces`; the registry is the source of the published catalogue (docs/events.md, AsyncAPI).
A consumer declares its own tolerant reader of the same event (extra fields ignored) with
:func:`consumes`-free subclasses: services never import each other's code; tests/contracts checks that
every consumer's reader accepts what the producer's contract emits.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from kabinet.events.envelope import Envelope, routing_key
from kabinet.events.errors import MalformedEvent


class EventContract(BaseModel):
    """Payload of one event type at one version. Subclasses set ``event_type`` and ``event_version``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ""

    @classmethod
    def routing_key(cls) -> str:
        return routing_key(cls.event_type, cls.event_version)

    @classmethod
    def parse_envelope(cls: type[C], envelope: Envelope) -> C:
        try:
            return cls.model_validate(envelope.payload)
        except ValidationError as exc:
            raise MalformedEvent(f"{envelope.routing_key}: payload does not match contract: {exc}") from exc

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


C = TypeVar("C", bound=EventContract)

# routing key -> contract class, for every event a producer in this process declares.
PRODUCED: dict[str, type[EventContract]] = {}


def produces(cls: type[C]) -> type[C]:
    """Class decorator: register a producer's contract in the catalogue."""
    key = cls.routing_key()
    existing = PRODUCED.get(key)
    if existing is not None and existing is not cls:
        raise ValueError(f"two contracts declare {key}: {existing.__qualname__} and {cls.__qualname__}")
    PRODUCED[key] = cls
    return cls


def producer_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]
