"""Mutations: Adjustments, direct charges and credit limits."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from billing.schema.context import GInfo, reads, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import line_of, opt
from billing.schema.types import (
    BalanceOperationPayload,
    BillingAccount,
    BillingAccountPayload,
)
from billing.service import (
    adjustments,
)
from kabinet.graphql.mutations import attempt


@strawberry.input
class AdjustBalanceInput:
    family_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Positive credits the family (a bonus); negative debits it.")
    reason: str
    idempotency_key: str | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class ChargeAccountInput:
    family_id: strawberry.ID
    amount: Decimal
    description: str
    idempotency_key: str | None = None
    student_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None


@strawberry.type
class AdjustmentMutations:
    @strawberry.mutation(description="Credit or debit a family's balance by hand with a reason (branch admins).")
    async def adjust_balance(self, info: GInfo, input: AdjustBalanceInput) -> BalanceOperationPayload:
        cmd = adjustments.AdjustBalance(str(input.family_id), input.amount, input.reason, input.idempotency_key,
                                        opt(input.branch_id))
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: adjustments.adjust_balance(cmd, uow, info.context.principal))
        line = await line_of(info, res.transaction_id) if res else None
        return BalanceOperationPayload(line=line, errors=errors)

    @strawberry.mutation(description="Charge a family for goods or services; refused beyond the credit limit.")
    async def charge_account(self, info: GInfo, input: ChargeAccountInput) -> BalanceOperationPayload:
        cmd = adjustments.ChargeAccount(str(input.family_id), input.amount, input.description,
                                        input.idempotency_key, opt(input.student_id), opt(input.branch_id))
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: adjustments.charge_account(cmd, uow, info.context.principal))
        line = await line_of(info, res.transaction_id) if res else None
        return BalanceOperationPayload(line=line, errors=errors)

    @strawberry.mutation(description="How far below zero staff charges may take the family (0: none).")
    async def set_credit_limit(self, info: GInfo, family_id: strawberry.ID, limit: Decimal) -> BillingAccountPayload:
        cmd = adjustments.SetCreditLimit(str(family_id), limit)
        _, errors = await attempt(error=UserError, within=uows(info),
                                  fn=lambda uow: adjustments.set_credit_limit(cmd, uow, info.context.principal))
        account = None
        if not errors:
            acc = (await reads(info).accounts_by_families([str(family_id)])).get(str(family_id))
            account = BillingAccount.from_model(acc) if acc else None
        return BillingAccountPayload(account=account, errors=errors)
