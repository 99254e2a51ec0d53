"""How envelopes travel in AMQP messages: one per message, or several of one routing key in a batch message.

A single-event message is the envelope's JSON (content type ``application/json``), as before batching. A batch
message is a JSON array of the envelopes' JSON forms, with content type :data:`BATCH_CONTENT_TYPE` and the header
``x-kabinet-events: n``. Every reader of messages (the consumers, the gateway's feed, the dead-letter tools, the
archive's readers) goes through :func:`decode`, so both kinds are understood everywhere (docs/events.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import orjson

from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent

BATCH_CONTENT_TYPE = "application/vnd.kabinet.events+json"
EVENTS_HEADER = "x-kabinet-events"
# Set on an event dead-lettered alone out of a batch message (the broker's x-death is on whole messages).
DEAD_REASON_HEADER = "x-kabinet-dead-letter-reason"


@dataclass(frozen=True, slots=True)
class Item:
    """One event of a message: its envelope, or why it is not one (its raw JSON kept for the dead letter)."""

    body: bytes
    envelope: Envelope | None
    error: MalformedEvent | None = None


def is_batch(content_type: str | None) -> bool:
    return content_type == BATCH_CONTENT_TYPE


def encode_batch(bodies: Sequence[bytes]) -> bytes:
    """The batch body of envelopes already serialized (``Envelope.to_json``)."""
    return b"[" + b",".join(bodies) + b"]"


def decode(body: bytes, content_type: str | None) -> list[Item]:
    """The events of a message. A single-event message that is not an envelope raises :class:`MalformedEvent`
    (the message is the dead letter); in a batch, only the bad element is marked (it is dead-lettered alone), and
    a batch body that is not a JSON array raises."""
    if not is_batch(content_type):
        return [Item(body, Envelope.from_json(body))]
    try:
        data = orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEvent("batch body is not JSON") from exc
    if not isinstance(data, list) or not data:
        raise MalformedEvent("batch body is not a non-empty JSON array")
    return list(_items(data))


def _items(data: list[object]) -> Iterator[Item]:
    for element in data:
        raw = orjson.dumps(element)
        try:
            yield Item(raw, Envelope.from_dict(element))
        except MalformedEvent as exc:
            yield Item(raw, None, exc)


def envelopes(body: bytes, content_type: str | None) -> list[Envelope]:
    """The well-formed envelopes of a message (readers that drop what they cannot parse: the gateway's feed)."""
    return [item.envelope for item in decode(body, content_type) if item.envelope is not None]


def packed(bodies: Sequence[tuple[str, bytes]], per_message: int, max_bytes: int) -> list[list[int]]:
    """Groups of indexes into ``bodies`` ((routing key, JSON) in publish order), each one message: consecutive
    envelopes of the same routing key, at most ``per_message`` of them and ``max_bytes`` of body (an envelope
    larger than that alone goes alone)."""
    groups: list[list[int]] = []
    size = 0
    for i, (key, body) in enumerate(bodies):
        last = groups[-1] if groups else None
        if (last is not None and len(last) < per_message and bodies[last[0]][0] == key
                and size + len(body) + 1 <= max_bytes):
            last.append(i)
            size += len(body) + 1
        else:
            groups.append([i])
            size = len(body) + 2
    return groups
