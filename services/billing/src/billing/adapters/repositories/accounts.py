"""Family accounts (R-BIL-1)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import accounts, students
from billing.domain.model import FamilyAccount
from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for


def _account(r: Row[Any]) -> FamilyAccount:
    return FamilyAccount(r.id, r.family_id, r.currency, r.balance, r.opened_at, r.credit_limit)


# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BY_FAMILIES = select(accounts).where(any_of(accounts.c.family_id, bindparam("ids")))
# The family (one row, so a family without an account or without students still answers), its account, the
# branches its students study in: one row per student, the account's columns on each.
_FAMILY = select(bindparam("family_id", type_=accounts.c.family_id.type).label("id")).subquery("family")
_WITH_BRANCHES: Select[Any] = select(*accounts.c, students.c.branch_id.label("student_branch_id")).select_from(
    _FAMILY.outerjoin(accounts, accounts.c.family_id == _FAMILY.c.id).outerjoin(
        students, and_(students.c.family_id == _FAMILY.c.id, students.c.branch_id.is_not(None))))
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

    async def with_branches(self, family_id: str) -> tuple[FamilyAccount | None, set[str]]:
        """The family's account (None: it has none) and the branches its students study in, in one statement
        (what a payment's check and posting read)."""
        rows = (await self.session.execute(_WITH_BRANCHES, {"family_id": family_id})).all()
        account = _account(rows[0]) if rows and rows[0].id is not None else None
        return account, {r.student_branch_id for r in rows if r.student_branch_id is not None}

    async def set_credit_limit(self, account_id: str, limit: Decimal) -> None:
        await self.session.execute(update(accounts).where(accounts.c.id == account_id).values(credit_limit=limit))
