"""Staff register clients and students by hand (R-FAM-1, R-FAM-4, R-FAM-5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from identity.domain.confirmations import ConfirmationKind
from identity.domain.errors import BranchNotFound, ConsentRequired
from identity.domain.events import FamilyCreated, GuardianLinked, StudentRegistered
from identity.domain.model import (
    CONSENT_VERSION,
    Consent,
    Family,
    Guardian,
    Student,
    clean_name,
    new_id,
    normalise_email,
    parse_birth_date,
    utcnow,
)
from identity.service.confirmations import (
    ConfirmationRequest,
    ConfirmationSent,
    caller_sees_family,
    commit_then_send,
    request_confirmation,
    students_payload,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, require_role
from kabinet.errors import InvalidInput
from kabinet.phone import normalise_phone


@dataclass(frozen=True)
class RegisterStudent:
    guardian_phone: str
    first_name: str
    last_name: str
    birth_date: date | str
    branch_id: str | None = None


def student_registered(s: Student) -> StudentRegistered:
    assert s.birth_date is not None
    return StudentRegistered(student_id=s.id, family_id=s.family_id, first_name=s.first_name,
                             last_name=s.last_name, birth_date=s.birth_date, branch_id=s.branch_id)


async def family_for_phone(uow: IdentityUnitOfWork, phone: str, first_name: str = "", last_name: str = "",
                           email: str | None = None) -> Family:
    """The family of the phone, created with its paying guardian when the phone is new."""
    family = await uow.families.by_phone(phone)
    if family is None:
        guardian = await uow.guardians.by_phone(phone)
        if guardian is not None:  # a second guardian's phone: the same family cabinet (one phone = one family)
            found = await uow.families.get(guardian.family_id)
            assert found is not None
            return found
        family = Family(new_id(), phone)
        await uow.families.add(family)
        guardian = Guardian(new_id(), family.id, phone, first_name, last_name, email, None, True)
        await uow.guardians.add(guardian)
        uow.publish(FamilyCreated(family_id=family.id, guardian_phone=phone))
        uow.publish(GuardianLinked(family_id=family.id, guardian_id=guardian.id, phone=phone))
    return family


def _birth_date(value: date | str, today: date) -> date:
    return parse_birth_date(value, today) if isinstance(value, str) else value


async def existing_family(uow: IdentityUnitOfWork, phone: str) -> Family | None:
    """The family a phone already belongs to: as its family phone or as one of its guardians'."""
    family = await uow.families.by_phone(phone)
    if family is None and (guardian := await uow.guardians.by_phone(phone)) is not None:
        family = await uow.families.get(guardian.family_id)
    return family


async def _confirmation_first(uow: IdentityUnitOfWork, principal: Principal, phone: str,
                              branch_id: str | None, students: list[tuple[str, str, date]]
                              ) -> ConfirmationRequest | None:
    """An existing family the caller cannot see gets nothing attached until its guardian confirms (issue #10);
    None: go on (a new phone, or a family the caller already sees)."""
    family = await existing_family(uow, phone)
    if family is None or await caller_sees_family(uow, principal, family.id):
        return None
    branch = await uow.branches.get(branch_id) if branch_id else None
    names = ", ".join(f"{f} {la}" for f, la, _ in students) or "a client record"
    return await request_confirmation(
        uow, principal, family, phone, ConfirmationKind.ADD_STUDENTS, branch_id,
        students_payload(branch_id, students),
        f"branch {branch.name if branch else ''} asks to add {names} to your family.")


async def register_student(cmd: RegisterStudent, uow: IdentityUnitOfWork,
                           principal: Principal) -> Student | ConfirmationSent:
    """Find or create the family of the phone, add the student, and publish what happened. A family of
    another branch is asked first (``ConfirmationSent``)."""
    require_role(principal, Role.BRANCH_ADMIN)
    branch_id = cmd.branch_id
    if branch_id is None and principal.role is not Role.OWNER:
        # An admin of one branch registers into it; an admin of several must choose.
        if len(principal.branch_ids) != 1:
            raise InvalidInput("Choose the student's branch.", field="branchId")
        branch_id = next(iter(principal.branch_ids))
    if branch_id is not None:
        ensure(can_manage_branch(principal, branch_id))
    phone = normalise_phone(cmd.guardian_phone)  # before any write: bad input changes nothing
    today = utcnow().date()
    birth = _birth_date(cmd.birth_date, today)
    Student.validate(cmd.first_name, cmd.last_name, birth, today)
    if asked := await _confirmation_first(uow, principal, phone, branch_id,
                                          [(cmd.first_name, cmd.last_name, birth)]):
        return await commit_then_send(uow, asked)
    family = await family_for_phone(uow, phone)
    student = family.add_student(cmd.first_name, cmd.last_name, birth, branch_id, today=today)
    # Staff register on the strength of the signed paper contract: that is the recorded consent.
    await uow.students.add_consent(Consent(new_id(), family.id, student.id, None, "paper", CONSENT_VERSION, utcnow(),
                                           principal.user_id))
    await uow.students.add(student)
    uow.publish(student_registered(student))
    await uow.commit()
    return student


@dataclass(frozen=True)
class NewStudent:
    first_name: str
    last_name: str
    birth_date: str


@dataclass(frozen=True)
class RegisterClient:
    phone: str
    first_name: str
    last_name: str
    branch_id: str
    consent_signed: bool
    email: str | None = None
    students: tuple[NewStudent, ...] = field(default_factory=tuple)


async def register_client(cmd: RegisterClient, uow: IdentityUnitOfWork,
                          principal: Principal) -> Family | ConfirmationSent:
    """A branch admin (or the owner) registers a client (guardian) and their students by hand. The cabinet opens
    later, when billing sells the first non-trial subscription (R-FAM-7). A family of another branch is asked
    first (``ConfirmationSent``): the payload then carries nothing of it."""
    return await commit_then_send(uow, await add_client(cmd, uow, principal))


async def add_client(cmd: RegisterClient, uow: IdentityUnitOfWork,
                     principal: Principal) -> Family | ConfirmationRequest:
    """register_client's step (winLead composes it): checks and writes, no commit; the students come last in
    the family, in the order given."""
    require_role(principal, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(principal, cmd.branch_id))
    phone = normalise_phone(cmd.phone)
    first, last = clean_name(cmd.first_name, "firstName"), clean_name(cmd.last_name, "lastName")
    email = normalise_email(cmd.email) if cmd.email else None
    today = utcnow().date()
    births = [parse_birth_date(s.birth_date, today) for s in cmd.students]
    for s, b in zip(cmd.students, births, strict=True):
        Student.validate(s.first_name, s.last_name, b, today)
    if cmd.students and not cmd.consent_signed:
        raise ConsentRequired(field="consentSigned")
    if await uow.branches.get(cmd.branch_id) is None:
        raise BranchNotFound(field="branchId")
    if asked := await _confirmation_first(uow, principal, phone, cmd.branch_id,
                                          [(s.first_name, s.last_name, b) for s, b in zip(cmd.students, births,
                                                                                        strict=True)]):
        return asked
    family = await family_for_phone(uow, phone, first, last, email)
    for s, b in zip(cmd.students, births, strict=True):
        student = family.add_student(s.first_name, s.last_name, b, cmd.branch_id, today)
        await uow.students.add_consent(Consent(new_id(), family.id, student.id, None, "paper", CONSENT_VERSION,
                                               utcnow(), principal.user_id))
        await uow.students.add(student)
        uow.publish(student_registered(student))
    return family
