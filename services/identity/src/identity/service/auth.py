"""Sign-in: phone + one-time code for families, email + password for staff (and families who set one),
self-registration, email confirmation, password reset by email (free) or SMS (paid, capped per branch).

Every answer about an account is the same whether or not it exists: unknown phones still get a code row
(never sent), unknown logins still cost an argon2 verification, and the caps count both alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from identity.domain.credentials import (
    CODE_TTL,
    OneTimeCode,
    address_key,
    generate_code,
    hash_secret,
    new_opaque_token,
)
from identity.domain.errors import (
    AlreadyRegistered,
    CodeLocked,
    InvalidCode,
    InvalidCredentials,
    InvalidLink,
    TooManyRequests,
)
from identity.domain.events import AccessGranted, FamilyCreated, GuardianLinked
from identity.domain.model import (
    Family,
    FamilyOrigin,
    Guardian,
    as_utc,
    check_password,
    clean_name,
    new_id,
    normalise_email,
)
from identity.service.ports import Outgoing
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
from identity.service.sms import (
    branch_of_family,
    check_phone_cap,
    check_region,
    log_sms,
    take_branch_sms,
    take_school_sms,
)
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from kabinet.phone import InvalidPhone, normalise_phone

log = logging.getLogger(__name__)

EMAIL_LINK_TTL = timedelta(hours=48)
# Wrong passwords per 15 minutes: per login AND client address (a stranger elsewhere cannot lock anyone out),
# and a ceiling per login far above it that stops a guess spread over many addresses (docs/security-signin.md).
PASSWORD_FAILURE_WINDOW = timedelta(minutes=15)
PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS = 10
PASSWORD_FAILURES_PER_LOGIN = 200


class CodePurpose(StrEnum):
    SIGN_IN = "sign_in"
    REGISTER = "register"
    RESET_PASSWORD = "reset_password"


@dataclass(frozen=True)
class RequestPhoneCode:
    phone: str
    purpose: CodePurpose
    client_ip: str | None = None


@dataclass(frozen=True)
class CodeRequested:
    expires_in: int


async def _check_sms_caps(uow: IdentityUnitOfWork, phone: str, client_ip: str | None, now: datetime) -> None:
    """Caps that hold for known and unknown numbers alike, checked before anything is looked up (the school's
    daily total is taken last, in request_phone_code)."""
    ports = uow.ports
    check_region(uow, phone)
    ip_key = address_key(client_ip)
    if await uow.throttles.hits_since("code_ip", ip_key, now - ports.limits.per_ip_window) >= ports.limits.per_ip:
        raise TooManyRequests()
    await check_phone_cap(uow, phone, now)
    await uow.throttles.hit("code_ip", ip_key, now)


async def request_phone_code(cmd: RequestPhoneCode, uow: IdentityUnitOfWork) -> CodeRequested:
    ports = uow.ports
    ports.require_channel("sms")
    phone = normalise_phone(cmd.phone)
    purpose = cmd.purpose
    now = ports.now()
    await _check_sms_caps(uow, phone, cmd.client_ip, now)
    guardian = await uow.guardians.by_phone(phone)
    # Registration codes go to any number (that is how a new family proves its phone); the others only
    # to a known guardian; an unknown number gets a code row all the same, so the caps and answers match.
    send = purpose is CodePurpose.REGISTER or guardian is not None
    branch_id: str | None = None
    if send and purpose is CodePurpose.RESET_PASSWORD and guardian is not None:
        # A password SMS is charged to the branch (R-FAM-8); past the branch's daily cap it is not sent.
        branch_id = await branch_of_family(uow, guardian.family_id)
        send = await take_branch_sms(uow, branch_id, now)
    code = ports.fixed_code() or generate_code()
    await uow.codes.retire(phone, purpose.value, now)
    await uow.codes.add(OneTimeCode(new_id(), phone, purpose.value, hash_secret(ports.pepper, code), now,
                                    now + CODE_TTL))
    outgoing: list[Outgoing] = []
    if send:
        await log_sms(uow, phone, purpose.value, branch_id, now, cmd.client_ip)
        outgoing.append(Outgoing("sms", phone, f"Kabinet code: {code}. It expires in 10 minutes. "
                                               f"Never tell it to anyone."))
    await take_school_sms(uow, send, now)
    await uow.commit()
    await ports.deliver(outgoing)
    return CodeRequested(int(CODE_TTL.total_seconds()))


async def _spend_code(uow: IdentityUnitOfWork, phone: str, purpose: CodePurpose, code: str, *,
                      accept: bool = True) -> None:
    """Try the latest code; the try is committed even when wrong, so aliases and retries all count.

    A wrong try at a live code answers INVALID_CODE with the tries left; a code that is spent, locked, expired
    or was never requested answers CODE_LOCKED. Unknown phones have code rows too (never sent), and with
    ``accept=False`` their right code counts as wrong, so neither answer tells whether an account exists.
    """
    now = uow.ports.now()
    otp = await uow.codes.latest(phone, purpose.value)
    if otp is None:
        raise CodeLocked(field="code")
    otp.expires_at = as_utc(otp.expires_at)
    if not otp.usable(now):
        raise CodeLocked(field="code")
    ok = otp.try_code(uow.ports.pepper, code, now, accept=accept)
    await uow.codes.save(otp)
    if not ok:
        await uow.commit()
        if otp.tries_left == 0:
            raise CodeLocked(field="code")
        raise InvalidCode(field="code", tries_left=otp.tries_left)


@dataclass(frozen=True)
class SignInWithCode:
    phone: str
    code: str


async def sign_in_with_code(cmd: SignInWithCode, uow: IdentityUnitOfWork) -> AuthSession:
    phone = normalise_phone(cmd.phone)
    guardian = await uow.guardians.by_phone(phone)
    await _spend_code(uow, phone, CodePurpose.SIGN_IN, cmd.code, accept=guardian is not None)
    if guardian is None:  # not reached: _spend_code accepts no code for a phone without a guardian
        raise CodeLocked(field="code")
    principal = await guardian_principal(uow, guardian)
    session = await start_session(uow, GUARDIAN, principal)
    await uow.commit()
    return session


@dataclass(frozen=True)
class CompleteRegistration:
    phone: str
    code: str
    first_name: str
    last_name: str
    email: str | None = None
    password: str | None = None


async def complete_registration(cmd: CompleteRegistration, uow: IdentityUnitOfWork) -> AuthSession:
    """A family self-registers: the code proves the phone; the cabinet opens at once (R-FAM-5)."""
    ports = uow.ports
    phone = normalise_phone(cmd.phone)
    first, last = clean_name(cmd.first_name, "firstName"), clean_name(cmd.last_name, "lastName")
    email = normalise_email(cmd.email) if cmd.email else None
    password = check_password(cmd.password) if cmd.password else None
    await _spend_code(uow, phone, CodePurpose.REGISTER, cmd.code)
    if await uow.guardians.by_phone(phone) is not None or await uow.families.by_phone(phone) is not None:
        await uow.commit()  # the code is spent either way
        raise AlreadyRegistered(field="phone")
    now = ports.now()
    family = Family(new_id(), phone, now, FamilyOrigin.SELF, access_open=True)
    guardian = Guardian(new_id(), family.id, phone, first, last, email, None, True,
                        await ports.hasher.hash(password) if password else None, now)
    await uow.families.add(family)
    await uow.guardians.add(guardian)
    uow.publish(FamilyCreated(family_id=family.id, guardian_phone=phone))
    uow.publish(GuardianLinked(family_id=family.id, guardian_id=guardian.id, phone=phone))
    uow.publish(AccessGranted(family_id=family.id, reason="self_registered"))
    outgoing = [await _confirmation_link(uow, GUARDIAN, guardian.id, email)] if email else []
    session = await start_session(uow, GUARDIAN, await guardian_principal(uow, guardian))
    await uow.commit()
    await ports.deliver(outgoing)
    return session


async def _confirmation_link(uow: IdentityUnitOfWork, kind: str, subject_id: str, email: str) -> Outgoing:
    token = new_opaque_token()
    now = uow.ports.now()
    await uow.email_links.add(hash_secret(uow.ports.pepper, token), "confirm_email", kind, subject_id, email, now,
                              now + EMAIL_LINK_TTL)
    link = f"{uow.ports.settings.confirm_link_base()}?token={token}"
    return Outgoing("email", email, f"Confirm your email for Kabinet: {link}", "Confirm your email")


async def reset_link(uow: IdentityUnitOfWork, kind: str, subject_id: str, email: str,
                     subject: str = "Reset your Kabinet password") -> Outgoing:
    token = new_opaque_token()
    now = uow.ports.now()
    await uow.email_links.add(hash_secret(uow.ports.pepper, token), "reset_password", kind, subject_id, email, now,
                              now + EMAIL_LINK_TTL)
    link = f"{uow.ports.settings.public_url}/reset-password?token={token}"
    return Outgoing("email", email, f"Set a new password: {link}\nIf you did not ask, ignore this email.", subject)


@dataclass(frozen=True)
class ResendConfirmation:
    new_email: str | None = None


@dataclass(frozen=True)
class ConfirmationEmailSent:
    email: str


async def resend_confirmation(cmd: ResendConfirmation, uow: IdentityUnitOfWork,
                              principal: Principal) -> ConfirmationEmailSent:
    """Send the confirmation again, optionally to a corrected address (typos are common, R-FAM-9)."""
    require_authenticated(principal)
    if principal.role is not Role.GUARDIAN or not principal.user_id:
        raise Forbidden()
    ports = uow.ports
    ports.require_channel("email")
    g = await uow.guardians.get(principal.user_id)
    if g is None:
        raise InvalidCredentials()
    if cmd.new_email is not None:
        g.email, g.email_confirmed_at = normalise_email(cmd.new_email), None
        await uow.guardians.save(g)
    if g.email is None:
        raise InvalidLink("There is no email to confirm: give the address.", field="email")
    if await uow.throttles.hits_since("confirm_mail", g.id, ports.now() - timedelta(hours=1)) >= 5:
        raise TooManyRequests()
    await uow.throttles.hit("confirm_mail", g.id, ports.now())
    outgoing = await _confirmation_link(uow, GUARDIAN, g.id, g.email)
    await uow.commit()
    await ports.deliver([outgoing])
    return ConfirmationEmailSent(g.email)


@dataclass(frozen=True)
class ConfirmEmail:
    token: str


async def confirm_email(cmd: ConfirmEmail, uow: IdentityUnitOfWork) -> None:
    t = await uow.email_links.by_hash(hash_secret(uow.ports.pepper, cmd.token))
    now = uow.ports.now()
    if t is None or t.purpose != "confirm_email" or t.used_at is not None or as_utc(t.expires_at) <= now:
        raise InvalidLink()
    if t.subject_kind == GUARDIAN:
        g = await uow.guardians.get(t.subject_id)
        if g is None or g.email != t.email:  # the address was corrected since: this link is stale
            raise InvalidLink()
        g.email_confirmed_at = now
        await uow.guardians.save(g)
    else:
        found = (await uow.staff.by_ids([t.subject_id])).get(t.subject_id)
        if found is None:
            raise InvalidLink()
        found.email_confirmed_at = now
        await uow.staff.save_password(found)
    await uow.email_links.use(t.id, now)
    await uow.commit()


def login_key(login: str) -> str:
    """One key per account however the login is written: ``8 (900) 000-00-04`` is ``+79000000004``."""
    key = login.strip().lower()
    if "@" not in key and not any(c.isalpha() for c in key):  # a child's login starts with a letter
        with contextlib.suppress(InvalidPhone):
            return normalise_phone(key)
    return key


def _throttle_key(*parts: str) -> str:
    """Fits the key column whatever a client sends (a long login is hashed, never an insert error)."""
    joined = "|".join(parts)
    return joined if len(joined) <= 200 else hashlib.sha256(joined.encode()).hexdigest()


@dataclass(frozen=True)
class SignInWithPassword:
    login: str
    password: str
    client_ip: str | None = None


async def sign_in_with_password(cmd: SignInWithPassword, uow: IdentityUnitOfWork) -> AuthSession:
    """Staff by email; a guardian by phone or confirmed email, once a password is set."""
    ports = uow.ports
    now = ports.now()
    key = login_key(cmd.login)
    per_login, per_pair = _throttle_key(key), _throttle_key(key, address_key(cmd.client_ip))
    since = now - PASSWORD_FAILURE_WINDOW
    if (await uow.throttles.hits_since("password_fail", per_pair, since) >= PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS
            or await uow.throttles.hits_since("password_fail_login", per_login, since)
            >= PASSWORD_FAILURES_PER_LOGIN):
        raise TooManyRequests()
    staff_member = None
    guardian = None
    student_login = None
    if "@" in key:
        staff_member = await uow.staff.by_email(key)
        if staff_member is None:
            guardian = next((g for g in await uow.guardians.by_email(key)
                             if g.email_confirmed_at is not None and g.password_hash), None)
    elif key.startswith("+"):
        guardian = await uow.guardians.by_phone(key)
    else:  # a child's own login
        student_login = await uow.student_logins.by_login(key)
    stored = (staff_member.password_hash if staff_member else guardian.password_hash if guardian
              else student_login.password_hash if student_login else None)
    if not await ports.hasher.verify(stored, cmd.password):
        await uow.throttles.hit("password_fail", per_pair, now)
        await uow.throttles.hit("password_fail_login", per_login, now)
        await uow.commit()
        raise InvalidCredentials()
    assert stored is not None
    new_hash = await ports.hasher.hash(cmd.password) if ports.hasher.needs_rehash(stored) else None
    if staff_member is not None:
        if new_hash:
            staff_member.password_hash = new_hash
            await uow.staff.save_password(staff_member)
        session = await start_session(uow, STAFF, staff_principal(staff_member))
    elif student_login is not None:
        if new_hash:
            await uow.student_logins.save(dataclasses.replace(student_login, password_hash=new_hash), now)
        student = await uow.students.get(student_login.student_id)
        assert student is not None
        session = await start_session(uow, STUDENT, await student_principal(uow, student))
    else:
        assert guardian is not None
        if new_hash:
            guardian.password_hash = new_hash
            await uow.guardians.save(guardian)
        session = await start_session(uow, GUARDIAN, await guardian_principal(uow, guardian))
    await uow.commit()
    return session


class ResetChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True)
class RequestPasswordReset:
    login: str
    channel: ResetChannel
    client_ip: str | None = None


async def request_password_reset(cmd: RequestPasswordReset, uow: IdentityUnitOfWork) -> None:
    """Email: a link, free. SMS: a code, paid by the branch and capped (R-FAM-8). Same answer for anyone."""
    if cmd.channel is ResetChannel.SMS:
        await request_phone_code(RequestPhoneCode(cmd.login, CodePurpose.RESET_PASSWORD, cmd.client_ip), uow)
        return
    ports = uow.ports
    ports.require_channel("email")
    email = normalise_email(cmd.login, "login")
    now = ports.now()
    if await uow.throttles.hits_since("reset_mail", email, now - timedelta(hours=1)) >= 5:
        raise TooManyRequests()
    await uow.throttles.hit("reset_mail", email, now)
    outgoing: list[Outgoing] = []
    found = await uow.staff.by_email(email)
    if found is not None:
        outgoing.append(await reset_link(uow, STAFF, found.id, email))
    else:
        g = next((g for g in await uow.guardians.by_email(email) if g.email_confirmed_at), None)
        if g is not None:
            outgoing.append(await reset_link(uow, GUARDIAN, g.id, email))
    await uow.commit()
    await ports.deliver(outgoing)


@dataclass(frozen=True)
class ResetPassword:
    """With the email link's token, or with phone + SMS code."""

    new_password: str
    token: str | None = None
    phone: str | None = None
    code: str | None = None


