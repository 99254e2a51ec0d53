"""Students, the consents to process their data, and children's own logins (R-FAM-1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import consents, families, guardians, student_logins, students
from identity.domain.credentials import StudentLogin
from identity.domain.model import Consent, Student
from kabinet.db.any_of import any_of

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BY_IDS = select(students).where(any_of(students.c.id, bindparam("ids")))
_OF_FAMILIES = select(students).where(any_of(students.c.family_id, bindparam("ids"))).order_by(students.c.created_at)
_CONSENTS_OF = select(consents).where(any_of(consents.c.student_id, bindparam("ids"))).order_by(consents.c.given_at)
_LOGINS_OF = select(student_logins).where(any_of(student_logins.c.student_id, bindparam("ids")))


def to_student(r: Row[Any]) -> Student:
    return Student(r.id, r.family_id, r.first_name, r.last_name, r.birth_date, r.branch_id, r.created_at,
                   r.erased_at)


class SqlStudentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: Student) -> None:
        await self.session.execute(insert(students).values(
            id=s.id, family_id=s.family_id, first_name=s.first_name, last_name=s.last_name,
            birth_date=s.birth_date, branch_id=s.branch_id, created_at=s.created_at, erased_at=s.erased_at))

    async def save(self, s: Student) -> None:
        await self.session.execute(update(students).where(students.c.id == s.id).values(
            first_name=s.first_name, last_name=s.last_name, birth_date=s.birth_date, branch_id=s.branch_id,
            erased_at=s.erased_at))

    async def get(self, student_id: str, *, for_update: bool = False) -> Student | None:
        stmt = select(students).where(students.c.id == student_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else to_student(row)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Student]:
        rows = (await self.session.execute(_BY_IDS, {"ids": list(ids)})).all()
        return {r.id: to_student(r) for r in rows}

    async def of_branch(self, branch_id: str) -> list[Student]:
        rows = (await self.session.execute(select(students).where(students.c.branch_id == branch_id))).all()
        return [to_student(r) for r in rows]

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Student]]:
        rows = (await self.session.execute(_OF_FAMILIES, {"ids": list(family_ids)})).all()
        out: dict[str, list[Student]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(to_student(r))
        return out

    async def matching(self, phone: str, last_name: str, birth_date: date) -> list[Student]:
        rows = (await self.session.execute(
            select(students).join(families, families.c.id == students.c.family_id)
            .join(guardians, guardians.c.family_id == families.c.id, isouter=True)
            .where((families.c.guardian_phone == phone) | (guardians.c.phone == phone))
            .where(students.c.birth_date == birth_date, students.c.erased_at.is_(None))
        )).all()
        wanted = last_name.strip().casefold()
        return list({r.id: to_student(r) for r in rows if r.last_name.casefold() == wanted}.values())

    async def add_consent(self, c: Consent) -> None:
        await self.session.execute(insert(consents).values(
            id=c.id, family_id=c.family_id, student_id=c.student_id, guardian_id=c.guardian_id, source=c.source,
            version=c.version, given_at=c.given_at, recorded_by=c.recorded_by))

    async def consents_of(self, student_ids: Sequence[str]) -> dict[str, list[Consent]]:
        rows = (await self.session.execute(_CONSENTS_OF, {"ids": list(student_ids)})).all()
        out: dict[str, list[Consent]] = {sid: [] for sid in student_ids}
        for r in rows:
            out[r.student_id].append(Consent(r.id, r.family_id, r.student_id, r.guardian_id, r.source, r.version,
                                             r.given_at, r.recorded_by, r.withdrawn_at))
        return out

    async def withdraw_consents(self, student_id: str, guardian_id: str | None, now: datetime) -> None:
        await self.session.execute(update(consents).where(consents.c.student_id == student_id,
                                                          consents.c.withdrawn_at.is_(None))
                                   .values(withdrawn_at=now, withdrawn_by=guardian_id))


class SqlStudentLoginRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_login(self, login: str) -> StudentLogin | None:
        row = (await self.session.execute(select(student_logins).where(student_logins.c.login == login))).first()
        return None if row is None else StudentLogin(row.student_id, row.login, row.password_hash)

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, StudentLogin]:
        rows = (await self.session.execute(_LOGINS_OF, {"ids": list(student_ids)})).all()
        return {r.student_id: StudentLogin(r.student_id, r.login, r.password_hash) for r in rows}

    async def save(self, login: StudentLogin, now: datetime) -> None:
        changed = await self.session.execute(update(student_logins).where(
            student_logins.c.student_id == login.student_id).values(
            login=login.login, password_hash=login.password_hash, updated_at=now))
        if not changed.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(insert(student_logins).values(
                student_id=login.student_id, login=login.login, password_hash=login.password_hash,
                created_at=now, updated_at=now))

    async def delete(self, student_id: str) -> None:
        await self.session.execute(delete(student_logins).where(student_logins.c.student_id == student_id))
