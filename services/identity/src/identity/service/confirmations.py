"""A guardian confirms before anything is attached to their family by someone who cannot see it (issue #10).

Staff registering a child under an existing family's phone, when the family does not study in their branch,
and a guardian linking records of another family, get only ``ConfirmationSent``: a code goes by SMS to the
family's phone. The requester enters the code (the guardian at the desk reads it out, or passes it on), or the
family's guardian approves the request in the cabinet; only then is the child added or the guardian linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from identity.domain.confirmations import (
    CONFIRMATION_TTL,
    REQUESTS_PER_FAMILY_PER_DAY,
    ChildToAdd,
    ConfirmationKind,
    ConfirmationPayload,
    ConfirmationStatus,
    FamilyConfirmation,
)
from identity.domain.credentials import generate_code, hash_secret
from identity.domain.errors import CabinetNotOpen, FamilyHasStudents, InvalidCode, TooManyRequests
from identity.domain.events import GuardianLinked
from identity.domain.model import CONSENT_VERSION, Consent, Family, Guardian, Student, new_id
from identity.service.ports import Outgoing
from identity.service.sms import branch_of_family, charge_sms, check_region
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, ensure, require_authenticated
from kabinet.errors import Forbidden


@dataclass(frozen=True)
class ConfirmationSent:
    """All a requester learns until the family confirms: that a code went to the family's phone."""

    confirmation_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ConfirmationRequest:
    """A request recorded in the caller's transaction, and the SMS with its code: sent by the use case that
    commits, once it has (see :func:`commit_then_send`), so never for a request that was rolled back."""

    sent: ConfirmationSent
    sms: Outgoing


T = TypeVar("T")


async def commit_then_send(uow: IdentityUnitOfWork, got: T | ConfirmationRequest) -> T | ConfirmationSent:
    """The end of a use case that may have asked a family to confirm: commit, then send the code."""
    await uow.commit()
    if isinstance(got, ConfirmationRequest):
        await uow.ports.deliver([got.sms])
        return got.sent
    return got


async def family_branches(uow: IdentityUnitOfWork, family_id: str) -> set[str]:
    kids = (await uow.students.of_families([family_id]))[family_id]
    return {s.branch_id for s in kids if s.branch_id and not s.erased}


async def caller_sees_family(uow: IdentityUnitOfWork, p: Principal, family_id: str) -> bool:
    """The rule the ``family`` query applies (kabinet.auth.rules.can_see_family), from identity's own data."""
    return can_see_family(p, family_id, await family_branches(uow, family_id))


async def request_confirmation(uow: IdentityUnitOfWork, p: Principal, family: Family, phone: str,
                               kind: ConfirmationKind, branch_id: str | None, payload: ConfirmationPayload,
                               message: str) -> ConfirmationRequest:
    """Record the request, and the SMS of its code to ``phone`` (the family's, as the requester typed it). A
    step of a use case: it does not commit, and the use case sends the SMS after its commit (commit_then_send).

    The SMS goes the way every SMS does (identity.service.sms): only with an SMS channel, to the allowed regions,
    charged to a branch - the asking branch (``branch_id``), else the family's own (a guardian asking to link has
    no children, so no branch) - and counted in the school's total. Past a cap: SMS_NOT_AVAILABLE and the request
    is not recorded."""
    ports = uow.ports
    ports.require_channel("sms")
    check_region(uow, phone)
    now = ports.now()
    if await uow.confirmations.count_since(family.id, now - timedelta(days=1)) >= REQUESTS_PER_FAMILY_PER_DAY:
        raise TooManyRequests()
    code = ports.fixed_code() or generate_code()
    c = FamilyConfirmation(new_id(), family.id, phone, kind, p.user_id or "", branch_id, payload,
                           hash_secret(ports.pepper, code), now, now + CONFIRMATION_TTL)
    await uow.confirmations.add(c)
    await charge_sms(uow, phone, "family_confirm", branch_id or await branch_of_family(uow, family.id), now)
    return ConfirmationRequest(ConfirmationSent(c.id, c.expires_at),
                               Outgoing("sms", phone, f"Kabinet: {message} If you agree, tell them the code {code} "
                                                      f"or approve it in your family cabinet. If not, ignore this."))


# -- what a confirmation attaches ------------------------------------------------------------------------
def students_payload(branch_id: str | None, students: list[tuple[str, str, date]]) -> ConfirmationPayload:
    return ConfirmationPayload(branch_id, tuple(ChildToAdd(f, la, b) for f, la, b in students))


async def _add_students(uow: IdentityUnitOfWork, c: FamilyConfirmation) -> list[Student]:
    from identity.service.registration import student_registered  # registration requests confirmations

    family = await uow.families.get(c.family_id, for_update=True)
    assert family is not None
    today = uow.ports.now().date()
    added = []
    for s in c.payload.students:
        student = family.add_student(s.first_name, s.last_name, s.birth_date, c.payload.branch_id, today)
        # Staff register on the strength of the signed paper contract, confirmed now by the guardian.
        await uow.students.add_consent(Consent(new_id(), family.id, student.id, None, "paper", CONSENT_VERSION,
                                               uow.ports.now(), c.requested_by))
        await uow.students.add(student)
        uow.publish(student_registered(student))
        added.append(student)
    return added


async def check_link(uow: IdentityUnitOfWork, me: Guardian, target: Family) -> None:
    """Linking never opens a closed cabinet and never leaves the caller without the cabinet they had."""
    if not target.access_open:
        raise CabinetNotOpen()
    own_kids = [s for s in (await uow.students.of_families([me.family_id]))[me.family_id]
                if not s.erased]
    if own_kids:
        # Merging two families moves balances and contracts: the branch does that by hand.
        raise FamilyHasStudents()


