"""Scheduling's copies of identity's branches, students and staff (kept from identity's events)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for
from scheduling.adapters.tables import (
    branches,
    staff,
    students,
)
from scheduling.domain.model import (
    Branch,
    StaffRef,
    StudentRef,
)

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_STUDENTS = select(students).where(any_of(students.c.id, bindparam("ids")))


class ProjectionRepository:
    """Local copies of identity's branches, students and staff (kept from identity's events)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name=name, time_zone=time_zone)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"name": name, "time_zone": time_zone}))

    async def set_sheet_deadline(self, branch_id: str, hours: int) -> None:
        await self.session.execute(update(branches).where(branches.c.id == branch_id).values(
            sheet_deadline_hours=hours))

    async def sheet_deadline(self, branch_id: str) -> int | None:
        return (await self.session.execute(select(branches.c.sheet_deadline_hours)
                                           .where(branches.c.id == branch_id))).scalar_one_or_none()

    async def set_booking_policy(self, branch_id: str, notice_hours: int, late: str) -> None:
        await self.session.execute(update(branches).where(branches.c.id == branch_id).values(
            cancel_notice_hours=notice_hours, late_cancellation=late))

    async def branch(self, branch_id: str) -> Branch | None:
        r = (await self.session.execute(select(branches).where(branches.c.id == branch_id))).first()
        return Branch(r.id, r.name, r.time_zone, r.cancel_notice_hours, r.late_cancellation) if r else None

    async def branches(self, ids: Iterable[str]) -> dict[str, Branch]:
        rows = (await self.session.execute(select(branches).where(any_of(branches.c.id, list(ids))))).all()
        return {r.id: Branch(r.id, r.name, r.time_zone, r.cancel_notice_hours, r.late_cancellation) for r in rows}

    async def upsert_student(self, s: StudentRef) -> None:
        values = {"family_id": s.family_id, "branch_id": s.branch_id, "first_name": s.first_name,
                  "last_name": s.last_name}
        stmt = insert_for(self.session, students).values(id=s.id, erased=False, **values)
        # An erased student stays erased even if an older update arrives late.
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_=values, where=students.c.erased.is_(False)))

    async def erase_student(self, student_id: str, family_id: str) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=None,
                                                       first_name="", last_name="", erased=True)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"first_name": "", "last_name": "", "erased": True}))

    async def students(self, ids: Iterable[str]) -> dict[str, StudentRef]:
        rows = (await self.session.execute(_STUDENTS, {"ids": list(ids)})).all()
        return {r.id: StudentRef(r.id, r.family_id, r.branch_id, r.first_name, r.last_name, r.erased)
                for r in rows}

    async def student(self, student_id: str) -> StudentRef | None:
        return (await self.students([student_id])).get(student_id)

    async def students_of_family(self, family_id: str) -> list[str]:
        rows = await self.session.execute(select(students.c.id).where(students.c.family_id == family_id))
        return [r.id for r in rows]

    async def upsert_staff(self, s: StaffRef) -> None:
        values = {"role": s.role, "branch_ids": list(s.branch_ids), "first_name": s.first_name,
                  "last_name": s.last_name}
        stmt = insert_for(self.session, staff).values(id=s.id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))

    async def staff(self, staff_id: str) -> StaffRef | None:
        r = (await self.session.execute(select(staff).where(staff.c.id == staff_id))).first()
        return StaffRef(r.id, r.role, tuple(r.branch_ids), r.first_name, r.last_name) if r else None
