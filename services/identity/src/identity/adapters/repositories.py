"""Families and students in identity's database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import families, students
from identity.domain.model import Family, Student


class FamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_phone(self, phone: str) -> Family | None:
        row = (await self.session.execute(select(families).where(families.c.guardian_phone == phone))).first()
        return None if row is None else Family(row.id, row.guardian_phone, row.created_at)

    async def get(self, family_id: str) -> Family | None:
        row = (await self.session.execute(select(families).where(families.c.id == family_id))).first()
        return None if row is None else Family(row.id, row.guardian_phone, row.created_at)

    async def add(self, family: Family) -> None:
        await self.session.execute(insert(families).values(
            id=family.id, guardian_phone=family.guardian_phone, created_at=family.created_at))

    async def add_student(self, s: Student) -> None:
        await self.session.execute(insert(students).values(
            id=s.id, family_id=s.family_id, first_name=s.first_name, last_name=s.last_name,
            birth_date=s.birth_date, branch_id=s.branch_id, created_at=s.created_at))

    async def students_of(self, family_ids: Sequence[str]) -> dict[str, list[Student]]:
        rows = (await self.session.execute(
            select(students).where(students.c.family_id.in_(family_ids)).order_by(students.c.created_at)
        )).all()
        out: dict[str, list[Student]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(Student(r.id, r.family_id, r.first_name, r.last_name, r.birth_date,
                                            r.branch_id, r.created_at))
        return out

    async def families_by_ids(self, ids: Sequence[str]) -> dict[str, Family]:
        rows = (await self.session.execute(select(families).where(families.c.id.in_(ids)))).all()
        return {r.id: Family(r.id, r.guardian_phone, r.created_at) for r in rows}
