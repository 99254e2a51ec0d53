"""Families, guardians, students, branches and staff in identity's database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import (
    branches,
    consents,
    families,
    guardians,
    staff,
    staff_branches,
    student_logins,
    students,
    teachings,
)
from identity.domain.model import Branch, Consent, Family, FamilyOrigin, Guardian, Staff, StaffRole, Student
from kabinet.db.dialect import insert_for


def _family(r: Row[Any]) -> Family:
    return Family(r.id, r.guardian_phone, r.created_at, FamilyOrigin(r.origin), bool(r.access_open))


def _student(r: Row[Any]) -> Student:
    return Student(r.id, r.family_id, r.first_name, r.last_name, r.birth_date, r.branch_id, r.created_at,
                   r.erased_at)


def _guardian(r: Row[Any]) -> Guardian:
    return Guardian(r.id, r.family_id, r.phone, r.first_name, r.last_name, r.email, r.email_confirmed_at,
                    bool(r.is_payer), r.password_hash, r.created_at)


class FamilyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_phone(self, phone: str) -> Family | None:
        row = (await self.session.execute(select(families).where(families.c.guardian_phone == phone))).first()
        return None if row is None else _family(row)

    async def get(self, family_id: str, *, for_update: bool = False) -> Family | None:
        stmt = select(families).where(families.c.id == family_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _family(row)

    async def add(self, family: Family) -> None:
        await self.session.execute(insert(families).values(
            id=family.id, guardian_phone=family.guardian_phone, created_at=family.created_at,
            origin=family.origin.value, access_open=family.access_open))

    async def save_access(self, family: Family) -> None:
        await self.session.execute(update(families).where(families.c.id == family.id)
                                   .values(access_open=family.access_open))

    async def add_student(self, s: Student) -> None:
        await self.session.execute(insert(students).values(
            id=s.id, family_id=s.family_id, first_name=s.first_name, last_name=s.last_name,
            birth_date=s.birth_date, branch_id=s.branch_id, created_at=s.created_at, erased_at=s.erased_at))

    async def save_student(self, s: Student) -> None:
        await self.session.execute(update(students).where(students.c.id == s.id).values(
            first_name=s.first_name, last_name=s.last_name, birth_date=s.birth_date, branch_id=s.branch_id,
            erased_at=s.erased_at))

    async def student(self, student_id: str, *, for_update: bool = False) -> Student | None:
        stmt = select(students).where(students.c.id == student_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _student(row)

    async def students_by_ids(self, ids: Sequence[str]) -> dict[str, Student]:
        rows = (await self.session.execute(select(students).where(students.c.id.in_(ids)))).all()
        return {r.id: _student(r) for r in rows}

    async def students_of_branch(self, branch_id: str) -> list[Student]:
        rows = (await self.session.execute(select(students).where(students.c.branch_id == branch_id))).all()
        return [_student(r) for r in rows]

    async def students_of(self, family_ids: Sequence[str]) -> dict[str, list[Student]]:
        rows = (await self.session.execute(
            select(students).where(students.c.family_id.in_(family_ids)).order_by(students.c.created_at)
        )).all()
        out: dict[str, list[Student]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(_student(r))
        return out

    async def students_matching(self, phone: str, last_name: str, birth_date: Any) -> list[Student]:
        """Students of the family of ``phone`` with that surname and birth date (R-FAM-6)."""
        rows = (await self.session.execute(
            select(students).join(families, families.c.id == students.c.family_id)
            .join(guardians, guardians.c.family_id == families.c.id, isouter=True)
            .where((families.c.guardian_phone == phone) | (guardians.c.phone == phone))
            .where(students.c.birth_date == birth_date, students.c.erased_at.is_(None))
        )).all()
        wanted = last_name.strip().casefold()
        return list({r.id: _student(r) for r in rows if r.last_name.casefold() == wanted}.values())

    def _of_branch(self, branch_id: str) -> Any:
        """Families with a (not erased) child in the branch: the branch's clients."""
        return select(students.c.family_id).where(students.c.branch_id == branch_id,
                                                  students.c.erased_at.is_(None))

    async def families_of_branch(self, branch_id: str, after: tuple[Any, str] | None, limit: int) -> list[Family]:
        """One page in a stable order (created_at, id): keyset, so a page never repeats or skips a family
        when others are added meanwhile."""
        stmt = select(families).where(families.c.id.in_(self._of_branch(branch_id)))
        if after is not None:
            stmt = stmt.where(tuple_(families.c.created_at, families.c.id) > tuple_(*after))
        rows = (await self.session.execute(stmt.order_by(families.c.created_at, families.c.id).limit(limit))).all()
        return [_family(r) for r in rows]

    async def count_families_of_branch(self, branch_id: str) -> int:
        stmt = select(func.count()).select_from(families).where(families.c.id.in_(self._of_branch(branch_id)))
        return int((await self.session.execute(stmt)).scalar_one())

    async def families_by_ids(self, ids: Sequence[str]) -> dict[str, Family]:
        rows = (await self.session.execute(select(families).where(families.c.id.in_(ids)))).all()
        return {r.id: _family(r) for r in rows}

    async def add_consent(self, c: Consent) -> None:
        await self.session.execute(insert(consents).values(
            id=c.id, family_id=c.family_id, student_id=c.student_id, guardian_id=c.guardian_id, source=c.source,
            version=c.version, given_at=c.given_at, recorded_by=c.recorded_by))

    async def consents_of(self, student_ids: Sequence[str]) -> dict[str, list[Consent]]:
        rows = (await self.session.execute(select(consents).where(consents.c.student_id.in_(student_ids))
                                           .order_by(consents.c.given_at))).all()
        out: dict[str, list[Consent]] = {sid: [] for sid in student_ids}
        for r in rows:
            out[r.student_id].append(Consent(r.id, r.family_id, r.student_id, r.guardian_id, r.source, r.version,
                                             r.given_at, r.recorded_by, r.withdrawn_at))
        return out

    async def withdraw_consents(self, student_id: str, guardian_id: str | None, now: datetime) -> None:
        await self.session.execute(update(consents).where(consents.c.student_id == student_id,
                                                          consents.c.withdrawn_at.is_(None))
                                   .values(withdrawn_at=now, withdrawn_by=guardian_id))


