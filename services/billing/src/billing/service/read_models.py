"""What the GraphQL schema reads (never writes): the read models, as a Protocol that ``adapters/queries/``
implements, and the dataclasses they return. Bootstrap's runtime gives the schema one per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from billing.domain.model import Discount, FamilyAccount, Subscription, SubscriptionType
from billing.domain.records import Branch, Invoice, Payment, Student


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One line of a family's statement: a ledger transaction and what a person needs to read it."""

    seq: int
    id: str
    created_at: datetime
    kind: str
    description: str
    amount: Decimal
    currency: str
    balance_after: Decimal
    lessons_delta: int
    debt: bool
    student_id: str | None = None
    lesson_id: str | None = None
    subscription_id: str | None = None
    payment_id: str | None = None
    invoice_id: str | None = None
    reverses_id: str | None = None
    discount_id: str | None = None
    discount_name: str | None = None
    discount_amount: Decimal | None = None
    created_by: str | None = None
    created_by_name: str | None = None  # the staff member, by name
    student_name: str | None = None
    lesson_starts_at: datetime | None = None
    lesson_type: str | None = None
    list_price: Decimal | None = None  # the lesson's price for the child before any discount
    subscription_name: str | None = None


@dataclass(frozen=True, slots=True)
class Debtor:
    family_id: str
    balance: Decimal
    currency: str
    student_names: list[str]


@dataclass(frozen=True, slots=True)
class BranchReport:
    revenue: Decimal
    payments: Decimal
    refunds: Decimal
    debts: Decimal
    debtors: int
    subscriptions_sold: int
    subscriptions_amount: Decimal
    lessons_charged: int
    lessons_amount: Decimal
    lessons_from_subscriptions: int


@dataclass(frozen=True, slots=True)
class FamilyData:
    """What a family's pages read in one batch: students by id, accounts by family, subscriptions by student and
    by family (each id asked for has a list, empty when it has none)."""

    students: dict[str, Student]
    accounts: dict[str, FamilyAccount]
    subscriptions_of_students: dict[str, list[Subscription]]
    subscriptions_of_families: dict[str, list[Subscription]]


class BillingReads(Protocol):
    async def statement_entry(self, tx_id: str) -> StatementEntry | None: ...

    async def statement(self, account_id: str, *, after_seq: int | None, limit: int,
                        newest_first: bool = False) -> list[StatementEntry]:
        """The family's history, oldest first (or newest first, ``after_seq`` then meaning older than): every line
        says what it was for (R-BIL-3, R-BIL-6)."""
        ...

    async def debtors(self, branch_id: str) -> list[Debtor]:
        """Families of the branch with a negative balance, largest debt first."""
        ...

    async def branch_report(self, branch_id: str, since: datetime, until: datetime) -> BranchReport: ...

    async def accounts_by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]: ...

    async def branches_by_families(self, family_ids: Sequence[str]) -> dict[str, set[str]]:
        """The branches each family's students study in."""
        ...

    async def family_data(self, student_ids: Sequence[str], account_family_ids: Sequence[str],
                          subscription_student_ids: Sequence[str], subscription_family_ids: Sequence[str]
                          ) -> FamilyData:
        """Students, accounts and subscriptions in one statement (the loaders' shared batch)."""
        ...

    async def payments_by_families(self, ids: Sequence[str]) -> dict[str, list[Payment]]: ...

    async def invoices_by_families(self, ids: Sequence[str]) -> dict[str, list[Invoice]]: ...

    async def payment(self, payment_id: str) -> Payment | None: ...

    async def invoice(self, invoice_id: str) -> Invoice | None: ...

    async def subscription(self, subscription_id: str) -> Subscription | None: ...

    async def subscription_types(self, branch_id: str | None) -> list[SubscriptionType]:
        """The plans a branch may sell: its own and the school-wide ones (all of them for None)."""
        ...

    async def discounts_of_branch(self, branch_id: str) -> list[Discount]: ...

    async def branch(self, branch_id: str) -> Branch | None: ...
