"""Money in an event payload: ``{"amount": "1200.00", "currency": "RUB"}`` (a decimal string, never a float).

Producers declare fields as ``MoneyPayload`` and build them with ``MoneyPayload.of(money)``; consumers read
them with the same type (tolerant: a missing currency is the default one, unknown fields are ignored) and get
the domain value with ``.to_money()``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from kabinet.money import DEFAULT_CURRENCY, Money

# Two decimals as a string in JSON (and in the published catalogue); a number or a string when read.
AmountText = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
    # What is on the wire, for the published catalogue (docs/events.md, AsyncAPI): always a string.
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$",
                    "description": "A decimal amount written as a string, e.g. \"1200.00\"."}),
]


class MoneyPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: AmountText
    currency: str = DEFAULT_CURRENCY

    @classmethod
    def of(cls, money: Money) -> MoneyPayload:
        return cls(amount=money.amount, currency=money.currency)

    def to_money(self) -> Money:
        return Money(self.amount, self.currency)