@dataclass(frozen=True)
class StudentLogin:
    student_id: str
    login: str
    password_hash: str


class StudentLoginRepository:
    """A child's own login and password (R-FAM-1)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_login(self, login: str) -> StudentLogin | None:
        row = (await self.session.execute(select(student_logins).where(student_logins.c.login == login))).first()
        return None if row is None else StudentLogin(row.student_id, row.login, row.password_hash)

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, StudentLogin]:
        rows = (await self.session.execute(select(student_logins)
                                           .where(student_logins.c.student_id.in_(student_ids)))).all()
        return {r.student_id: StudentLogin(r.student_id, r.login, r.password_hash) for r in rows}

    async def save(self, login: StudentLogin, now: Any) -> None:
        changed = await self.session.execute(update(student_logins).where(
            student_logins.c.student_id == login.student_id).values(
            login=login.login, password_hash=login.password_hash, updated_at=now))
        if not changed.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(insert(student_logins).values(
                student_id=login.student_id, login=login.login, password_hash=login.password_hash,
                created_at=now, updated_at=now))

    async def delete(self, student_id: str) -> None:
        await self.session.execute(delete(student_logins).where(student_logins.c.student_id == student_id))


class GuardianRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_phone(self, phone: str) -> Guardian | None:
        row = (await self.session.execute(select(guardians).where(guardians.c.phone == phone))).first()
        return None if row is None else _guardian(row)

    async def by_email(self, email: str) -> list[Guardian]:
        rows = (await self.session.execute(select(guardians).where(guardians.c.email == email))).all()
        return [_guardian(r) for r in rows]

    async def get(self, guardian_id: str) -> Guardian | None:
        row = (await self.session.execute(select(guardians).where(guardians.c.id == guardian_id))).first()
        return None if row is None else _guardian(row)

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Guardian]]:
        rows = (await self.session.execute(select(guardians).where(guardians.c.family_id.in_(family_ids))
                                           .order_by(guardians.c.created_at))).all()
        out: dict[str, list[Guardian]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(_guardian(r))
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


class OrgRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_branch(self, b: Branch) -> None:
        await self.session.execute(insert(branches).values(
            id=b.id, name=b.name, city=b.city, time_zone=b.time_zone, address=b.address, created_at=b.created_at))

    async def save_branch(self, b: Branch) -> None:
        await self.session.execute(update(branches).where(branches.c.id == b.id).values(
            name=b.name, city=b.city, time_zone=b.time_zone, address=b.address))

    async def branch(self, branch_id: str) -> Branch | None:
        found = await self.branches_by_ids([branch_id])
        return found.get(branch_id)

    async def branches_by_ids(self, ids: Sequence[str]) -> dict[str, Branch]:
        rows = (await self.session.execute(select(branches).where(branches.c.id.in_(ids)))).all()
        return {r.id: Branch(r.id, r.name, r.city, r.time_zone, r.address, r.created_at) for r in rows}

    async def all_branches(self) -> list[Branch]:
        rows = (await self.session.execute(select(branches).order_by(branches.c.name))).all()
        return [Branch(r.id, r.name, r.city, r.time_zone, r.address, r.created_at) for r in rows]

    async def add_staff(self, s: Staff) -> None:
        await self.session.execute(insert(staff).values(
            id=s.id, role=s.role.value, first_name=s.first_name, last_name=s.last_name, email=s.email,
            password_hash=s.password_hash, email_confirmed_at=s.email_confirmed_at, created_at=s.created_at))
        if s.branch_ids:
            await self.session.execute(insert(staff_branches),
                                       [{"staff_id": s.id, "branch_id": b} for b in s.branch_ids])

    async def save_staff_password(self, s: Staff) -> None:
        await self.session.execute(update(staff).where(staff.c.id == s.id).values(
            password_hash=s.password_hash, email_confirmed_at=s.email_confirmed_at))

    async def set_staff_branches(self, staff_id: str, branch_ids: Sequence[str]) -> None:
        await self.session.execute(delete(staff_branches).where(staff_branches.c.staff_id == staff_id))
        if branch_ids:
            await self.session.execute(insert(staff_branches),
                                       [{"staff_id": staff_id, "branch_id": b} for b in branch_ids])

    async def staff_by_email(self, email: str) -> Staff | None:
        row = (await self.session.execute(select(staff).where(staff.c.email == email))).first()
        if row is None:
            return None
        return (await self._with_branches([row]))[0]

    async def staff_by_ids(self, ids: Sequence[str]) -> dict[str, Staff]:
        rows = (await self.session.execute(select(staff).where(staff.c.id.in_(ids)))).all()
        return {s.id: s for s in await self._with_branches(rows)}

    async def staff_of_branch(self, branch_id: str) -> list[Staff]:
        rows = (await self.session.execute(
            select(staff).join(staff_branches, staff_branches.c.staff_id == staff.c.id)
            .where(staff_branches.c.branch_id == branch_id).order_by(staff.c.last_name, staff.c.first_name)
        )).all()
        return await self._with_branches(rows)

    async def all_staff(self) -> list[Staff]:
        rows = (await self.session.execute(select(staff).order_by(staff.c.last_name, staff.c.first_name))).all()
        return await self._with_branches(rows)

    async def _with_branches(self, rows: Sequence[Row[Any]]) -> list[Staff]:
        ids = [r.id for r in rows]
        links = (await self.session.execute(
            select(staff_branches).where(staff_branches.c.staff_id.in_(ids)).order_by(staff_branches.c.branch_id)
        )).all() if ids else []
        by_staff: dict[str, list[str]] = {i: [] for i in ids}
        for link in links:
            by_staff[link.staff_id].append(link.branch_id)
        return [Staff(r.id, StaffRole(r.role), r.first_name, r.last_name, r.email, by_staff[r.id], r.password_hash,
                      r.email_confirmed_at, r.created_at) for r in rows]


class TeachingRepository:
    """Teacher-student pairs learned from scheduling's lesson events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, pairs: Iterable[tuple[str, str]], now: Any) -> None:
        """(teacher, student) pairs, inserted in key order: concurrent inserts lock in one order."""
        rows = [{"teacher_id": t, "student_id": s, "since": now} for t, s in sorted(set(pairs))]
        if rows:
            await self.session.execute(insert_for(self.session, teachings).values(rows).on_conflict_do_nothing())

    async def taught_by(self, teacher_id: str, student_ids: Sequence[str]) -> set[str]:
        rows = (await self.session.execute(select(teachings.c.student_id).where(
            teachings.c.teacher_id == teacher_id, teachings.c.student_id.in_(student_ids)))).all()
        return {r.student_id for r in rows}

    async def students_of_teacher(self, teacher_id: str) -> list[str]:
        rows = (await self.session.execute(select(teachings.c.student_id)
                                           .where(teachings.c.teacher_id == teacher_id))).all()
        return [r.student_id for r in rows]
