"""Topic matching (AMQP semantics, as the in-process bus routes) and the contracts registry."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import pytest

from kabinet.bus.base import topic_matches
from kabinet.events import PRODUCED, Envelope, EventContract, MalformedEvent, Prepared, produces


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("a.b.c", "a.b.c", True),
        ("a.b.c", "a.b", False),
        ("a.b", "a.b.c", False),
        ("a.*.c", "a.x.c", True),
        ("a.*.c", "a.c", False),
        ("a.*", "a.b.c", False),
        ("a.#", "a", True),
        ("a.#", "a.b.c.d", True),
        ("#", "anything.at.all", True),
        ("#", "", True),
        ("#.v1", "identity.student.registered.v1", True),
        ("#.v1", "identity.student.registered.v2", False),
        ("identity.#.v1", "identity.v1", True),
        ("*.student.*.v1", "identity.student.erased.v1", True),
        ("a.#.c", "a.b.x.c", True),
        ("a.#.c", "a.b.x.d", False),
        ("billing.*", "identity.x", False),
    ],
)
def test_topic_matches(pattern: str, key: str, expected: bool):
    assert topic_matches(pattern, key) is expected


class _Thing(EventContract):
    event_type: ClassVar[str] = "kt.thing.happened"
    event_version: ClassVar[int] = 2
    description: ClassVar[str] = "A test thing."

    thing_id: str
    on: date
    note: str | None = None


@pytest.fixture
def clean_registry():
    saved = dict(PRODUCED)
    yield
    PRODUCED.clear()
    PRODUCED.update(saved)


def test_produces_registers_by_routing_key(clean_registry):
    assert produces(_Thing) is _Thing
    assert PRODUCED["kt.thing.happened.v2"] is _Thing
    assert produces(_Thing) is _Thing  # idempotent for the same class (module reloads)


def test_two_contracts_for_one_key_are_refused(clean_registry):
    produces(_Thing)

    class Impostor(EventContract):
        event_type: ClassVar[str] = "kt.thing.happened"
        event_version: ClassVar[int] = 2

    with pytest.raises(ValueError, match="two contracts"):
        produces(Impostor)


def test_payload_round_trip_through_an_envelope():
    thing = _Thing(thing_id="t1", on=date(2024, 3, 1))
    payload = thing.to_payload()
    assert payload == {"thing_id": "t1", "on": "2024-03-01", "note": None}
    env = Envelope(type=_Thing.event_type, version=2, producer="kt", payload={**payload, "added_later": 1})
    assert _Thing.parse_envelope(env) == thing  # a tolerant reader: unknown fields are ignored


@pytest.mark.parametrize("payload", [{}, {"thing_id": "t1"}, {"thing_id": "t1", "on": "not a date"},
                                     {"thing_id": None, "on": "2024-03-01"}])
def test_payload_not_matching_the_contract_is_malformed(payload: dict[str, object]):
    env = Envelope(type=_Thing.event_type, version=2, producer="kt", payload=payload)
    with pytest.raises(MalformedEvent, match=r"kt\.thing\.happened\.v2"):
        _Thing.parse_envelope(env)


def test_contracts_are_immutable():
    thing = _Thing(thing_id="t1", on=date(2024, 3, 1))
    with pytest.raises(ValueError):
        thing.thing_id = "t2"


def test_a_prepared_payload_is_published_as_built_and_checked_against_its_contract():
    good = Prepared(_Thing, {"thing_id": "t1", "on": "2024-03-01", "note": None})
    assert good.to_payload() is good.payload and good.event_type == "kt.thing.happened" and good.event_version == 2
    assert good.validated() == _Thing(thing_id="t1", on=date(2024, 3, 1))
    for wrong in ({"thing_id": "t1", "on": date(2024, 3, 1), "note": None},  # not the JSON form
                  {"thing_id": "t1", "on": "2024-03-01"},  # a field left out: not what to_payload writes
                  {"note": None, "on": "2024-03-01", "thing_id": "t1"}):  # the same, but not in the contract's order
        with pytest.raises(ValueError, match="not its contract's JSON form"):
            Prepared(_Thing, wrong).validated()
    with pytest.raises(ValueError):  # not valid at all
        Prepared(_Thing, {"thing_id": None, "on": "2024-03-01", "note": None}).validated()
