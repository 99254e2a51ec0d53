"""What a guardian does in the family cabinet: add a child (R-FAM-3), link records (R-FAM-6), invite a second
guardian, update or erase a child's data; and cabinet access (R-FAM-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from identity.adapters.credential_store import CredentialStore
from identity.adapters.repositories import (
    FamilyRepository,
    GuardianRepository,
    OrgRepository,
    StudentLoginRepository,
)
from identity.domain.confirmations import ConfirmationKind
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
    check_link,
    confirm_with_code,
    link_guardian,
    request_confirmation,
)
from identity.service.deps import IdentityDeps, Outgoing
from identity.service.idempotency import previous_result, remember_result
from identity.service.registration import student_registered
from identity.service.sessions import GUARDIAN, AuthSession, guardian_principal, start_session
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_student, ensure, require_authenticated, require_role
from kabinet.db import UnitOfWork
from kabinet.errors import Forbidden
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


async def add_child(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, cmd: AddChild) -> Student:
    family_id = _guardian_family(principal)
    payload = [cmd.first_name, cmd.last_name, cmd.birth_date, cmd.consent, cmd.branch_id]
    if cmd.confirm_duplicate:
        payload.append(True)  # keys stored before the flag existed still match requests without it
    repo = FamilyRepository(uow.session)
    earlier = await previous_result(uow, principal.user_id or "", cmd.idempotency_key, "addChild", payload)
    if earlier is not None:
        found = await repo.student(earlier)
        assert found is not None
        return found
    today = deps.now().date()
    birth = parse_birth_date(cmd.birth_date, today)
    Student.validate(cmd.first_name, cmd.last_name, birth, today)
    if not cmd.consent:
        raise ConsentRequired(field="consent")
    family = await repo.get(family_id)
    if family is None:
        raise FamilyNotFound()
    siblings = (await repo.students_of([family.id]))[family.id]
    if not cmd.confirm_duplicate and any(_same_child(s, cmd.first_name, cmd.last_name, birth) for s in siblings):
        raise DuplicateChild(field="firstName")
    branch_id = cmd.branch_id or next((s.branch_id for s in siblings if s.branch_id), None)
    if branch_id is not None and await OrgRepository(uow.session).branch(branch_id) is None:
        raise BranchNotFound(field="branchId")
    student = family.add_student(cmd.first_name, cmd.last_name, birth, branch_id, today)
    # Consent first, in the same transaction: no profile exists without it.
    await repo.add_consent(Consent(new_id(), family.id, student.id, principal.user_id, "cabinet", CONSENT_VERSION,
                                   deps.now(), principal.user_id))
    await repo.add_student(student)
    uow.publish(student_registered(student))
    await remember_result(uow, principal.user_id or "", cmd.idempotency_key, "addChild", payload, student.id,
                          deps.now())
    await uow.commit()
    return student


def _same_child(s: Student, first_name: str, last_name: str, birth: date) -> bool:
    return (not s.erased and s.birth_date == birth and s.first_name.strip().casefold() == first_name.strip().casefold()
            and s.last_name.strip().casefold() == last_name.strip().casefold())


async def student_for_change(uow: UnitOfWork, principal: Principal, student_id: str) -> Student:
    """A student the principal may change: the family's guardian, the branch's admin, the owner.
    'Not yours' and 'not there' are the same answer."""
    require_authenticated(principal)
    student = await FamilyRepository(uow.session).student(student_id, for_update=True)
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


async def update_student(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, cmd: UpdateStudent) -> Student:
    student = await student_for_change(uow, principal, cmd.student_id)
    today = deps.now().date()
    birth = parse_birth_date(cmd.birth_date, today) if cmd.birth_date is not None else None
    if cmd.branch_id is not None and cmd.branch_id != student.branch_id:
        if principal.role is not Role.GUARDIAN:
            ensure(can_manage_branch(principal, cmd.branch_id))
        if await OrgRepository(uow.session).branch(cmd.branch_id) is None:
            raise BranchNotFound(field="branchId")
    student.update(cmd.first_name, cmd.last_name, birth, cmd.branch_id, today)
    await FamilyRepository(uow.session).save_student(student)
    assert student.birth_date is not None
    uow.publish(StudentUpdated(student_id=student.id, family_id=student.family_id, first_name=student.first_name,
                               last_name=student.last_name, birth_date=student.birth_date,
                               branch_id=student.branch_id))
    await uow.commit()
    return student


async def erase_student(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, student_id: str) -> Student:
    """A guardian's erasure request: identity pseudonymises now, every other service on the event."""
    student = await student_for_change(uow, principal, student_id)
    if principal.role not in (Role.GUARDIAN, Role.OWNER):
        raise Forbidden()
    if student.erased:
        return student
    student.erase(deps.now())
    await FamilyRepository(uow.session).save_student(student)
    # The child's own login may carry the name, and its sessions must end with the data.
    await StudentLoginRepository(uow.session).delete(student.id)
    await CredentialStore(uow.session).revoke_subject(student.id, deps.now())
    uow.publish(StudentErased(student_id=student.id, family_id=student.family_id))
    await uow.commit()
    return student


