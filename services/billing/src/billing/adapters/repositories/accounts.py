"""Family accounts (R-BIL-1)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import accounts
from billing.domain.model import FamilyAccount
from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for


def _account(r: Row[Any]) -> FamilyAccount:
    return FamilyAccount(r.id, r.family_id, r.currency, r.balance, r.opened_at, r.credit_limit)


# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BY_FAMILIES = select(accounts).where(any_of(accounts.c.family_id, bindparam("ids")))
_IDS_BY_FAMILIES = select(accounts.c.family_id, accounts.c.id).where(any_of(accounts.c.family_id, bindparam("ids")))


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, account: FamilyAccount) -> bool:
        """Insert unless the family already has an account; True when this call created it."""
        stmt = insert_for(self.session, accounts).values(
            id=account.id, family_id=account.family_id, currency=account.currency, balance=account.balance,
            opened_at=account.opened_at, credit_limit=account.credit_limit,
        ).on_conflict_do_nothing(index_elements=["family_id"]).returning(accounts.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def add_many_if_absent(self, new: Sequence[FamilyAccount]) -> list[FamilyAccount]:
        """Insert the accounts of families that have none, in one statement; returns those inserted."""
        if not new:
            return []
        # executemany: one statement compiled once and cached (a multi-row VALUES is compiled anew for every
        # row count); SQLAlchemy still sends the rows as multi-row INSERTs ("insertmanyvalues"), RETURNING too.
        stmt = insert_for(self.session, accounts).on_conflict_do_nothing(
            index_elements=["family_id"]).returning(accounts.c.id)
        rows = [{"id": x.id, "family_id": x.family_id, "currency": x.currency, "balance": x.balance,
                 "opened_at": x.opened_at, "credit_limit": x.credit_limit} for x in new]
        created = {r.id for r in (await self.session.execute(stmt, rows)).all()}
        return [x for x in new if x.id in created]

    async def by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]:
        rows = (await self.session.execute(_BY_FAMILIES, {"ids": list(family_ids)})).all()
        return {r.family_id: _account(r) for r in rows}

    async def ids_by_families(self, family_ids: Sequence[str]) -> dict[str, str]:
        """Family id -> its account's id: charging a month reads 35,000 of these, no balance needed."""
        rows = (await self.session.execute(_IDS_BY_FAMILIES, {"ids": list(family_ids)})).all()
        return {r.family_id: r.id for r in rows}

    async def by_family(self, family_id: str) -> FamilyAccount | None:
        return (await self.by_families([family_id])).get(family_id)

    async def set_credit_limit(self, account_id: str, limit: Decimal) -> None:
        await self.session.execute(update(accounts).where(accounts.c.id == account_id).values(credit_limit=limit))
