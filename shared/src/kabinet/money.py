"""Money: a decimal amount and a currency, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, DecimalException

DEFAULT_CURRENCY = "RUB"
_CENT = Decimal("0.01")
# The largest amount a money column holds (NUMERIC(14, 2); integer cents on SQLite fit easily).
AMOUNT_COLUMN_MAX = Decimal("999999999999.99")


class AmountError(ValueError):
    """A value that is not an acceptable amount of money; the message is safe to show a client."""


def parse_amount(value: object, *, maximum: Decimal = AMOUNT_COLUMN_MAX, negative: bool = False,
                 zero: bool = False, cents: bool = True) -> Decimal:
    """The one rule for amounts given from outside (GraphQL, webhooks): a finite decimal, at most
    ``maximum`` in absolute value, at most two decimals (unless ``cents`` is off), positive unless
    ``negative``/``zero`` allow otherwise. Never rounds; compares before any arithmetic, so values like
    ``1e400`` or ``NaN`` are refused instead of raising ``decimal.InvalidOperation``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise AmountError("An amount is a decimal number written as a string, e.g. \"1200.50\".")
    try:
        # A float (a JSON number) by its shortest repr: 0.1 is "0.1", inf and nan are refused below.
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (DecimalException, ValueError) as exc:
        raise AmountError("This is not a number.") from exc
    if not amount.is_finite():
        raise AmountError("An amount is a finite number.")
    if abs(amount) > maximum:
        raise AmountError(f"An amount is at most {maximum:,.2f}.")
    if cents and amount != amount.quantize(_CENT):
        raise AmountError("An amount has at most two decimal places.")
    if amount < 0 and not negative:
        raise AmountError("The amount must be positive.")
    if amount == 0 and not zero:
        raise AmountError("The amount must not be zero.")
    return amount.quantize(_CENT) if cents else amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        object.__setattr__(self, "amount", self.amount.quantize(_CENT, rounding=ROUND_HALF_EVEN))

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(str(amount)), currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def __mul__(self, times: int) -> Money:
        return Money(self.amount * times, self.currency)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0
