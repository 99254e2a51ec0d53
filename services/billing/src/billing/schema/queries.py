"""Billing's root query fields; each checks access with billing's own data."""

from __future__ import annotations

import datetime as dt

import strawberry

from billing.schema.access import GInfo, check_family, check_student
from billing.schema.context import reads
from billing.schema.entities import account_for, statement_page
from billing.schema.loaders import loaders
from billing.schema.types import (
    BillingAccount,
    BillingDiscount,
    BillingInvoice,
    BillingPayment,
    BranchBillingReport,
    BranchBillingSettings,
    Debtor,
    StatementLineConnection,
    StatementOrder,
    StudentSubscription,
    SubscriptionPlan,
)
from billing.service.access import require_branch_managed
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.errors import InvalidInput
from kabinet.graphql.types import Money


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in family's account.")
    async def my_account(self, info: GInfo) -> BillingAccount | None:
        p = info.context.principal
        require_authenticated(p)
        ensure(p.family_id is not None)
        return await account_for(info, str(p.family_id))

    @strawberry.field(description="A family's account (its guardians, its branches' admins, the owner).")
    async def family_account(self, info: GInfo, family_id: strawberry.ID) -> BillingAccount | None:
        await check_family(info, str(family_id))
        return await account_for(info, str(family_id))

    @strawberry.field(description=(
        "A family's statement: every charge, payment, adjustment, with what it was for; oldest first, or newest "
        "first with order: NEWEST_FIRST (after then pages back to older lines)."))
    async def family_statement(self, info: GInfo, family_id: strawberry.ID, first: int = 50,
                               after: str | None = None, order: StatementOrder = StatementOrder.OLDEST_FIRST
                               ) -> StatementLineConnection:
        await check_family(info, str(family_id))
        return await statement_page(info, str(family_id), first, after, order)

    @strawberry.field(description="A family's payments.")
    async def family_payments(self, info: GInfo, family_id: strawberry.ID) -> list[BillingPayment]:
        await check_family(info, str(family_id))
        rows = await loaders(info).payments_by_family.load(str(family_id))
        return [BillingPayment.from_row(r) for r in rows]

    @strawberry.field(description="A family's invoices.")
    async def family_invoices(self, info: GInfo, family_id: strawberry.ID) -> list[BillingInvoice]:
        await check_family(info, str(family_id))
        rows = await loaders(info).invoices_by_family.load(str(family_id))
        return [BillingInvoice.from_row(r) for r in rows]

    @strawberry.field(description="A student's subscriptions.")
    async def student_subscriptions(self, info: GInfo, student_id: strawberry.ID) -> list[StudentSubscription]:
        await check_student(info, str(student_id))
        subs = await loaders(info).family_data.subscriptions_of_student(str(student_id))
        return [StudentSubscription.from_model(s) for s in subs]

    @strawberry.field(description="Subscription types on sale (in a branch, plus school-wide ones).")
    async def subscription_plans(self, info: GInfo, branch_id: strawberry.ID | None = None) -> list[SubscriptionPlan]:
        require_authenticated(info.context.principal)
        types = await reads(info).subscription_types(str(branch_id) if branch_id else None)
        return [SubscriptionPlan.from_model(t) for t in types]

    @strawberry.field(description="The branch's discounts (branch admins, the owner).")
    async def branch_discounts(self, info: GInfo, branch_id: strawberry.ID) -> list[BillingDiscount]:
        require_branch_managed(info.context.principal, str(branch_id))
        found = await reads(info).discounts_of_branch(str(branch_id))
        return [BillingDiscount.from_model(d) for d in found]

    @strawberry.field(description="Families of the branch with a negative balance (branch admins, the owner).")
    async def debtors(self, info: GInfo, branch_id: strawberry.ID) -> list[Debtor]:
        require_branch_managed(info.context.principal, str(branch_id))
        rows = await reads(info).debtors(str(branch_id))
        return [Debtor(family_id=strawberry.ID(d.family_id), balance=Money.of(d.balance, d.currency),
                       student_names=d.student_names) for d in rows]

    @strawberry.field(description="Revenue, payments, debts, subscriptions sold, lessons charged for a period.")
    async def branch_billing_report(self, info: GInfo, branch_id: strawberry.ID, since: dt.datetime,
                                    until: dt.datetime) -> BranchBillingReport:
        require_branch_managed(info.context.principal, str(branch_id))
        if until <= since:
            raise InvalidInput("The period ends before it starts.", field="until")
        r = await reads(info).branch_report(str(branch_id), since, until)
        return BranchBillingReport(
            branch_id=branch_id, since=since, until=until, revenue=Money.of(r.revenue),
            payments=Money.of(r.payments), refunds=Money.of(r.refunds), debts=Money.of(r.debts), debtors=r.debtors,
            subscriptions_sold=r.subscriptions_sold,
            subscriptions_amount=Money.of(r.subscriptions_amount), lessons_charged=r.lessons_charged,
            lessons_amount=Money.of(r.lessons_amount), lessons_from_subscriptions=r.lessons_from_subscriptions)

    @strawberry.field(description="How the branch charges lessons and make-ups, and treats expired ones.")
    async def branch_billing_settings(self, info: GInfo, branch_id: strawberry.ID) -> BranchBillingSettings:
        require_branch_managed(info.context.principal, str(branch_id))
        b = await reads(info).branch(str(branch_id))
        return BranchBillingSettings.from_row(branch_id, b)
