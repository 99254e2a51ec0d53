"""Families (one per guardian phone) and their cabinet access."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import families, students
from identity.domain.model import Family, FamilyOrigin
from kabinet.db.any_of import any_of

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BY_IDS = select(families).where(any_of(families.c.id, bindparam("ids")))


def to_family(r: Row[Any]) -> Family:
    return Family(r.id, r.guardian_phone, r.created_at, FamilyOrigin(r.origin), bool(r.access_open))


class SqlFamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_phone(self, phone: str) -> Family | None:
        row = (await self.session.execute(select(families).where(families.c.guardian_phone == phone))).first()
        return None if row is None else to_family(row)

    async def get(self, family_id: str, *, for_update: bool = False) -> Family | None:
        stmt = select(families).where(families.c.id == family_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else to_family(row)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Family]:
        rows = (await self.session.execute(_BY_IDS, {"ids": list(ids)})).all()
        return {r.id: to_family(r) for r in rows}

    async def add(self, family: Family) -> None:
        await self.session.execute(insert(families).values(
            id=family.id, guardian_phone=family.guardian_phone, created_at=family.created_at,
            origin=family.origin.value, access_open=family.access_open))

    async def save_access(self, family: Family) -> None:
        await self.session.execute(update(families).where(families.c.id == family.id)
                                   .values(access_open=family.access_open))


def _of_branch(branch_id: str) -> Select[tuple[str]]:
    """Families with a (not erased) child in the branch: the branch's clients."""
    return select(students.c.family_id).where(students.c.branch_id == branch_id, students.c.erased_at.is_(None))


async def families_of_branch(session: AsyncSession, branch_id: str, after: tuple[datetime, str] | None,
                             limit: int) -> list[Family]:
    """One page in a stable order (created_at, id): keyset, so a page never repeats or skips a family
    when others are added meanwhile."""
    stmt = select(families).where(families.c.id.in_(_of_branch(branch_id)))
    if after is not None:
        stmt = stmt.where(tuple_(families.c.created_at, families.c.id) > tuple_(*after))
    rows = (await session.execute(stmt.order_by(families.c.created_at, families.c.id).limit(limit))).all()
    return [to_family(r) for r in rows]


async def count_families_of_branch(session: AsyncSession, branch_id: str) -> int:
    stmt = select(func.count()).select_from(families).where(families.c.id.in_(_of_branch(branch_id)))
    return int((await session.execute(stmt)).scalar_one())