async def link_guardian(uow: IdentityUnitOfWork, me: Guardian, target: Family) -> None:
    await check_link(uow, me, target)
    me.family_id = target.id
    me.is_payer = False
    await uow.guardians.save(me)
    uow.publish(GuardianLinked(family_id=target.id, guardian_id=me.id, phone=me.phone))


async def _apply(uow: IdentityUnitOfWork, c: FamilyConfirmation) -> None:
    if c.kind is ConfirmationKind.ADD_STUDENTS:
        await _add_students(uow, c)
        return
    me = await uow.guardians.get(c.requested_by)
    target = await uow.families.get(c.family_id, for_update=True)
    if me is None or target is None:
        raise Forbidden()
    await link_guardian(uow, me, target)


# -- who decides ---------------------------------------------------------------------------------------
async def _pending(uow: IdentityUnitOfWork, confirmation_id: str, now: datetime) -> FamilyConfirmation:
    c = await uow.confirmations.get(confirmation_id, for_update=True)
    if c is None or not c.open(now):
        raise Forbidden()  # the same answer for "not there", "not yours" and "already decided"
    return c


def _may_enter_code(p: Principal, c: FamilyConfirmation) -> bool:
    if c.kind is ConfirmationKind.ADD_STUDENTS:
        return c.branch_id is not None and can_manage_branch(p, c.branch_id)
    return p.role is Role.GUARDIAN and p.user_id == c.requested_by


@dataclass(frozen=True)
class ConfirmWithCode:
    confirmation_id: str
    code: str


async def enter_code(cmd: ConfirmWithCode, uow: IdentityUnitOfWork, p: Principal) -> FamilyConfirmation | None:
    """The step of the code use cases (no commit): the request, applied and confirmed - or None for a wrong
    code, the try recorded (see :func:`refused_if_wrong`)."""
    require_authenticated(p)
    now = uow.ports.now()
    c = await _pending(uow, cmd.confirmation_id, now)
    ensure(_may_enter_code(p, c))
    if not c.try_code(uow.ports.pepper, cmd.code, now):
        await uow.confirmations.save(c)
        return None
    await _apply(uow, c)
    c.decide(ConfirmationStatus.CONFIRMED, now)
    await uow.confirmations.save(c)
    return c


async def refused_if_wrong(uow: IdentityUnitOfWork, c: FamilyConfirmation | None) -> FamilyConfirmation:
    """After :func:`enter_code`: a wrong try is committed (every one counts, five lock the request), then
    refused; a right one goes on in the use case's transaction."""
    if c is None:
        await uow.commit()
        raise InvalidCode(field="code")
    return c


async def confirm_with_code(cmd: ConfirmWithCode, uow: IdentityUnitOfWork, p: Principal) -> FamilyConfirmation:
    """The requester enters the code the family received; every wrong try counts (five lock the request)."""
    c = await refused_if_wrong(uow, await enter_code(cmd, uow, p))
    await uow.commit()
    return c


def _family_guardian(p: Principal, c: FamilyConfirmation) -> None:
    require_authenticated(p)
    ensure(p.role is Role.GUARDIAN and p.family_id == c.family_id)


async def confirm_family_registration(cmd: ConfirmWithCode, uow: IdentityUnitOfWork, p: Principal) -> Family:
    """Staff enter the code the family received for children they registered: the family, with them added."""
    c = await refused_if_wrong(uow, await enter_code(cmd, uow, p))
    if c.kind is not ConfirmationKind.ADD_STUDENTS:
        raise Forbidden()  # before the commit: nothing of another kind of request is applied here
    family = await uow.families.get(c.family_id)
    assert family is not None
    await uow.commit()
    return family


@dataclass(frozen=True)
class Decide:
    confirmation_id: str


async def approve(cmd: Decide, uow: IdentityUnitOfWork, p: Principal) -> FamilyConfirmation:
    """A guardian of the family approves the request in the cabinet."""
    require_authenticated(p)
    now = uow.ports.now()
    c = await _pending(uow, cmd.confirmation_id, now)
    _family_guardian(p, c)
    await _apply(uow, c)
    c.decide(ConfirmationStatus.CONFIRMED, now)
    await uow.confirmations.save(c)
    await uow.commit()
    return c


async def decline(cmd: Decide, uow: IdentityUnitOfWork, p: Principal) -> FamilyConfirmation:
    require_authenticated(p)
    now = uow.ports.now()
    c = await _pending(uow, cmd.confirmation_id, now)
    _family_guardian(p, c)
    c.decide(ConfirmationStatus.DECLINED, now)
    await uow.confirmations.save(c)
    await uow.commit()
    return c


@dataclass(frozen=True)
class RequestView:
    """What the family's guardian sees of a request: who asks, and what would be attached."""

    confirmation: FamilyConfirmation
    branch_name: str | None
    requester_name: str | None


@dataclass(frozen=True)
class PendingForGuardian:
    pass


async def pending_for_guardian(cmd: PendingForGuardian, uow: IdentityUnitOfWork, p: Principal) -> list[RequestView]:
    require_authenticated(p)
    if p.role is not Role.GUARDIAN or p.family_id is None:
        raise Forbidden()
    found = await uow.confirmations.pending_of_family(p.family_id, uow.ports.now())
    branches = await uow.branches.by_ids([c.branch_id for c in found if c.branch_id])
    out = []
    for c in found:
        requester = None
        if c.kind is ConfirmationKind.LINK_GUARDIAN:
            g = await uow.guardians.get(c.requested_by)
            requester = f"{g.first_name} {g.last_name}".strip() if g else None
        b = branches.get(c.branch_id or "")
        out.append(RequestView(c, b.name if b else None, requester))
    return out
