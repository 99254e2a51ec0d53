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
from kabinet.events.ids import ids_in


class EventContract(BaseModel):
    """Payload of one event type at one version. Subclasses set ``event_type`` and ``event_version``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = ""
    # Payload fields that name an entity only as context - where the change happened, who made it - and not
    # what changed: the event changes no field of that entity (in any subgraph). Caches drop what the other
    # fields name (`changed_ids`). Empty: every id the payload names is changed (the safe default).
    context_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def changed_ids(cls, payload: dict[str, Any]) -> list[str]:
        """The ids this payload names outside its context fields, sorted (what the event changes)."""
        ids: set[str] = set()
        for name, value in payload.items():
            if name not in cls.context_fields:
                ids_in(value, ids)
        return sorted(ids)

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