async def set_child_consent(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, student_id: str,
                            given: bool) -> Student:
    """A guardian gives, or withdraws, consent to process an existing child's data (a guardian of the child's
    family only: staff record paper consent at registration). Withdrawing keeps the history."""
    family_id = _guardian_family(principal)
    repo = FamilyRepository(uow.session)
    student = await repo.student(student_id, for_update=True)
    # Another family's child and no child at all are the same answer.
    if student is None or student.family_id != family_id:
        raise Forbidden()
    if student.erased:
        raise StudentErasedError(field="studentId")
    in_force = any(c.in_force for c in (await repo.consents_of([student.id]))[student.id])
    if given and not in_force:
        await repo.add_consent(Consent(new_id(), family_id, student.id, principal.user_id, "cabinet",
                                       CONSENT_VERSION, deps.now(), principal.user_id))
    elif not given and in_force:
        await repo.withdraw_consents(student.id, principal.user_id, deps.now())
    await uow.commit()
    return student


@dataclass(frozen=True)
class LinkRecords:
    phone: str
    birth_date: str
    last_name: str


async def link_records(deps: IdentityDeps, uow: UnitOfWork, principal: Principal,
                       cmd: LinkRecords) -> AuthSession | ConfirmationSent:
    """Link existing client records to the signed-in guardian by phone + birth date + surname (R-FAM-6).

    Every mismatch, a malformed phone or date included, gives the one RecordNotMatched answer, and tries are
    capped per guardian, so the form cannot be used to learn whether a record exists. Knowing a child's birth
    date and surname proves nothing: the records link at once only when the caller's own (verified) phone is
    the records' phone; otherwise the records' guardian confirms first (a code to that phone, or an approval
    in that cabinet) and the caller gets ``ConfirmationSent``. A closed cabinet is never linked into, and a
    caller whose cabinet has children keeps it (the branch merges such records by hand).
    """
    family_id = _guardian_family(principal)
    store = CredentialStore(uow.session)
    now = deps.now()
    key = principal.user_id or ""
    if await store.hits_since("link", key, now - timedelta(hours=1)) >= LINK_TRIES_PER_HOUR:
        raise TooManyRequests()
    await store.hit("link", key, now)
    await uow.commit()  # every try counts, whatever it ends in
    try:
        phone = normalise_phone(cmd.phone)
        birth = parse_birth_date(cmd.birth_date, now.date())
    except Exception:
        phone, birth = None, None
    matches = await FamilyRepository(uow.session).students_matching(phone, cmd.last_name, birth) if phone else []
    if not matches:
        raise RecordNotMatched()
    me = await GuardianRepository(uow.session).get(key)
    target = await FamilyRepository(uow.session).get(matches[0].family_id, for_update=True)
    assert me is not None and target is not None and phone is not None
    if target.id != family_id:
        if me.phone != target.guardian_phone:
            await check_link(uow, me, target)  # a request that could never be applied is not sent
            child = matches[0]
            return await request_confirmation(
                deps, uow, principal, target, phone, ConfirmationKind.LINK_GUARDIAN, None, {"guardian_id": me.id},
                f"{me.first_name} {me.last_name} asks to join your family cabinet and see "
                f"{child.first_name}'s records.")
        await link_guardian(uow, me, target)
    session = await start_session(deps, uow, GUARDIAN, await guardian_principal(uow, me))
    await uow.commit()
    return session


