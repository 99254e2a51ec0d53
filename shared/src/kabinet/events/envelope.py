"""The event envelope every message on the bus carries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from kabinet.events.errors import MalformedEvent
from kabinet.events.ids import ids_in


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str  # "<producer>.<aggregate>.<event>", e.g. "identity.student.registered"
    version: int
    producer: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    causation_id: str | None = None
    # W3C trace context of the span that produced the event (only when tracing is on: kabinet.tracing).
    traceparent: str | None = None
    # The ids the payload names as changed (EventContract.context_fields left out), set at publish; None (an
    # envelope from before, or built by hand): every id in the payload counts as changed.
    changed_ids: tuple[str, ...] | None = None

    @property
    def routing_key(self) -> str:
        return routing_key(self.type, self.version)

    def named_ids(self) -> tuple[set[str], set[str]]:
        """The ids the payload names: those it changes (``changed_ids``; all of them when None) and those it names
        only as context - what a cache drops for it (the gateway's entity cache; ``kabinet.events.applied``)."""
        named: set[str] = set()
        ids_in(self.payload, named)
        changed = named if self.changed_ids is None else named.intersection(self.changed_ids)
        return changed, named - changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "payload": self.payload,
            # Only when traced: with tracing off the envelope is byte for byte what it was.
            **({"traceparent": self.traceparent} if self.traceparent else {}),
            **({"changed_ids": list(self.changed_ids)} if self.changed_ids is not None else {}),
        }

    def to_json(self) -> bytes:
        # orjson: compact UTF-8, as json.dumps(separators=(",", ":"), ensure_ascii=False) writes it, several
        # times faster. What it does not take (an int beyond 64 bits; datetimes and dataclasses are passed
        # through to raise here as in json) goes to json, which serializes it or raises TypeError as before.
        data = self.to_dict()
        try:
            return orjson.dumps(data, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
        except orjson.JSONEncodeError:
            return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_dict(cls, data: Any) -> Envelope:
        if not isinstance(data, dict):
            raise MalformedEvent("envelope is not a JSON object")
        try:
            version = data["version"]
            if not isinstance(version, int) or isinstance(version, bool):
                raise MalformedEvent("version is not an integer")
            payload = data["payload"]
            if not isinstance(payload, dict):
                raise MalformedEvent("payload is not an object")
            event_id = str(uuid.UUID(str(data["id"])))
            occurred = datetime.fromisoformat(str(data["occurred_at"]))
            etype, producer = data["type"], data["producer"]
            if not isinstance(etype, str) or not isinstance(producer, str):
                raise MalformedEvent("type and producer must be strings")
            changed = data.get("changed_ids")
            if changed is not None and not (isinstance(changed, list) and all(isinstance(i, str) for i in changed)):
                raise MalformedEvent("changed_ids is not a list of strings")
        except MalformedEvent:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            raise MalformedEvent(f"envelope is malformed: {exc!r}") from exc
        return cls(
            id=event_id,
            type=etype,
            version=version,
            producer=producer,
            payload=payload,
            occurred_at=occurred,
            correlation_id=data.get("correlation_id"),
            causation_id=data.get("causation_id"),
            traceparent=tp if isinstance(tp := data.get("traceparent"), str) else None,
            changed_ids=tuple(changed) if changed is not None else None,
        )

    @classmethod
    def from_json(cls, body: bytes) -> Envelope:
        try:
            data = orjson.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedEvent("body is not JSON") from exc
        return cls.from_dict(data)


def routing_key(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"
