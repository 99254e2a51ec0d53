"""What a guardian does in the family cabinet: add a child (R-FAM-3), link records (R-FAM-6), invite a second
guardian, update or erase a child's data; and cabinet access (R-FAM-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from identity.domain.confirmations import ConfirmationKind, ConfirmationPayload
from identity.domain.errors import (
    BranchNotFound,
    ConsentRequired,
    DuplicateChild,
    FamilyNotFound,
    RecordNotMatched,
    TooManyRequests,
)
from identity.domain.errors import (
    StudentErased as StudentErasedError,
)
from identity.domain.events import (
    AccessGranted,
    AccessRevoked,
    GuardianLinked,
    StudentErased,
    StudentUpdated,
)
from identity.domain.model import (
    CONSENT_VERSION,
    Consent,
    Family,
    Guardian,
    Student,
    clean_name,
    new_id,
    parse_birth_date,
)
from identity.service.confirmations import (
    ConfirmationSent,
    ConfirmWithCode,
    check_link,
    commit_then_send,
    enter_code,
    link_guardian,
    refused_if_wrong,
    request_confirmation,
)
from identity.service.ports import Outgoing
from identity.service.registration import student_registered
from identity.service.sessions import GUARDIAN, AuthSession, guardian_principal, start_session
from identity.service.sms import INVITE_PHONE, charge_family_sms, check_phone_cap, check_region
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_student, ensure, require_authenticated, require_role
from kabinet.errors import Forbidden
from kabinet.idempotency import user_scope
from kabinet.phone import normalise_phone

LINK_TRIES_PER_HOUR = 5
INVITES_PER_DAY = 10


def _guardian_family(principal: Principal) -> str:
    require_authenticated(principal)
    if principal.role is not Role.GUARDIAN or principal.family_id is None:
        raise Forbidden()
    return principal.family_id


@dataclass(frozen=True)
class AddChild:
    first_name: str
    last_name: str
    birth_date: str  # whole, YYYY-MM-DD: never a default year or month (R-FAM-3)
    consent: bool
    branch_id: str | None = None
    idempotency_key: str | None = None
    confirm_duplicate: bool = False  # twins of the same name exist; a retried request is the usual cause


async def add_child(cmd: AddChild, uow: IdentityUnitOfWork, principal: Principal) -> Student:
    family_id = _guardian_family(principal)
    payload = [cmd.first_name, cmd.last_name, cmd.birth_date, cmd.consent, cmd.branch_id]
    if cmd.confirm_duplicate:
        payload.append(True)  # keys stored before the flag existed still match requests without it
    claim = await uow.child_requests.claim(user_scope(principal.user_id), cmd.idempotency_key or None,
                                             "addChild", payload)
    if claim.replayed:
        found = await uow.students.get(claim.result)
        assert found is not None
        return found
    today = uow.ports.now().date()
    birth = parse_birth_date(cmd.birth_date, today)
    Student.validate(cmd.first_name, cmd.last_name, birth, today)
    if not cmd.consent:
        raise ConsentRequired(field="consent")
    family = await uow.families.get(family_id)
    if family is None:
        raise FamilyNotFound()
    siblings = (await uow.students.of_families([family.id]))[family.id]
    if not cmd.confirm_duplicate and any(_same_child(s, cmd.first_name, cmd.last_name, birth) for s in siblings):
        raise DuplicateChild(field="firstName")
    branch_id = cmd.branch_id or next((s.branch_id for s in siblings if s.branch_id), None)
    if branch_id is not None and await uow.branches.get(branch_id) is None:
        raise BranchNotFound(field="branchId")
    student = family.add_student(cmd.first_name, cmd.last_name, birth, branch_id, today)
    # Consent first, in the same transaction: no profile exists without it.
    await uow.students.add_consent(Consent(new_id(), family.id, student.id, principal.user_id, "cabinet",
                                           CONSENT_VERSION, uow.ports.now(), principal.user_id))
    await uow.students.add(student)
    uow.publish(student_registered(student))
    await uow.child_requests.store(claim, student.id)
    await uow.commit()
    return student


def _same_child(s: Student, first_name: str, last_name: str, birth: date) -> bool:
    return (not s.erased and s.birth_date == birth and s.first_name.strip().casefold() == first_name.strip().casefold()
            and s.last_name.strip().casefold() == last_name.strip().casefold())


async def student_for_change(uow: IdentityUnitOfWork, principal: Principal, student_id: str) -> Student:
    """A student the principal may change: the family's guardian, the branch's admin, the owner.
    'Not yours' and 'not there' are the same answer."""
    require_authenticated(principal)
    student = await uow.students.get(student_id, for_update=True)
    if student is None:
        raise Forbidden()
    if principal.role is Role.GUARDIAN:
        ensure(principal.family_id == student.family_id)
    else:
        require_role(principal, Role.BRANCH_ADMIN)
        ensure(can_see_student(principal, student.id, student.family_id, student.branch_id))
    return student


@dataclass(frozen=True)
class UpdateStudent:
    student_id: str
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    branch_id: str | None = None


async def update_student(cmd: UpdateStudent, uow: IdentityUnitOfWork, principal: Principal) -> Student:
    student = await student_for_change(uow, principal, cmd.student_id)
    today = uow.ports.now().date()
    birth = parse_birth_date(cmd.birth_date, today) if cmd.birth_date is not None else None
    if cmd.branch_id is not None and cmd.branch_id != student.branch_id:
        if principal.role is not Role.GUARDIAN:
            ensure(can_manage_branch(principal, cmd.branch_id))
        if await uow.branches.get(cmd.branch_id) is None:
            raise BranchNotFound(field="branchId")
    student.update(cmd.first_name, cmd.last_name, birth, cmd.branch_id, today)
    await uow.students.save(student)
    assert student.birth_date is not None
    uow.publish(StudentUpdated(student_id=student.id, family_id=student.family_id, first_name=student.first_name,
                               last_name=student.last_name, birth_date=student.birth_date,
                               branch_id=student.branch_id))
    await uow.commit()
    return student


@dataclass(frozen=True)
class EraseStudent:
    student_id: str


async def erase_student(cmd: EraseStudent, uow: IdentityUnitOfWork, principal: Principal) -> Student:
    """A guardian's erasure request: identity pseudonymises now, every other service on the event."""
    student = await student_for_change(uow, principal, cmd.student_id)
    if principal.role not in (Role.GUARDIAN, Role.OWNER):
        raise Forbidden()
    if student.erased:
        return student
    student.erase(uow.ports.now())
    await uow.students.save(student)
    # The child's own login may carry the name, and its sessions must end with the data.
    await uow.student_logins.delete(student.id)
    await uow.sessions.revoke_subject(student.id, uow.ports.now())
    uow.publish(StudentErased(student_id=student.id, family_id=student.family_id))
    await uow.commit()
    return student


