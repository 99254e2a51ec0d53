"""The kit's limits on text input: every subgraph refuses over-long, control and direction-override text."""

from __future__ import annotations

import datetime as dt

import pytest
import strawberry

from kabinet.errors import BadUserInput
from kabinet.graphql.input_limits import check_arguments, rule_for
from kabinet.graphql.schema import subgraph_schema


@strawberry.input
class PersonInput:
    first_name: str
    comment: str = ""


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, input: PersonInput, reason: str = "") -> str:
        return input.first_name

    @strawberry.field
    def at(self, moment: dt.datetime) -> dt.datetime:
        return moment


SCHEMA = subgraph_schema(Query)


def test_rules_by_name() -> None:
    assert rule_for("firstName").max_length == 100
    assert rule_for("reason").max_length == 1000
    assert rule_for("comment").max_length == 5000
    assert rule_for("idempotencyKey").max_length == 1000


@pytest.mark.parametrize(("arguments", "field"), [
    ({"input": {"firstName": "x" * 101}}, "input.firstName"),
    ({"input": {"firstName": "Ann\u202eA"}}, "input.firstName"),   # right-to-left override
    ({"input": {"firstName": "Ann\u2066A"}}, "input.firstName"),   # isolate
    ({"input": {"firstName": "Ann\nA"}}, "input.firstName"),       # names are one line
    ({"reason": "a\x00b"}, "reason"),
    ({"reason": "r" * 1001}, "reason"),
    ({"input": {"firstName": "A", "comment": "c" * 5001}}, "input.comment"),
    ({"list": [{"lastName": "ok"}, {"lastName": "y" * 101}]}, "list.1.lastName"),
])
def test_refused(arguments: dict, field: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        check_arguments(arguments)
    assert refused.value.code == "BAD_USER_INPUT"
    assert refused.value.field == field


def test_accepted() -> None:
    check_arguments({"input": {"firstName": "Анна-Мария", "comment": "Line one\nline two\ttab"},
                     "reason": "x" * 1000, "title": "A" * 100})


def test_through_a_schema_the_error_is_typed_and_nothing_resolves() -> None:
    bad = SCHEMA.execute_sync('{ echo(input: {firstName: "Ann\u202eA"}) }')
    assert bad.data is None
    assert bad.errors and bad.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "input.firstName"}
    good = SCHEMA.execute_sync('{ echo(input: {firstName: "Ann"}) }')
    assert good.data == {"echo": "Ann"}


@pytest.mark.parametrize("value", ["2026-12-01T00:00:00", "2026-12-01", "yesterday", "2026-13-01T00:00:00Z"])
def test_date_times_without_an_offset_or_invalid_are_bad_input(value: str) -> None:
    literal = SCHEMA.execute_sync(f'{{ at(moment: "{value}") }}')
    variable = SCHEMA.execute_sync("query($m: DateTime!) { at(moment: $m) }", variable_values={"m": value})
    for result in (literal, variable):
        assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT", result.errors


def test_date_time_with_offset_round_trips() -> None:
    result = SCHEMA.execute_sync('{ at(moment: "2026-12-01T10:00:00+03:00") }')
    assert result.data == {"at": "2026-12-01T10:00:00+03:00"}


def test_a_variable_of_the_wrong_type_is_bad_input_not_internal() -> None:
    result = SCHEMA.execute_sync("query($m: DateTime!) { at(moment: $m) }", variable_values={"m": 5})
    assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT"
