"""Use case: staff register a student under a guardian phone (R-FAM-1, R-FAM-5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from identity.adapters.repositories import FamilyRepository
from identity.domain.events import FamilyCreated, StudentRegistered
from identity.domain.model import Family, Student, new_id
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_role
from kabinet.db import UnitOfWork
from kabinet.phone import normalise_phone


@dataclass(frozen=True)
class RegisterStudent:
    guardian_phone: str
    first_name: str
    last_name: str
    birth_date: date
    branch_id: str | None = None


async def register_student(cmd: RegisterStudent, uow: UnitOfWork, principal: Principal) -> Student:
    """Find or create the family of the phone, add the student, and publish what happened."""
    require_role(principal, Role.BRANCH_ADMIN)
    phone = normalise_phone(cmd.guardian_phone)  # before any write: bad input changes nothing
    repo = FamilyRepository(uow.session)
    family = await repo.by_phone(phone)
    if family is None:
        family = Family(new_id(), phone)
        await repo.add(family)
        uow.publish(FamilyCreated(family_id=family.id, guardian_phone=phone))
    student = family.add_student(cmd.first_name, cmd.last_name, cmd.birth_date, cmd.branch_id,
                                 today=datetime.now(UTC).date())
    await repo.add_student(student)
    uow.publish(StudentRegistered(student_id=student.id, family_id=family.id, first_name=student.first_name,
                                  last_name=student.last_name, birth_date=student.birth_date,
                                  branch_id=student.branch_id))
    await uow.commit()
    return student
