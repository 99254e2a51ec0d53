"""Billing's read models for the GraphQL schema (``billing.service.read_models.BillingReads``): small queries
returning dataclasses, over the request's read connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.queries import family, family_data, reports, statement
from billing.adapters.repositories import (
    AccountRepository,
    DiscountRepository,
    InvoiceRepository,
    PaymentRepository,
    ProjectionRepository,
    SubscriptionRepository,
)
from billing.domain.model import Discount, FamilyAccount, Subscription, SubscriptionType
from billing.domain.records import Branch, Invoice, Payment
from billing.service.read_models import BranchReport, Debtor, FamilyData, StatementEntry

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class SqlBillingReads:
    """Implements BillingReads; ``session()`` is the request's read session (``RequestContext.reads``)."""

    def __init__(self, session: Sessions) -> None:
        self.session = session

    async def statement_entry(self, tx_id: str) -> StatementEntry | None:
        async with self.session() as s:
            return await statement.statement_entry(s, tx_id)

    async def statement(self, account_id: str, *, after_seq: int | None, limit: int,
                        newest_first: bool = False) -> list[StatementEntry]:
        async with self.session() as s:
            return await statement.statement(s, account_id, after_seq=after_seq, limit=limit,
                                             newest_first=newest_first)

    async def debtors(self, branch_id: str) -> list[Debtor]:
        async with self.session() as s:
            return await reports.debtors(s, branch_id)

    async def branch_report(self, branch_id: str, since: datetime, until: datetime) -> BranchReport:
        async with self.session() as s:
            return await reports.branch_report(s, branch_id, since, until)

    async def accounts_by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]:
        async with self.session() as s:
            return await AccountRepository(s).by_families(family_ids)

    async def branches_by_families(self, family_ids: Sequence[str]) -> dict[str, set[str]]:
        async with self.session() as s:
            return await ProjectionRepository(s).families_branches(family_ids)

    async def family_data(self, student_ids: Sequence[str], account_family_ids: Sequence[str],
                          subscription_student_ids: Sequence[str], subscription_family_ids: Sequence[str]
                          ) -> FamilyData:
        async with self.session() as s:
            return await family_data.family_data(s, student_ids, account_family_ids, subscription_student_ids,
                                                 subscription_family_ids)

    async def payments_by_families(self, ids: Sequence[str]) -> dict[str, list[Payment]]:
        async with self.session() as s:
            return await family.payments_of(s, ids)

    async def invoices_by_families(self, ids: Sequence[str]) -> dict[str, list[Invoice]]:
        async with self.session() as s:
            return await family.invoices_of(s, ids)

    async def payment(self, payment_id: str) -> Payment | None:
        async with self.session() as s:
            return await PaymentRepository(s).get(payment_id)

    async def invoice(self, invoice_id: str) -> Invoice | None:
        async with self.session() as s:
            return await InvoiceRepository(s).get(invoice_id)

    async def subscription(self, subscription_id: str) -> Subscription | None:
        async with self.session() as s:
            return await SubscriptionRepository(s).get(subscription_id)

    async def subscription_types(self, branch_id: str | None) -> list[SubscriptionType]:
        async with self.session() as s:
            return await SubscriptionRepository(s).types(branch_id)

    async def discounts_of_branch(self, branch_id: str) -> list[Discount]:
        async with self.session() as s:
            return await DiscountRepository(s).of_branch(branch_id)

    async def branch(self, branch_id: str) -> Branch | None:
        async with self.session() as s:
            return await ProjectionRepository(s).branch(branch_id)
