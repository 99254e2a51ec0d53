"""The envelope on the wire: round trip, and every malformed shape raises MalformedEvent."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from kabinet.events import Envelope, MalformedEvent, routing_key


def make() -> Envelope:
    return Envelope(type="identity.student.registered", version=1, producer="identity",
                    payload={"student_id": "s1", "nested": {"a": [1, 2]}, "name": "Ёлка"},
                    correlation_id="c1", causation_id="e0")


def test_round_trip_keeps_every_field():
    env = make()
    back = Envelope.from_json(env.to_json())
    assert back == env
    assert back.routing_key == "identity.student.registered.v1" == routing_key(env.type, 1)
    assert back.occurred_at.tzinfo is not None


def test_wire_format_is_compact_utf8_json_with_the_documented_fields():
    data = json.loads(make().to_json())
    assert set(data) == {"id", "type", "version", "occurred_at", "producer", "correlation_id", "causation_id",
                         "payload"}
    assert "Ёлка".encode() in make().to_json()
    uuid.UUID(data["id"])


def test_optional_ids_may_be_absent():
    data = make().to_dict()
    del data["correlation_id"], data["causation_id"]
    env = Envelope.from_dict(data)
    assert env.correlation_id is None and env.causation_id is None


def _with(**changes: object) -> bytes:
    data = make().to_dict()
    for key, value in changes.items():
        if value is KeyError:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'"a string"',
        _with(id=KeyError),
        _with(id="not-a-uuid"),
        _with(type=KeyError),
        _with(type=5),
        _with(producer=None),
        _with(version="1"),
        _with(version=True),
        _with(version=KeyError),
        _with(payload=[1]),
        _with(payload=KeyError),
        _with(occurred_at="yesterday"),
        _with(occurred_at=KeyError),
    ],
)
def test_malformed_bodies_raise_malformed_event(body: bytes):
    with pytest.raises(MalformedEvent):
        Envelope.from_json(body)


def test_malformed_event_is_a_value_error_so_generic_handlers_still_see_bad_input():
    assert issubclass(MalformedEvent, ValueError)


def test_ids_and_times_default_uniquely():
    a, b = make(), make()
    assert a.id != b.id
    assert a.occurred_at <= datetime.now(UTC)
