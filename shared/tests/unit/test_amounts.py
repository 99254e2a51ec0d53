"""The one rule for amounts from outside (``kabinet.money.parse_amount``) and the GraphQL Decimal scalar on it."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
import strawberry
from hypothesis import given
from hypothesis import strategies as st

from kabinet.graphql.schema import subgraph_schema
from kabinet.money import AMOUNT_COLUMN_MAX, AmountError, parse_amount

NOT_NUMBERS = ["1e400", "-1e400", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "abc", "", " ", "1,5",
               "0x10", "1e12", "1000000000000", "-1000000000000.00", float("inf"), float("nan"), True, None, [1],
               {"v": 1}]


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_what_is_not_an_amount_is_refused_never_raised_otherwise(value: object) -> None:
    with pytest.raises(AmountError):
        parse_amount(value, negative=True, zero=True, cents=False)


def test_the_rules_of_an_operation() -> None:
    assert parse_amount("1200.5") == Decimal("1200.50")
    assert parse_amount(" 10 ") == Decimal("10.00")
    assert parse_amount(7) == Decimal("7.00")
    assert parse_amount(0.1) == Decimal("0.10")  # a JSON number by its shortest repr
    assert parse_amount("999999999999.99") == AMOUNT_COLUMN_MAX
    assert parse_amount("-5", negative=True) == Decimal("-5.00")
    assert parse_amount("0", zero=True) == Decimal("0.00")
    assert parse_amount("10.001", cents=False) == Decimal("10.001")
    for value, kwargs in [("10.001", {}), ("-5", {}), ("0", {}), ("0.00", {"negative": True}),
                          ("10.01", {"maximum": Decimal("10.00")}), ("-10.01", {"maximum": Decimal("10"),
                                                                                 "negative": True})]:
        with pytest.raises(AmountError):
            parse_amount(value, **kwargs)  # type: ignore[arg-type]


@given(st.decimals(allow_nan=True, allow_infinity=True) | st.text(max_size=40) | st.floats())
def test_any_input_is_an_amount_or_an_amount_error(value: object) -> None:
    try:
        got = parse_amount(value, negative=True, zero=True)
    except AmountError:
        return
    assert got.is_finite() and abs(got) <= AMOUNT_COLUMN_MAX and got == got.quantize(Decimal("0.01"))


@strawberry.type
class _Query:
    @strawberry.field
    def echo(self, amount: Decimal) -> Decimal:
        return amount


def test_the_decimal_scalar_answers_bad_user_input() -> None:
    schema = subgraph_schema(_Query)
    ok = schema.execute_sync("query($a: Decimal!) { echo(amount: $a) }", variable_values={"a": "12.50"})
    assert ok.errors is None and ok.data == {"echo": "12.50"}
    for doc, variables in [("query($a: Decimal!) { echo(amount: $a) }", {"a": "1e400"}),
                           ("query($a: Decimal!) { echo(amount: $a) }", {"a": "NaN"}),
                           ('{ echo(amount: "Infinity") }', None)]:
        got = schema.execute_sync(doc, variable_values=variables)
        assert got.errors and [e.extensions["code"] for e in got.errors] == ["BAD_USER_INPUT"], got.errors


def test_a_clients_bad_amount_is_not_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    schema = subgraph_schema(_Query)
    got = schema.execute_sync("query($a: Decimal!) { echo(amount: $a) }", variable_values={"a": "NaN"})
    assert got.errors
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


@strawberry.type
class _Broken:
    @strawberry.field
    def boom(self) -> int:
        raise RuntimeError("a bug")


def test_a_bug_is_still_logged_once_at_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    got = subgraph_schema(_Broken).execute_sync("{ boom }")
    assert got.errors and got.errors[0].extensions["code"] == "INTERNAL_SERVER_ERROR"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
