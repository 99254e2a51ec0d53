"""A signed-in user's own password, and a child's own login (R-FAM-1: every student has an own account)."""

from __future__ import annotations

from dataclasses import dataclass

from identity.domain.credentials import StudentLogin
from identity.domain.errors import InvalidCredentials, LoginTaken, StudentErased, TooManyRequests
from identity.domain.model import Student, check_password, normalise_student_login
from identity.service.auth import PASSWORD_FAILURE_WINDOW, PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS
from identity.service.family import student_for_change
from identity.service.sessions import (
    GUARDIAN,
    STAFF,
    STUDENT,
    AuthSession,
    guardian_principal,
    staff_principal,
    start_session,
    student_principal,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden


@dataclass(frozen=True)
class SetPassword:
    new_password: str
    current_password: str | None = None


async def set_password(cmd: SetPassword, uow: IdentityUnitOfWork, principal: Principal) -> AuthSession:
    """Set or change the caller's own password. Changing one needs the current password (a stolen access
    token alone must not take the account over); a code-only guardian sets a first one without. Every other
    session of the account ends; the caller gets a fresh one."""
    require_authenticated(principal)
    user_id = principal.user_id or ""
    new = check_password(cmd.new_password, "newPassword")
    ports = uow.ports
    now = ports.now()
    if principal.role is Role.GUARDIAN:
        guardian = await uow.guardians.get(user_id)
        stored = guardian.password_hash if guardian else None
    elif principal.is_staff:
        member = (await uow.staff.by_ids([user_id])).get(user_id)
        stored = member.password_hash if member else None
    elif principal.role is Role.STUDENT:
        login = (await uow.student_logins.of_students([user_id])).get(user_id)
        stored = login.password_hash if login else None
    else:
        raise Forbidden()
    if stored is not None:
        # Only the signed-in user can try here, so the per-account count is theirs alone.
        if await uow.throttles.hits_since("password_fail", user_id, now - PASSWORD_FAILURE_WINDOW) >= \
                PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS:
            raise TooManyRequests()
        if not await ports.hasher.verify(stored, cmd.current_password or ""):
            await uow.throttles.hit("password_fail", user_id, now)
            await uow.commit()  # the failed try counts
            raise InvalidCredentials("The current password is wrong.", field="currentPassword")
    hashed = await ports.hasher.hash(new)
    await uow.sessions.revoke_subject(user_id, now)
    if principal.role is Role.GUARDIAN:
        if guardian is None:
            raise InvalidCredentials()
        guardian.password_hash = hashed
        await uow.guardians.save(guardian)
        session = await start_session(uow, GUARDIAN, await guardian_principal(uow, guardian))
    elif principal.role is Role.STUDENT:
        # A child without a login of their own signs in with one a guardian sets (setStudentLogin).
        if login is None:
            raise InvalidCredentials()
        await uow.student_logins.save(StudentLogin(login.student_id, login.login, hashed), now)
        student = await uow.students.get(user_id)
        assert student is not None
        session = await start_session(uow, STUDENT, await student_principal(uow, student))
    else:
        if member is None:  # a token of an account that no longer exists
            raise InvalidCredentials()
        member.password_hash = hashed
        await uow.staff.save_password(member)
        session = await start_session(uow, STAFF, staff_principal(member))
    await uow.commit()
    return session


@dataclass(frozen=True)
class SetStudentLogin:
    student_id: str
    login: str
    password: str


@dataclass(frozen=True)
class StudentLoginSet:
    student: Student
    login: str


async def set_student_login(cmd: SetStudentLogin, uow: IdentityUnitOfWork, principal: Principal) -> StudentLoginSet:
    """A guardian of the family (or the branch's admin, or the owner) gives a child a login and password of
    their own; setting it again changes them and ends the child's sessions."""
    student = await student_for_change(uow, principal, cmd.student_id)
    if student.erased:
        raise StudentErased()
    login = normalise_student_login(cmd.login)
    password = check_password(cmd.password)
    taken = await uow.student_logins.by_login(login)
    if taken is not None and taken.student_id != student.id:
        raise LoginTaken(field="login")
    now = uow.ports.now()
    await uow.student_logins.save(StudentLogin(student.id, login, await uow.ports.hasher.hash(password)), now)
    await uow.sessions.revoke_subject(student.id, now)
    await uow.commit()
    return StudentLoginSet(student, login)