@dataclass(frozen=True)
class SetChildConsent:
    student_id: str
    given: bool


async def set_child_consent(cmd: SetChildConsent, uow: IdentityUnitOfWork, principal: Principal) -> Student:
    """A guardian gives, or withdraws, consent to process an existing child's data (a guardian of the child's
    family only: staff record paper consent at registration). Withdrawing keeps the history."""
    family_id = _guardian_family(principal)
    student_id, given = cmd.student_id, cmd.given
    student = await uow.students.get(student_id, for_update=True)
    # Another family's child and no child at all are the same answer.
    if student is None or student.family_id != family_id:
        raise Forbidden()
    if student.erased:
        raise StudentErasedError(field="studentId")
    in_force = any(c.in_force for c in (await uow.students.consents_of([student.id]))[student.id])
    if given and not in_force:
        await uow.students.add_consent(Consent(new_id(), family_id, student.id, principal.user_id, "cabinet",
                                       CONSENT_VERSION, uow.ports.now(), principal.user_id))
    elif not given and in_force:
        await uow.students.withdraw_consents(student.id, principal.user_id, uow.ports.now())
    await uow.commit()
    return student


@dataclass(frozen=True)
class LinkRecords:
    phone: str
    birth_date: str
    last_name: str


async def link_records(cmd: LinkRecords, uow: IdentityUnitOfWork,
                       principal: Principal) -> AuthSession | ConfirmationSent:
    """Link existing client records to the signed-in guardian by phone + birth date + surname (R-FAM-6).

    Every mismatch, a malformed phone or date included, gives the one RecordNotMatched answer, and tries are
    capped per guardian, so the form cannot be used to learn whether a record exists. Knowing a child's birth
    date and surname proves nothing: the records link at once only when the caller's own (verified) phone is
    the records' phone; otherwise the records' guardian confirms first (a code to that phone, or an approval
    in that cabinet) and the caller gets ``ConfirmationSent``. A closed cabinet is never linked into, and a
    caller whose cabinet has children keeps it (the branch merges such records by hand).
    """
    family_id = _guardian_family(principal)
    now = uow.ports.now()
    key = principal.user_id or ""
    if await uow.throttles.hits_since("link", key, now - timedelta(hours=1)) >= LINK_TRIES_PER_HOUR:
        raise TooManyRequests()
    await uow.throttles.hit("link", key, now)
    await uow.commit()  # every try counts, whatever it ends in
    try:
        phone = normalise_phone(cmd.phone)
        birth = parse_birth_date(cmd.birth_date, now.date())
    except Exception:
        phone, birth = None, None
    matches = await uow.students.matching(phone, cmd.last_name, birth) if phone and birth else []
    if not matches:
        raise RecordNotMatched()
    me = await uow.guardians.get(key)
    target = await uow.families.get(matches[0].family_id, for_update=True)
    assert me is not None and target is not None and phone is not None
    if target.id != family_id:
        if me.phone != target.guardian_phone:
            await check_link(uow, me, target)  # a request that could never be applied is not sent
            child = matches[0]
            return await commit_then_send(uow, await request_confirmation(
                uow, principal, target, phone, ConfirmationKind.LINK_GUARDIAN, None,
                ConfirmationPayload(guardian_id=me.id),
                f"{me.first_name} {me.last_name} asks to join your family cabinet and see "
                f"{child.first_name}'s records."))
        await link_guardian(uow, me, target)
    session = await start_session(uow, GUARDIAN, await guardian_principal(uow, me))
    await uow.commit()
    return session


