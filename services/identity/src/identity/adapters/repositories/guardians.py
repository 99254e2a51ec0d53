"""Guardians: the adults of a family (one phone each)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import guardians
from identity.domain.model import Guardian
from kabinet.db.any_of import any_of

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_OF_FAMILIES = (select(guardians).where(any_of(guardians.c.family_id, bindparam("ids")))
                .order_by(guardians.c.created_at))


def to_guardian(r: Row[Any]) -> Guardian:
    return Guardian(r.id, r.family_id, r.phone, r.first_name, r.last_name, r.email, r.email_confirmed_at,
                    bool(r.is_payer), r.password_hash, r.created_at)


class SqlGuardianRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_phone(self, phone: str) -> Guardian | None:
        row = (await self.session.execute(select(guardians).where(guardians.c.phone == phone))).first()
        return None if row is None else to_guardian(row)

    async def by_email(self, email: str) -> list[Guardian]:
        rows = (await self.session.execute(select(guardians).where(guardians.c.email == email))).all()
        return [to_guardian(r) for r in rows]

    async def get(self, guardian_id: str) -> Guardian | None:
        row = (await self.session.execute(select(guardians).where(guardians.c.id == guardian_id))).first()
        return None if row is None else to_guardian(row)

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Guardian]]:
        rows = (await self.session.execute(_OF_FAMILIES, {"ids": list(family_ids)})).all()
        out: dict[str, list[Guardian]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(to_guardian(r))
        return out

    async def add(self, g: Guardian) -> None:
        await self.session.execute(insert(guardians).values(
            id=g.id, family_id=g.family_id, phone=g.phone, first_name=g.first_name, last_name=g.last_name,
            email=g.email, email_confirmed_at=g.email_confirmed_at, is_payer=g.is_payer,
            password_hash=g.password_hash, created_at=g.created_at))

    async def save(self, g: Guardian) -> None:
        await self.session.execute(update(guardians).where(guardians.c.id == g.id).values(
            family_id=g.family_id, first_name=g.first_name, last_name=g.last_name, email=g.email,
            email_confirmed_at=g.email_confirmed_at, is_payer=g.is_payer, password_hash=g.password_hash))
