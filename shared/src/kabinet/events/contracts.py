"""Versioned event payload contracts.

A producer declares each event it publishes as a subclass of :class:`EventContract` registered with
:func:`produces`; the registry is the source of the published catalogue (docs/events.md, AsyncAPI).
A consumer declares its own tolerant reader of the same event (extra fields ignored) with
:func:`consumes`-free subclasses: services never import each other's code; tests/contracts checks that
every consumer's reader accepts what the producer's contract emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import orjson
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


@dataclass(frozen=True, slots=True)
class Prepared(Generic[C]):
    """An event of ``contract`` whose payload its producer built in the JSON form ``to_payload`` would give,
    published as is (``UnitOfWork.publish`` takes it as it takes the contract): no pydantic validation and dump
    on a hot path (billing's 3,520 ``billing.lesson.charged`` of a month). What is published is the same only
    if the producer builds it right: its tests publish through a unit of work that checks
    :meth:`validated` - the payload validates against the contract and dumps back to itself."""

    contract: type[C]
    payload: dict[str, Any]

    @property
    def event_type(self) -> str:
        return self.contract.event_type

    @property
    def event_version(self) -> int:
        return self.contract.event_version

    @property
    def context_fields(self) -> frozenset[str]:
        return self.contract.context_fields

    def changed_ids(self, payload: dict[str, Any]) -> list[str]:
        return self.contract.changed_ids(payload)

    def to_payload(self) -> dict[str, Any]:
        return self.payload

    def validated(self) -> C:
        """The contract's event of this payload; ValueError unless it dumps back to exactly this payload."""
        event = self.contract.model_validate(self.payload)
        try:  # byte for byte as an envelope writes it: the keys' order too
            strict = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # a date object raises
            same = orjson.dumps(self.payload, option=strict) == orjson.dumps(event.to_payload(), option=strict)
        except TypeError:  # a value that is not JSON (a Decimal, a date): not the JSON form
            same = False
        if not same:
            raise ValueError(f"{self.contract.__qualname__}: a prepared payload is not its contract's JSON form: "
                             f"{self.payload!r} != {event.to_payload()!r}")
        return event

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