async def confirm_link(cmd: ConfirmWithCode, uow: IdentityUnitOfWork, principal: Principal) -> AuthSession:
    """The guardian who asked enters the code the records' family received: linked, with new tokens."""
    await refused_if_wrong(uow, await enter_code(cmd, uow, principal))
    me = await uow.guardians.get(principal.user_id or "")
    assert me is not None
    session = await start_session(uow, GUARDIAN, await guardian_principal(uow, me))
    await uow.commit()
    return session


@dataclass(frozen=True)
class InviteGuardian:
    phone: str
    first_name: str
    last_name: str


async def invite_guardian(cmd: InviteGuardian, uow: IdentityUnitOfWork, principal: Principal) -> Guardian:
    """A guardian invites a second adult by phone: they sign in with a code to the same family cabinet.

    The answer never tells whether the number is registered elsewhere (issue #10, point 11): for a number of
    another family no guardian is stored, its owner is told by SMS that someone tried, and the caller gets the
    same payload as for a new number.

    Either SMS is paid by the family's branch, so it goes through the SMS caps (identity.service.sms): logged,
    charged to the branch and counted in the school's day. Past a cap the invitation is refused with
    SMS_NOT_AVAILABLE and nothing is stored: an invitee added without being told would be a surprise, and for a
    number of another family the SMS is all there is to do, so refusing both keeps the two answers alike."""
    family_id = _guardian_family(principal)
    ports = uow.ports
    ports.require_channel("sms")  # as for codes: before anything is decided or stored
    phone = normalise_phone(cmd.phone)
    first, last = clean_name(cmd.first_name, "firstName"), clean_name(cmd.last_name, "lastName")
    check_region(uow, phone)
    now = ports.now()
    # Each invitation sends an SMS, whoever the number belongs to: a cap per family keeps it from being a spammer,
    # and the phone's cap (shared with codes) keeps many families from flooding one number. Both count every
    # invitation, wherever the number is registered, so neither tells that apart.
    if await uow.throttles.hits_since("invite", family_id, now - timedelta(days=1)) >= INVITES_PER_DAY:
        raise TooManyRequests(field="phone")
    await check_phone_cap(uow, phone, now)
    await uow.throttles.hit("invite", family_id, now)
    await uow.throttles.hit(INVITE_PHONE, phone, now)
    g = Guardian(new_id(), family_id, phone, first, last, None, None, False, None, now)
    existing = await uow.guardians.by_phone(phone)
    if existing is not None and existing.family_id == family_id:
        await uow.commit()
        return existing  # already in the caller's own family: nothing new to tell them, no SMS
    if existing is not None or await uow.families.by_phone(phone):
        text = ("Someone tried to add your number to another family cabinet in Kabinet. Nothing changed; if you "
                "expected this, contact your branch.")
    else:
        text = "You were added to a family cabinet in Kabinet. Sign in with your phone number."
        await uow.guardians.add(g)
        uow.publish(GuardianLinked(family_id=family_id, guardian_id=g.id, phone=phone))
    await charge_family_sms(uow, phone, "invite_guardian", family_id, now)
    await uow.commit()
    await ports.deliver([Outgoing("sms", phone, text)])
    return g


