"""Discounts (R-BIL-5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import discounts
from billing.domain.model import Discount, DiscountKind, DiscountScope
from kabinet.db.any_of import any_of


def _discount(r: Row[Any]) -> Discount:
    return Discount(r.id, r.name, DiscountScope(r.scope), r.target, DiscountKind(r.kind), r.value, r.valid_from,
                    r.valid_to, r.branch_id)


class DiscountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, d: Discount, created_by: str | None, created_at: datetime) -> None:
        await self.session.execute(discounts.insert().values(
            id=d.id, branch_id=d.branch_id, name=d.name, scope=d.scope.value, target=d.target, kind=d.kind.value,
            value=d.value, valid_from=d.valid_from, valid_to=d.valid_to, created_by=created_by,
            created_at=created_at))

    async def candidates(self, targets: Sequence[str], on: date) -> list[Discount]:
        """Discounts whose target is one of these ids/codes and whose dates include ``on``."""
        d = discounts
        rows = (await self.session.execute(select(d).where(
            any_of(d.c.target, targets), (d.c.valid_from.is_(None)) | (d.c.valid_from <= on),
            (d.c.valid_to.is_(None)) | (d.c.valid_to >= on)))).all()
        return [_discount(r) for r in rows]

    async def candidates_between(self, targets: Sequence[str], first: date, last: date) -> list[Discount]:
        """Discounts for these targets valid on some day between ``first`` and ``last`` (each charge then
        checks its own date)."""
        d = discounts
        rows = (await self.session.execute(select(d).where(
            any_of(d.c.target, targets), (d.c.valid_from.is_(None)) | (d.c.valid_from <= last),
            (d.c.valid_to.is_(None)) | (d.c.valid_to >= first)))).all()
        return [_discount(r) for r in rows]

    async def get(self, discount_id: str) -> Discount | None:
        r = (await self.session.execute(select(discounts).where(discounts.c.id == discount_id))).first()
        return _discount(r) if r else None

    async def of_branch(self, branch_id: str) -> list[Discount]:
        rows = (await self.session.execute(select(discounts).where(
            (discounts.c.branch_id == branch_id) | discounts.c.branch_id.is_(None))
            .order_by(discounts.c.created_at))).all()
        return [_discount(r) for r in rows]
