"""Branches and staff (with the branches each works in)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import branches, staff, staff_branches
from identity.domain.model import Branch, Staff, StaffRole
from kabinet.db.any_of import any_of

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BRANCHES_BY_IDS = select(branches).where(any_of(branches.c.id, bindparam("ids")))


def to_branch(r: Row[Any]) -> Branch:
    return Branch(r.id, r.name, r.city, r.time_zone, r.address, r.created_at)


class SqlBranchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, b: Branch) -> None:
        await self.session.execute(insert(branches).values(
            id=b.id, name=b.name, city=b.city, time_zone=b.time_zone, address=b.address, created_at=b.created_at))

    async def save(self, b: Branch) -> None:
        await self.session.execute(update(branches).where(branches.c.id == b.id).values(
            name=b.name, city=b.city, time_zone=b.time_zone, address=b.address))

    async def get(self, branch_id: str) -> Branch | None:
        return (await self.by_ids([branch_id])).get(branch_id)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Branch]:
        rows = (await self.session.execute(_BRANCHES_BY_IDS, {"ids": list(ids)})).all()
        return {r.id: to_branch(r) for r in rows}

    async def all(self) -> list[Branch]:
        rows = (await self.session.execute(select(branches).order_by(branches.c.name))).all()
        return [to_branch(r) for r in rows]


class SqlStaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: Staff) -> None:
        await self.session.execute(insert(staff).values(
            id=s.id, role=s.role.value, first_name=s.first_name, last_name=s.last_name, email=s.email,
            password_hash=s.password_hash, email_confirmed_at=s.email_confirmed_at, created_at=s.created_at))
        if s.branch_ids:
            await self.session.execute(insert(staff_branches),
                                       [{"staff_id": s.id, "branch_id": b} for b in s.branch_ids])

    async def save_password(self, s: Staff) -> None:
        await self.session.execute(update(staff).where(staff.c.id == s.id).values(
            password_hash=s.password_hash, email_confirmed_at=s.email_confirmed_at))

    async def by_email(self, email: str) -> Staff | None:
        row = (await self.session.execute(select(staff).where(staff.c.email == email))).first()
        if row is None:
            return None
        return (await self._with_branches([row]))[0]

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Staff]:
        rows = (await self.session.execute(select(staff).where(any_of(staff.c.id, ids)))).all()
        return {s.id: s for s in await self._with_branches(rows)}

    async def of_branch(self, branch_id: str) -> list[Staff]:
        rows = (await self.session.execute(
            select(staff).join(staff_branches, staff_branches.c.staff_id == staff.c.id)
            .where(staff_branches.c.branch_id == branch_id).order_by(staff.c.last_name, staff.c.first_name)
        )).all()
        return await self._with_branches(rows)

    async def all(self) -> list[Staff]:
        rows = (await self.session.execute(select(staff).order_by(staff.c.last_name, staff.c.first_name))).all()
        return await self._with_branches(rows)

    async def _with_branches(self, rows: Sequence[Row[Any]]) -> list[Staff]:
        ids = [r.id for r in rows]
        links = (await self.session.execute(
            select(staff_branches).where(any_of(staff_branches.c.staff_id, ids)).order_by(staff_branches.c.branch_id)
        )).all() if ids else []
        by_staff: dict[str, list[str]] = {i: [] for i in ids}
        for link in links:
            by_staff[link.staff_id].append(link.branch_id)
        return [Staff(r.id, StaffRole(r.role), r.first_name, r.last_name, r.email, by_staff[r.id], r.password_hash,
                      r.email_confirmed_at, r.created_at) for r in rows]
