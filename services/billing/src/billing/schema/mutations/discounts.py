"""Mutations: Discounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from billing.domain.model import DiscountKind, DiscountScope
from billing.schema.context import GInfo, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import opt
from billing.schema.types import (
    BillingDiscount,
    BillingDiscountPayload,
    DiscountKindGQL,
    DiscountScopeGQL,
)
from billing.service import (
    discounts,
)
from kabinet.graphql.mutations import attempt


@strawberry.input
class CreateDiscountInput:
    name: str
    scope: DiscountScopeGQL
    target: str
    kind: DiscountKindGQL
    value: Decimal
    branch_id: strawberry.ID | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@strawberry.type
class DiscountMutations:
    @strawberry.mutation(description="Create a discount (percent or fixed; a date range or a single date).")
    async def create_discount(self, info: GInfo, input: CreateDiscountInput) -> BillingDiscountPayload:
        cmd = discounts.CreateDiscount(input.name, DiscountScope(input.scope.value), input.target,
                                       DiscountKind(input.kind.value), input.value, opt(input.branch_id),
                                       input.valid_from, input.valid_to)
        d, errors = await attempt(error=UserError, within=uows(info),
                                  fn=lambda uow: discounts.create_discount(cmd, uow, info.context.principal))
        return BillingDiscountPayload(discount=BillingDiscount.from_model(d) if d else None, errors=errors)