async def open_access(uow: IdentityUnitOfWork, family_id: str, reason: str) -> bool:
    family = await uow.families.get(family_id, for_update=True)
    if family is None or not family.open_access():
        return False
    await uow.families.save_access(family)
    uow.publish(AccessGranted(family_id=family.id, reason=reason))
    return True


async def _family_for_staff(uow: IdentityUnitOfWork, principal: Principal, family_id: str) -> Family:
    """A family staff may manage: the owner, or an admin of a branch one of its children studies in.
    'Not yours' and 'not there' are the same answer."""
    require_role(principal, Role.BRANCH_ADMIN)
    family = await uow.families.get(family_id, for_update=True)
    if family is None:
        raise Forbidden()
    kids = (await uow.students.of_families([family.id]))[family.id]
    ensure(principal.role is Role.OWNER or any(s.branch_id in principal.branch_ids for s in kids))
    return family


@dataclass(frozen=True)
class ChangeAccess:
    family_id: str
    reason: str = ""


async def open_access_by_staff(cmd: ChangeAccess, uow: IdentityUnitOfWork, principal: Principal) -> Family:
    """Staff open a cabinet by hand (a contract signed at the desk, a subscription sold outside Kabinet)."""
    family = await _family_for_staff(uow, principal, cmd.family_id)
    await open_access(uow, family.id, cmd.reason.strip()[:100] or "opened_by_staff")
    await uow.commit()
    family.access_open = True
    return family


async def revoke_access(cmd: ChangeAccess, uow: IdentityUnitOfWork, principal: Principal) -> Family:
    """Staff close a family's cabinet; its sessions end at once (refresh tokens revoked)."""
    family = await _family_for_staff(uow, principal, cmd.family_id)
    if family.close_access():
        await uow.families.save_access(family)
        for g in (await uow.guardians.of_families([family.id]))[family.id]:
            await uow.sessions.revoke_subject(g.id, uow.ports.now())
        uow.publish(AccessRevoked(family_id=family.id, reason=cmd.reason.strip() or "revoked_by_staff"))
    await uow.commit()
    return family
