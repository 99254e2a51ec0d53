from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import accounts
from billing.domain.model import FamilyAccount


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, account: FamilyAccount) -> bool:
        """Insert unless the family already has an account; True when this call created it."""
        dialect = self.session.bind.dialect.name if self.session.bind is not None else "postgresql"
        insert_fn = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = insert_fn(accounts).values(
            id=account.id, family_id=account.family_id, currency=account.currency, balance=account.balance,
            opened_at=account.opened_at,
        ).on_conflict_do_nothing(index_elements=["family_id"]).returning(accounts.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]:
        rows = (await self.session.execute(select(accounts).where(accounts.c.family_id.in_(family_ids)))).all()
        return {r.family_id: FamilyAccount(r.id, r.family_id, r.currency, r.balance, r.opened_at) for r in rows}
