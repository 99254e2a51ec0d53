"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Integer, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored as UTC and always read back aware.

    SQLite has no time zones: ``DateTime(timezone=True)`` reads back naive there, and comparing that with an
    aware ``now()`` fails. Naive input is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone-aware one")
        aware = value.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)  # the column is a DateTime: the driver gives one
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


_CENT = Decimal("0.01")


class Amount(TypeDecorator[Decimal]):
    """Money with two decimals, exact on both dialects.

    PostgreSQL: ``NUMERIC(precision, 2)``. SQLite has no decimal type (``Numeric`` there is floating point), so
    the amount is stored as an INTEGER number of cents: sums, comparisons and conditional UPDATEs computed in
    SQL (``balance + :delta >= -credit_limit``) stay exact. Amounts with more than two decimals are refused,
    never rounded silently.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14) -> None:
        super().__init__(precision, 2)
        self.precision = precision

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(self.impl_instance)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is not stored from a float; give a Decimal")
        amount = Decimal(value)
        if not amount.is_finite() or amount != amount.quantize(_CENT):
            raise ValueError(f"not an amount of money with at most two decimals: {value!r}")
        amount = amount.quantize(_CENT)
        return int(amount.scaleb(2)) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # Cents; an expression SQLite evaluated in floating point (e.g. ROUND) comes back as 1234.0.
            return Decimal(int(round(float(value)) if isinstance(value, float) else value)).scaleb(-2).quantize(_CENT)
        return Decimal(value).quantize(_CENT)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        # A literal compared with or added to an amount column is an amount too (bound as cents on SQLite).
        return self