async def confirm_link(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, confirmation_id: str,
                       code: str) -> AuthSession:
    """The guardian who asked enters the code the records' family received: linked, with new tokens."""
    await confirm_with_code(deps, uow, principal, confirmation_id, code)
    me = await GuardianRepository(uow.session).get(principal.user_id or "")
    assert me is not None
    session = await start_session(deps, uow, GUARDIAN, await guardian_principal(uow, me))
    await uow.commit()
    return session


async def invite_guardian(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, raw_phone: str,
                          first_name: str, last_name: str) -> Guardian:
    """A guardian invites a second adult by phone: they sign in with a code to the same family cabinet.

    The answer never tells whether the number is registered elsewhere (issue #10, point 11): for a number of
    another family nothing is stored, its owner is told by SMS that someone tried, and the caller gets the
    same payload as for a new number."""
    family_id = _guardian_family(principal)
    phone = normalise_phone(raw_phone)
    first, last = clean_name(first_name, "firstName"), clean_name(last_name, "lastName")
    store, now = CredentialStore(uow.session), deps.now()
    # Each invitation sends an SMS, whoever the number belongs to: a cap per family keeps it from being a spammer.
    if await store.hits_since("invite", family_id, now - timedelta(days=1)) >= INVITES_PER_DAY:
        raise TooManyRequests(field="phone")
    await store.hit("invite", family_id, now)
    guardians = GuardianRepository(uow.session)
    g = Guardian(new_id(), family_id, phone, first, last, None, None, False, None, now)
    existing = await guardians.by_phone(phone)
    if existing is not None and existing.family_id == family_id:
        await uow.commit()
        return existing  # already in the caller's own family: nothing new to tell them
    if existing is not None or await FamilyRepository(uow.session).by_phone(phone):
        await uow.commit()
        await deps.deliver([Outgoing("sms", phone, "Someone tried to add your number to another family cabinet "
                                                   "in Kabinet. Nothing changed; if you expected this, contact "
                                                   "your branch.")])
        return g
    await guardians.add(g)
    uow.publish(GuardianLinked(family_id=family_id, guardian_id=g.id, phone=phone))
    await uow.commit()
    await deps.deliver([Outgoing("sms", phone, "You were added to a family cabinet in Kabinet. "
                                               "Sign in with your phone number.")])
    return g


async def open_access(uow: UnitOfWork, family_id: str, reason: str) -> bool:
    repo = FamilyRepository(uow.session)
    family = await repo.get(family_id, for_update=True)
    if family is None or not family.open_access():
        return False
    await repo.save_access(family)
    uow.publish(AccessGranted(family_id=family.id, reason=reason))
    return True


async def _family_for_staff(uow: UnitOfWork, principal: Principal, family_id: str) -> Family:
    """A family staff may manage: the owner, or an admin of a branch one of its children studies in.
    'Not yours' and 'not there' are the same answer."""
    require_role(principal, Role.BRANCH_ADMIN)
    repo = FamilyRepository(uow.session)
    family = await repo.get(family_id, for_update=True)
    if family is None:
        raise Forbidden()
    kids = (await repo.students_of([family.id]))[family.id]
    ensure(principal.role is Role.OWNER or any(s.branch_id in principal.branch_ids for s in kids))
    return family


async def open_access_by_staff(uow: UnitOfWork, principal: Principal, family_id: str, reason: str) -> Family:
    """Staff open a cabinet by hand (a contract signed at the desk, a subscription sold outside Kabinet)."""
    family = await _family_for_staff(uow, principal, family_id)
    await open_access(uow, family.id, reason.strip()[:100] or "opened_by_staff")
    await uow.commit()
    family.access_open = True
    return family


async def revoke_access(deps: IdentityDeps, uow: UnitOfWork, principal: Principal, family_id: str,
                        reason: str) -> Family:
    """Staff close a family's cabinet; its sessions end at once (refresh tokens revoked)."""
    family = await _family_for_staff(uow, principal, family_id)
    repo = FamilyRepository(uow.session)
    if family.close_access():
        await repo.save_access(family)
        store = CredentialStore(uow.session)
        for g in (await GuardianRepository(uow.session).of_families([family.id]))[family.id]:
            await store.revoke_subject(g.id, deps.now())
        uow.publish(AccessRevoked(family_id=family.id, reason=reason.strip() or "revoked_by_staff"))
    await uow.commit()
    return family
