"""Discounts (R-BIL-5): percent or fixed, for a student, family, group, course, lesson type or branch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.domain.model import Discount, DiscountKind, DiscountScope, new_id, positive_amount, utcnow
from billing.service.access import actor, require_branch_managed
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.errors import InvalidInput


@dataclass(frozen=True)
class CreateDiscount:
    name: str
    scope: DiscountScope
    target: str
    kind: DiscountKind
    value: Decimal
    branch_id: str | None
    valid_from: date | None = None
    valid_to: date | None = None


async def create_discount(cmd: CreateDiscount, uow: BillingUnitOfWork, p: Principal) -> Discount:
    require_branch_managed(p, cmd.branch_id)
    if not cmd.name.strip() or not cmd.target.strip():
        raise InvalidInput("A discount needs a name and a target.", field="name")
    value = positive_amount(cmd.value, uow.limits, field="value")  # a percent is checked by Discount
    d = Discount(new_id(), cmd.name.strip(), cmd.scope, cmd.target, cmd.kind, value, cmd.valid_from,
                 cmd.valid_to, cmd.branch_id)
    await uow.discounts.add(d, actor(p), utcnow())
    await uow.commit()
    return d