async def reset_password(cmd: ResetPassword, uow: IdentityUnitOfWork) -> None:
    if cmd.token:
        await _reset_password_with_link(uow, cmd.token, cmd.new_password)
    elif cmd.phone and cmd.code:
        await _reset_password_with_code(uow, cmd.phone, cmd.code, cmd.new_password)
    elif cmd.phone:
        raise InvalidCode(field="code")
    else:
        raise InvalidLink(field="token")


async def _reset_password_with_link(uow: IdentityUnitOfWork, token: str, new_password: str) -> None:
    password = check_password(new_password, "newPassword")
    t = await uow.email_links.by_hash(hash_secret(uow.ports.pepper, token))
    now = uow.ports.now()
    if t is None or t.purpose != "reset_password" or t.used_at is not None or as_utc(t.expires_at) <= now:
        raise InvalidLink()
    hashed = await uow.ports.hasher.hash(password)
    if t.subject_kind == STAFF:
        s = (await uow.staff.by_ids([t.subject_id])).get(t.subject_id)
        if s is None:
            raise InvalidLink()
        # Following the link proves the mailbox, so the address counts as confirmed.
        s.password_hash, s.email_confirmed_at = hashed, s.email_confirmed_at or now
        await uow.staff.save_password(s)
    else:
        g = await uow.guardians.get(t.subject_id)
        if g is None:
            raise InvalidLink()
        g.password_hash = hashed
        await uow.guardians.save(g)
    await uow.email_links.use(t.id, now)
    await uow.sessions.revoke_subject(t.subject_id, now)  # a password change ends every other session
    await uow.commit()


async def _reset_password_with_code(uow: IdentityUnitOfWork, raw_phone: str, code: str, new_password: str) -> None:
    phone = normalise_phone(raw_phone)
    password = check_password(new_password, "newPassword")
    g = await uow.guardians.by_phone(phone)
    await _spend_code(uow, phone, CodePurpose.RESET_PASSWORD, code, accept=g is not None)
    if g is None:  # not reached: _spend_code accepts no code for a phone without a guardian
        raise CodeLocked(field="code")
    g.password_hash = await uow.ports.hasher.hash(password)
    await uow.guardians.save(g)
    await uow.sessions.revoke_subject(g.id, uow.ports.now())
    await uow.commit()
