"""Federation entities billing extends: Family (account, statement, ...) and Student (subscriptions)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from billing.domain.model import remaining_lessons as lessons_left_on
from billing.schema.access import GInfo, check_family, check_student
from billing.schema.context import reads
from billing.schema.loaders import loaders
from billing.schema.types import (
    BillingAccount,
    BillingInvoice,
    BillingPayment,
    StatementLine,
    StatementLineConnection,
    StatementLineEdge,
    StatementOrder,
    StudentSubscription,
    )
from kabinet.graphql.entities import STUDENT_OWNER, StudentEntity
from kabinet.graphql.types import Money, PageInfo

MAX_PAGE = 200


async def account_for(info: GInfo, family_id: str) -> BillingAccount | None:
    acc = await loaders(info).family_data.account(family_id)
    return BillingAccount.from_model(acc) if acc is not None else None


async def statement_page(info: GInfo, family_id: str, first: int, after: str | None,
                         order: StatementOrder = StatementOrder.OLDEST_FIRST) -> StatementLineConnection:
    """A page of the statement from either end; ``after`` (a line's cursor) continues in the page's direction."""
    acc = await loaders(info).family_data.account(family_id)
    if acc is None:
        return StatementLineConnection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))
    first = max(1, min(first, MAX_PAGE))
    after_seq = int(after) if after and after.isdigit() else None
    rows = await reads(info).statement(acc.id, after_seq=after_seq, limit=first + 1,
                                       newest_first=order is StatementOrder.NEWEST_FIRST)
    edges = [StatementLineEdge(cursor=str(r.seq), node=StatementLine.from_row(r)) for r in rows[:first]]
    return StatementLineConnection(edges=edges, page_info=PageInfo(
        has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None))


@strawberry.federation.type(keys=["id"])
class Family:
    id: strawberry.ID

    @strawberry.field(description="The family's shared account; null until its first student is registered.")
    async def account(self, info: GInfo) -> BillingAccount | None:
        await check_family(info, str(self.id))
        return await account_for(info, str(self.id))

    @strawberry.field(description=(
        "The family's history of charges, payments, adjustments: oldest first, or newest first with "
        "order: NEWEST_FIRST (after then pages back to older lines)."))
    async def statement(self, info: GInfo, first: int = 50, after: str | None = None,
                        order: StatementOrder = StatementOrder.OLDEST_FIRST) -> StatementLineConnection:
        await check_family(info, str(self.id))
        return await statement_page(info, str(self.id), first, after, order)

    @strawberry.field(description="Every subscription bought for the family's students.")
    async def subscriptions(self, info: GInfo) -> list[StudentSubscription]:
        await check_family(info, str(self.id))
        subs = await loaders(info).family_data.subscriptions_of_family(str(self.id))
        return [StudentSubscription.from_model(s) for s in subs]

    @strawberry.field(description="Lessons left on all the family's live subscriptions; null if one is unlimited.")
    async def remaining_lessons(self, info: GInfo) -> int | None:
        await check_family(info, str(self.id))
        subs = await loaders(info).family_data.subscriptions_of_family(str(self.id))
        return lessons_left_on(subs)

    @strawberry.field(description="Payments received from the family.")
    async def payments(self, info: GInfo) -> list[BillingPayment]:
        await check_family(info, str(self.id))
        rows = await loaders(info).payments_by_family.load(str(self.id))
        return [BillingPayment.from_row(r) for r in rows]

    @strawberry.field(description="Invoices issued to the family.")
    async def invoices(self, info: GInfo) -> list[BillingInvoice]:
        await check_family(info, str(self.id))
        rows = await loaders(info).invoices_by_family.load(str(self.id))
        return [BillingInvoice.from_row(r) for r in rows]

    @classmethod
    async def resolve_reference(cls, info: GInfo, id: strawberry.ID) -> Family:
        await check_family(info, str(id))
        return cls(id=id)


@strawberry.federation.type(keys=["id"])
class Student(StudentEntity):

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Lessons left on the student's active subscriptions (R-BIL-1); null if unlimited."))
    async def remaining_lessons(self, info: GInfo) -> int | None:
        await check_student(info, str(self.id), self)
        subs = await loaders(info).family_data.subscriptions_of_student(str(self.id))
        return lessons_left_on(subs)

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "Lessons left on all the family's live subscriptions, shown on every child's profile (R-BIL-1); null if "
        "one is unlimited."))
    async def family_remaining_lessons(self, info: GInfo) -> int | None:
        family_id = await check_student(info, str(self.id), self)
        if not family_id:
            return None
        subs = await loaders(info).family_data.subscriptions_of_family(family_id)
        return lessons_left_on(subs)

    @strawberry.federation.field(requires=[STUDENT_OWNER], description="The student's subscriptions.")
    async def subscriptions(self, info: GInfo) -> list[StudentSubscription]:
        await check_student(info, str(self.id), self)
        subs = await loaders(info).family_data.subscriptions_of_student(str(self.id))
        return [StudentSubscription.from_model(s) for s in subs]

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "The family's shared balance, shown on every child's profile (R-BIL-1)."))
    async def family_balance(self, info: GInfo) -> Money | None:
        family_id = await check_student(info, str(self.id), self)
        if not family_id:
            return None
        acc = await loaders(info).family_data.account(family_id)
        return Money.of(acc.balance, acc.currency) if acc is not None else Money.of(Decimal(0))

    @classmethod
    async def resolve_reference(cls, info: GInfo, id: strawberry.ID, familyId: str = "",
                                branchId: str | None = None) -> Student:
        student = cls.from_representation(id, familyId, branchId)
        # Queued with the check's own read, so what a child's profile shows comes in the statement that reads the
        # child: its subscriptions, and by the family the gateway names (identity's), the family's account and
        # subscriptions. Nothing of them is shown unless the check passes, and the fields read the family
        # billing knows: when it is another one, they read it (one more statement), never the one named here.
        data = loaders(info).family_data
        data.subscriptions_of_student(str(id))
        if familyId:
            data.account(familyId)
            data.subscriptions_of_family(familyId)
        await check_student(info, str(id), student)
        return student
