"""Billing's domain: one account per family, a double-entry ledger of immutable entries (R-BIL-1, R-BIL-7)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from kabinet.money import DEFAULT_CURRENCY, Money


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class FamilyAccount:
    id: str
    family_id: str
    currency: str = DEFAULT_CURRENCY
    balance: Decimal = Decimal("0.00")  # cached sum of this account's entries
    opened_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def balance_money(self) -> Money:
        return Money(self.balance, self.currency)
