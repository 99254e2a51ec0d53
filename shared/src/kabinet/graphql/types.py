"""GraphQL types and scalars every subgraph shares (declared @shareable so they compose)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from kabinet.errors import BadUserInput
from kabinet.money import DEFAULT_CURRENCY, AmountError, parse_amount
from kabinet.money import Money as MoneyValue
from kabinet.phone import normalise_phone


def _parse_phone(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("Phone must be a string")
    return normalise_phone(value)


Phone = NewType("Phone", str)

PHONE_SCALAR = strawberry.scalar(
    name="Phone",
    description="A phone number in E.164 form (+79123456789); input is normalised, invalid numbers refused.",
    serialize=str,
    parse_value=_parse_phone,
)


def _parse_datetime(value: object) -> dt.datetime:
    # A time without an offset is ambiguous across the branches' zones; refuse it rather than guess.
    if not isinstance(value, str):
        raise BadUserInput("A DateTime is an ISO 8601 string with an offset, e.g. 2026-12-01T10:00:00+03:00.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadUserInput(f"'{value[:40]}' is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadUserInput("A DateTime needs a time zone offset (…+03:00 or …Z).")
    return parsed


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="A moment in time, ISO 8601 with a time zone offset (2026-12-01T10:00:00+03:00).",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_datetime,
)


def _parse_decimal(value: object) -> Decimal:
    # Every Decimal argument of every subgraph is an amount of money (or a price, a percent): one rule for
    # what is a number at all, so "1e400", "NaN" or "Infinity" are BAD_USER_INPUT, never an internal error.
    # Each operation's own rules (sign, cents, its maximum) are checked by the service with the same parser.
    try:
        return parse_amount(value, negative=True, zero=True, cents=False)
    except AmountError as exc:
        raise BadUserInput(str(exc)) from None


# Strawberry's own name and description, so the published SDL stays the same; only parsing is stricter.
DECIMAL_SCALAR = ScalarDefinition(
    name="Decimal", description="Decimal (fixed-point)", specified_by_url=None, serialize=str,
    parse_value=_parse_decimal, parse_literal=None, origin=Decimal,
)

# Every subgraph's schema config maps these (kabinet.graphql.schema does it).
SCALAR_MAP: dict[object, Any] = {Phone: PHONE_SCALAR, dt.datetime: DATETIME_SCALAR, Decimal: DECIMAL_SCALAR}


@strawberry.federation.type(shareable=True, description="An amount of money: a decimal and a currency.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def from_value(cls, value: MoneyValue) -> Money:
        return cls(amount=value.amount, currency=value.currency)

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str = DEFAULT_CURRENCY) -> Money:
        """From an amount and a currency as stored (two decimals, like the domain value)."""
        return cls.from_value(MoneyValue.of(amount, currency))

    def to_value(self) -> MoneyValue:
        return MoneyValue(Decimal(self.amount), self.currency)


@strawberry.federation.type(shareable=True, description="A problem with a mutation's input or state.")
class UserError:
    field: str | None
    message: str
    code: str


@strawberry.federation.type(shareable=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
