"""The envelope on the wire: round trip, and every malformed shape raises MalformedEvent."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from kabinet.db.uow import UnitOfWork
from kabinet.events import Envelope, EventContract, MalformedEvent, routing_key


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


class _Marked(EventContract):
    event_type: ClassVar[str] = "test.attendance.marked"
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    lesson_id: str
    branch_id: str
    student_ids: list[str]


LESSON, BRANCH, S1, S2 = (str(uuid.uuid4()) for _ in range(4))


def test_a_contract_changes_the_ids_outside_its_context_fields():
    payload = _Marked(lesson_id=LESSON, branch_id=BRANCH, student_ids=[S2, S1, "not-an-id"]).to_payload()
    assert _Marked.changed_ids(payload) == sorted([LESSON, S1, S2])
    # An id named both as context and as changed is changed.
    assert BRANCH in _Marked.changed_ids({**payload, "student_ids": [BRANCH]})


def test_changed_ids_round_trip_and_are_absent_when_not_set():
    payload = _Marked(lesson_id=LESSON, branch_id=BRANCH, student_ids=[S1]).to_payload()
    env = Envelope(type="test.attendance.marked", version=1, producer="test", payload=payload,
                   changed_ids=tuple(_Marked.changed_ids(payload)))
    back = Envelope.from_json(env.to_json())
    assert back == env and back.changed_ids == tuple(sorted([LESSON, S1]))
    plain = Envelope(type="test.attendance.marked", version=1, producer="test", payload=payload)
    assert "changed_ids" not in json.loads(plain.to_json())  # old consumers see what they always saw
    assert Envelope.from_json(plain.to_json()).changed_ids is None  # and an old outbox row parses


@pytest.mark.parametrize("bad", ["x", [1], {"a": "b"}])
def test_malformed_changed_ids_raise_malformed_event(bad: object):
    with pytest.raises(MalformedEvent):
        Envelope.from_json(_with(changed_ids=bad))


async def test_the_unit_of_work_publishes_changed_ids_only_for_contracts_with_context(tmp_path: Path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}")
    outbox = Table("outbox", MetaData(), Column("id", String, primary_key=True), Column("routing_key", String),
                   Column("body", String), Column("created_at", DateTime), Column("attempts", Integer))
    async with engine.begin() as conn:
        await conn.run_sync(outbox.metadata.create_all)
    async with UnitOfWork(async_sessionmaker(engine), outbox, "test") as uow:
        marked = uow.publish(_Marked(lesson_id=LESSON, branch_id=BRANCH, student_ids=[S1]))
        plain = uow.publish(make_contract())
        await uow.commit()
    await engine.dispose()
    assert marked.changed_ids == tuple(sorted([LESSON, S1]))
    assert plain.changed_ids is None


class _Plain(EventContract):
    event_type: ClassVar[str] = "test.thing.happened"

    thing_id: str


def make_contract() -> _Plain:
    return _Plain(thing_id=S2)
