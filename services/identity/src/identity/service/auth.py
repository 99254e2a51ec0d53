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

from identity.adapters.credential_store import CredentialStore
from identity.adapters.repositories import (
    FamilyRepository,
    GuardianRepository,
    OrgRepository,
    StudentLoginRepository,
)
from identity.domain.credentials import CODE_TTL, OneTimeCode, generate_code, hash_secret, new_opaque_token
from identity.domain.errors import (
    AlreadyRegistered,
    CodeLocked,
    InvalidCode,
    InvalidCredentials,
    InvalidLink,
    SmsNotAvailable,
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
from identity.service.deps import IdentityDeps, Outgoing
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
from kabinet.db import UnitOfWork
from kabinet.phone import InvalidPhone, normalise_phone, phone_region

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
class CodeRequested:
    expires_in: int


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def _check_sms_caps(deps: IdentityDeps, store: CredentialStore, phone: str, client_ip: str | None,
                          now: datetime) -> None:
    """Caps that hold for known and unknown numbers alike, checked before anything is looked up."""
    region = phone_region(phone)
    if region not in deps.settings.sms_allowed_regions:
        raise SmsNotAvailable(field="phone")
    ip_key = client_ip or "unknown"
    if await store.hits_since("code_ip", ip_key, now - deps.limits.per_ip_window) >= deps.limits.per_ip:
        raise TooManyRequests()
    if await store.codes_since(phone, now - deps.limits.per_phone_window) >= deps.limits.per_phone:
        raise TooManyRequests(field="phone")
    if await store.sms_count_since(_start_of_day(now)) >= deps.limits.global_daily:
        log.error("global daily SMS cap reached")
        raise SmsNotAvailable()
    await store.hit("code_ip", ip_key, now)


async def _branch_of_family(uow: UnitOfWork, family_id: str) -> str | None:
    kids = (await FamilyRepository(uow.session).students_of([family_id]))[family_id]
    return next((s.branch_id for s in kids if s.branch_id), None)


async def request_phone_code(deps: IdentityDeps, uow: UnitOfWork, raw_phone: str, purpose: CodePurpose,
                             client_ip: str | None) -> CodeRequested:
    deps.require_channel("sms")
    phone = normalise_phone(raw_phone)
    store = CredentialStore(uow.session)
    now = deps.now()
    await _check_sms_caps(deps, store, phone, client_ip, now)
    guardian = await GuardianRepository(uow.session).by_phone(phone)
    # Registration codes go to any number (that is how a new family proves its phone); the others only
    # to a known guardian; an unknown number gets a code row all the same, so the caps and answers match.
    send = purpose is CodePurpose.REGISTER or guardian is not None
    branch_id: str | None = None
    if send and purpose is CodePurpose.RESET_PASSWORD and guardian is not None:
        # A password SMS is charged to the branch (R-FAM-8); past the branch's daily cap it is not sent.
        branch_id = await _branch_of_family(uow, guardian.family_id)
        cap_key = branch_id or "no-branch"
        spent = await store.branch_sms_cost_since(cap_key, _start_of_day(now))
        if spent + deps.sms_cost > deps.limits.branch_daily_cost_cap_amount:
            log.warning("branch SMS cost cap reached", extra={"branch_id": cap_key})
            send = False
        branch_id = cap_key
    code = deps.fixed_code() or generate_code()
    await store.retire_codes(phone, purpose.value, now)
    await store.add_code(OneTimeCode(new_id(), phone, purpose.value, hash_secret(deps.pepper, code), now,
                                     now + CODE_TTL))
    outgoing: list[Outgoing] = []
    if send:
        await store.log_sms(phone, purpose.value, branch_id, deps.sms_cost, deps.settings.sms_currency, client_ip,
                            now)
        outgoing.append(Outgoing("sms", phone, f"Kabinet code: {code}. It expires in 10 minutes. "
                                               f"Never tell it to anyone."))
    await uow.commit()
    await deps.deliver(outgoing)
    return CodeRequested(int(CODE_TTL.total_seconds()))


async def _spend_code(deps: IdentityDeps, uow: UnitOfWork, phone: str, purpose: CodePurpose, code: str, *,
                      accept: bool = True) -> None:
    """Try the latest code; the try is committed even when wrong, so aliases and retries all count.

    A wrong try at a live code answers INVALID_CODE with the tries left; a code that is spent, locked, expired
    or was never requested answers CODE_LOCKED. Unknown phones have code rows too (never sent), and with
    ``accept=False`` their right code counts as wrong, so neither answer tells whether an account exists.
    """
    store = CredentialStore(uow.session)
    now = deps.now()
    otp = await store.latest_code(phone, purpose.value)
    if otp is None:
        raise CodeLocked(field="code")
    otp.expires_at = as_utc(otp.expires_at)
    if not otp.usable(now):
        raise CodeLocked(field="code")
    ok = otp.try_code(deps.pepper, code, now, accept=accept)
    await store.save_code(otp)
    if not ok:
        await uow.commit()
        if otp.tries_left == 0:
            raise CodeLocked(field="code")
        raise InvalidCode(field="code", tries_left=otp.tries_left)


async def sign_in_with_code(deps: IdentityDeps, uow: UnitOfWork, raw_phone: str, code: str) -> AuthSession:
    phone = normalise_phone(raw_phone)
    guardian = await GuardianRepository(uow.session).by_phone(phone)
    await _spend_code(deps, uow, phone, CodePurpose.SIGN_IN, code, accept=guardian is not None)
    if guardian is None:  # not reached: _spend_code accepts no code for a phone without a guardian
        raise CodeLocked(field="code")
    principal = await guardian_principal(uow, guardian)
    session = await start_session(deps, uow, GUARDIAN, principal)
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


async def complete_registration(deps: IdentityDeps, uow: UnitOfWork, cmd: CompleteRegistration) -> AuthSession:
    """A family self-registers: the code proves the phone; the cabinet opens at once (R-FAM-5)."""
    phone = normalise_phone(cmd.phone)
    first, last = clean_name(cmd.first_name, "firstName"), clean_name(cmd.last_name, "lastName")
    email = normalise_email(cmd.email) if cmd.email else None
    password = check_password(cmd.password) if cmd.password else None
    await _spend_code(deps, uow, phone, CodePurpose.REGISTER, cmd.code)
    guardians = GuardianRepository(uow.session)
    families = FamilyRepository(uow.session)
    if await guardians.by_phone(phone) is not None or await families.by_phone(phone) is not None:
        await uow.commit()  # the code is spent either way
        raise AlreadyRegistered(field="phone")
    now = deps.now()
    family = Family(new_id(), phone, now, FamilyOrigin.SELF, access_open=True)
    guardian = Guardian(new_id(), family.id, phone, first, last, email, None, True,
                        await deps.hasher.hash(password) if password else None, now)
    await families.add(family)
    await guardians.add(guardian)
    uow.publish(FamilyCreated(family_id=family.id, guardian_phone=phone))
    uow.publish(GuardianLinked(family_id=family.id, guardian_id=guardian.id, phone=phone))
    uow.publish(AccessGranted(family_id=family.id, reason="self_registered"))
    outgoing = [await _confirmation_link(deps, uow, GUARDIAN, guardian.id, email)] if email else []
    session = await start_session(deps, uow, GUARDIAN, await guardian_principal(uow, guardian))
    await uow.commit()
    await deps.deliver(outgoing)
    return session


async def _confirmation_link(deps: IdentityDeps, uow: UnitOfWork, kind: str, subject_id: str,
                             email: str) -> Outgoing:
    token = new_opaque_token()
    now = deps.now()
    await CredentialStore(uow.session).add_email_token(hash_secret(deps.pepper, token), "confirm_email", kind,
                                                       subject_id, email, now, now + EMAIL_LINK_TTL)
    link = f"{deps.settings.confirm_link_base()}?token={token}"
    return Outgoing("email", email, f"Confirm your email for Kabinet: {link}", "Confirm your email")


async def _reset_link(deps: IdentityDeps, uow: UnitOfWork, kind: str, subject_id: str, email: str,
                      subject: str = "Reset your Kabinet password") -> Outgoing:
    token = new_opaque_token()
    now = deps.now()
    await CredentialStore(uow.session).add_email_token(hash_secret(deps.pepper, token), "reset_password", kind,
                                                       subject_id, email, now, now + EMAIL_LINK_TTL)
    link = f"{deps.settings.public_url}/reset-password?token={token}"
    return Outgoing("email", email, f"Set a new password: {link}\nIf you did not ask, ignore this email.", subject)


async def resend_confirmation(deps: IdentityDeps, uow: UnitOfWork, guardian_id: str,
                              new_email: str | None) -> str:
    """Send the confirmation again, optionally to a corrected address (typos are common, R-FAM-9)."""
    deps.require_channel("email")
    guardians = GuardianRepository(uow.session)
    g = await guardians.get(guardian_id)
    if g is None:
        raise InvalidCredentials()
    if new_email is not None:
        g.email, g.email_confirmed_at = normalise_email(new_email), None
        await guardians.save(g)
    if g.email is None:
        raise InvalidLink("There is no email to confirm: give the address.", field="email")
    if await CredentialStore(uow.session).hits_since("confirm_mail", g.id, deps.now() - timedelta(hours=1)) >= 5:
        raise TooManyRequests()
    await CredentialStore(uow.session).hit("confirm_mail", g.id, deps.now())
    outgoing = await _confirmation_link(deps, uow, GUARDIAN, g.id, g.email)
    await uow.commit()
    await deps.deliver([outgoing])
    return g.email


async def confirm_email(deps: IdentityDeps, uow: UnitOfWork, token: str) -> None:
    store = CredentialStore(uow.session)
    t = await store.email_token(hash_secret(deps.pepper, token))
    now = deps.now()
    if t is None or t.purpose != "confirm_email" or t.used_at is not None or as_utc(t.expires_at) <= now:
        raise InvalidLink()
    if t.subject_kind == GUARDIAN:
        guardians = GuardianRepository(uow.session)
        g = await guardians.get(t.subject_id)
        if g is None or g.email != t.email:  # the address was corrected since: this link is stale
            raise InvalidLink()
        g.email_confirmed_at = now
        await guardians.save(g)
    else:
        org = OrgRepository(uow.session)
        found = (await org.staff_by_ids([t.subject_id])).get(t.subject_id)
        if found is None:
            raise InvalidLink()
        found.email_confirmed_at = now
        await org.save_staff_password(found)
    await store.use_email_token(t.id, now)
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


async def sign_in_with_password(deps: IdentityDeps, uow: UnitOfWork, login: str, password: str,
                                client_ip: str | None = None) -> AuthSession:
    """Staff by email; a guardian by phone or confirmed email, once a password is set."""
    store = CredentialStore(uow.session)
    now = deps.now()
    key = login_key(login)
    per_login, per_pair = _throttle_key(key), _throttle_key(key, client_ip or "unknown")
    since = now - PASSWORD_FAILURE_WINDOW
    if (await store.hits_since("password_fail", per_pair, since) >= PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS
            or await store.hits_since("password_fail_login", per_login, since) >= PASSWORD_FAILURES_PER_LOGIN):
        raise TooManyRequests()
    staff_member = None
    guardian = None
    student_login = None
    if "@" in key:
        staff_member = await OrgRepository(uow.session).staff_by_email(key)
        if staff_member is None:
            guardian = next((g for g in await GuardianRepository(uow.session).by_email(key)
                             if g.email_confirmed_at is not None and g.password_hash), None)
    elif key.startswith("+"):
        guardian = await GuardianRepository(uow.session).by_phone(key)
    else:  # a child's own login
        student_login = await StudentLoginRepository(uow.session).by_login(key)
    stored = (staff_member.password_hash if staff_member else guardian.password_hash if guardian
              else student_login.password_hash if student_login else None)
    if not await deps.hasher.verify(stored, password):
        await store.hit("password_fail", per_pair, now)
        await store.hit("password_fail_login", per_login, now)
        await uow.commit()
        raise InvalidCredentials()
    assert stored is not None
    new_hash = await deps.hasher.hash(password) if deps.hasher.needs_rehash(stored) else None
    if staff_member is not None:
        if new_hash:
            staff_member.password_hash = new_hash
            await OrgRepository(uow.session).save_staff_password(staff_member)
        session = await start_session(deps, uow, STAFF, staff_principal(staff_member))
    elif student_login is not None:
        students = FamilyRepository(uow.session)
        if new_hash:
            await StudentLoginRepository(uow.session).save(
                dataclasses.replace(student_login, password_hash=new_hash), now)
        student = await students.student(student_login.student_id)
        assert student is not None
        session = await start_session(deps, uow, STUDENT, await student_principal(uow, student))
    else:
        assert guardian is not None
        if new_hash:
            guardian.password_hash = new_hash
            await GuardianRepository(uow.session).save(guardian)
        session = await start_session(deps, uow, GUARDIAN, await guardian_principal(uow, guardian))
    await uow.commit()
    return session


class ResetChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


async def request_password_reset(deps: IdentityDeps, uow: UnitOfWork, login: str, channel: ResetChannel,
                                 client_ip: str | None) -> None:
    """Email: a link, free. SMS: a code, paid by the branch and capped (R-FAM-8). Same answer for anyone."""
    if channel is ResetChannel.SMS:
        await request_phone_code(deps, uow, login, CodePurpose.RESET_PASSWORD, client_ip)
        return
    deps.require_channel("email")
    email = normalise_email(login, "login")
    store = CredentialStore(uow.session)
    now = deps.now()
    if await store.hits_since("reset_mail", email, now - timedelta(hours=1)) >= 5:
        raise TooManyRequests()
    await store.hit("reset_mail", email, now)
    outgoing: list[Outgoing] = []
    found = await OrgRepository(uow.session).staff_by_email(email)
    if found is not None:
        outgoing.append(await _reset_link(deps, uow, STAFF, found.id, email))
    else:
        g = next((g for g in await GuardianRepository(uow.session).by_email(email) if g.email_confirmed_at), None)
        if g is not None:
            outgoing.append(await _reset_link(deps, uow, GUARDIAN, g.id, email))
    await uow.commit()
    await deps.deliver(outgoing)


async def reset_password_with_link(deps: IdentityDeps, uow: UnitOfWork, token: str, new_password: str) -> None:
    password = check_password(new_password, "newPassword")
    store = CredentialStore(uow.session)
    t = await store.email_token(hash_secret(deps.pepper, token))
    now = deps.now()
    if t is None or t.purpose != "reset_password" or t.used_at is not None or as_utc(t.expires_at) <= now:
        raise InvalidLink()
    hashed = await deps.hasher.hash(password)
    if t.subject_kind == STAFF:
        org = OrgRepository(uow.session)
        s = (await org.staff_by_ids([t.subject_id])).get(t.subject_id)
        if s is None:
            raise InvalidLink()
        # Following the link proves the mailbox, so the address counts as confirmed.
        s.password_hash, s.email_confirmed_at = hashed, s.email_confirmed_at or now
        await org.save_staff_password(s)
    else:
        guardians = GuardianRepository(uow.session)
        g = await guardians.get(t.subject_id)
        if g is None:
            raise InvalidLink()
        g.password_hash = hashed
        await guardians.save(g)
    await store.use_email_token(t.id, now)
    await store.revoke_subject(t.subject_id, now)  # a password change ends every other session
    await uow.commit()


async def reset_password_with_code(deps: IdentityDeps, uow: UnitOfWork, raw_phone: str, code: str,
                                   new_password: str) -> None:
    phone = normalise_phone(raw_phone)
    password = check_password(new_password, "newPassword")
    guardians = GuardianRepository(uow.session)
    g = await guardians.by_phone(phone)
    await _spend_code(deps, uow, phone, CodePurpose.RESET_PASSWORD, code, accept=g is not None)
    if g is None:  # not reached: _spend_code accepts no code for a phone without a guardian
        raise CodeLocked(field="code")
    g.password_hash = await deps.hasher.hash(password)
    await guardians.save(g)
    await CredentialStore(uow.session).revoke_subject(g.id, deps.now())
    await uow.commit()
