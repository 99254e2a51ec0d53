"""A guardian confirms before anything is attached to their family by someone who cannot see it (issue #10).

Staff registering a child under an existing family's phone, when the family does not study in their branch,
and a guardian linking records of another family, get only ``ConfirmationSent``: a code goes by SMS to the
family's phone. The requester enters the code (the guardian at the desk reads it out, or passes it on), or the
family's guardian approves the request in the cabinet; only then is the child added or the guardian linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from identity.adapters.confirmation_repository import ConfirmationRepository
from identity.adapters.credential_store import CredentialStore
from identity.adapters.repositories import FamilyRepository, GuardianRepository, OrgRepository
from identity.domain.confirmations import (
    CONFIRMATION_TTL,
    REQUESTS_PER_FAMILY_PER_DAY,
    ConfirmationKind,
    ConfirmationStatus,
    FamilyConfirmation,
)
from identity.domain.credentials import generate_code, hash_secret
from identity.domain.errors import CabinetNotOpen, InvalidCode, TooManyRequests
from identity.domain.events import GuardianLinked
from identity.domain.model import CONSENT_VERSION, Consent, Family, Guardian, Student, new_id
from identity.service.deps import IdentityDeps, Outgoing
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, ensure, require_authenticated
from kabinet.db import UnitOfWork
from kabinet.errors import Conflict, Forbidden


@dataclass(frozen=True)
class ConfirmationSent:
    """All a requester learns until the family confirms: that a code went to the family's phone."""

    confirmation_id: str
    expires_at: datetime


async def family_branches(uow: UnitOfWork, family_id: str) -> set[str]:
    kids = (await FamilyRepository(uow.session).students_of([family_id]))[family_id]
    return {s.branch_id for s in kids if s.branch_id and not s.erased}


async def caller_sees_family(uow: UnitOfWork, p: Principal, family_id: str) -> bool:
    """The rule the ``family`` query applies (kabinet.auth.rules.can_see_family), from identity's own data."""
    return can_see_family(p, family_id, await family_branches(uow, family_id))


async def request_confirmation(deps: IdentityDeps, uow: UnitOfWork, p: Principal, family: Family, phone: str,
                               kind: ConfirmationKind, branch_id: str | None, payload: dict[str, Any],
                               message: str) -> ConfirmationSent:
    """Record the request and send its code to ``phone`` (the family's, as the requester typed it)."""
    repo = ConfirmationRepository(uow.session)
    now = deps.now()
    if await repo.count_since(family.id, now - timedelta(days=1)) >= REQUESTS_PER_FAMILY_PER_DAY:
        raise TooManyRequests()
    code = deps.fixed_code() or generate_code()
    c = FamilyConfirmation(new_id(), family.id, phone, kind, p.user_id or "", branch_id, payload,
                           hash_secret(deps.pepper, code), now, now + CONFIRMATION_TTL)
    await repo.add(c)
    await CredentialStore(uow.session).log_sms(phone, "family_confirm", branch_id, deps.sms_cost,
                                               deps.settings.sms_currency, None, now)
    await uow.commit()
    await deps.deliver([Outgoing("sms", phone, f"Kabinet: {message} If you agree, tell them the code {code} "
                                               f"or approve it in your family cabinet. If not, ignore this.")])
    return ConfirmationSent(c.id, c.expires_at)


# -- what a confirmation attaches ------------------------------------------------------------------------
def students_payload(branch_id: str | None, students: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {"branch_id": branch_id,
            "students": [{"first_name": f, "last_name": la, "birth_date": b} for f, la, b in students]}


async def _add_students(deps: IdentityDeps, uow: UnitOfWork, c: FamilyConfirmation) -> list[Student]:
    from identity.service.registration import student_registered  # registration requests confirmations

    repo = FamilyRepository(uow.session)
    family = await repo.get(c.family_id, for_update=True)
    assert family is not None
    today = deps.now().date()
    added = []
    for s in c.payload["students"]:
        student = family.add_student(s["first_name"], s["last_name"], date.fromisoformat(s["birth_date"]),
                                     c.payload.get("branch_id"), today)
        # Staff register on the strength of the signed paper contract, confirmed now by the guardian.
        await repo.add_consent(Consent(new_id(), family.id, student.id, None, "paper", CONSENT_VERSION, deps.now(),
                                       c.requested_by))
        await repo.add_student(student)
        uow.publish(student_registered(student))
        added.append(student)
    return added


async def check_link(uow: UnitOfWork, me: Guardian, target: Family) -> None:
    """Linking never opens a closed cabinet and never leaves the caller without the cabinet they had."""
    if not target.access_open:
        raise CabinetNotOpen()
    own_kids = [s for s in (await FamilyRepository(uow.session).students_of([me.family_id]))[me.family_id]
                if not s.erased]
    if own_kids:
        # Merging two families moves balances and contracts: the branch does that by hand.
        raise Conflict("Your cabinet already has children; ask your branch to merge the records.",
                       code="FAMILY_HAS_STUDENTS")


async def link_guardian(uow: UnitOfWork, me: Guardian, target: Family) -> None:
    await check_link(uow, me, target)
    me.family_id = target.id
    me.is_payer = False
    await GuardianRepository(uow.session).save(me)
    uow.publish(GuardianLinked(family_id=target.id, guardian_id=me.id, phone=me.phone))


async def _apply(deps: IdentityDeps, uow: UnitOfWork, c: FamilyConfirmation) -> None:
    if c.kind is ConfirmationKind.ADD_STUDENTS:
        await _add_students(deps, uow, c)
        return
    me = await GuardianRepository(uow.session).get(c.requested_by)
    target = await FamilyRepository(uow.session).get(c.family_id, for_update=True)
    if me is None or target is None:
        raise Forbidden()
    await link_guardian(uow, me, target)


# -- who decides ---------------------------------------------------------------------------------------
async def _pending(uow: UnitOfWork, confirmation_id: str, now: datetime) -> FamilyConfirmation:
    c = await ConfirmationRepository(uow.session).get(confirmation_id, for_update=True)
    if c is None or not c.open(now):
        raise Forbidden()  # the same answer for "not there", "not yours" and "already decided"
    return c


def _may_enter_code(p: Principal, c: FamilyConfirmation) -> bool:
    if c.kind is ConfirmationKind.ADD_STUDENTS:
        return c.branch_id is not None and can_manage_branch(p, c.branch_id)
    return p.role is Role.GUARDIAN and p.user_id == c.requested_by


async def confirm_with_code(deps: IdentityDeps, uow: UnitOfWork, p: Principal, confirmation_id: str,
                            code: str) -> FamilyConfirmation:
    """The requester enters the code the family received; every wrong try counts (five lock the request)."""
    require_authenticated(p)
    now = deps.now()
    c = await _pending(uow, confirmation_id, now)
    ensure(_may_enter_code(p, c))
    repo = ConfirmationRepository(uow.session)
    if not c.try_code(deps.pepper, code, now):
        await repo.save(c)
        await uow.commit()
        raise InvalidCode(field="code")
    await _apply(deps, uow, c)
    c.decide(ConfirmationStatus.CONFIRMED, now)
    await repo.save(c)
    await uow.commit()
    return c


def _family_guardian(p: Principal, c: FamilyConfirmation) -> None:
    require_authenticated(p)
    ensure(p.role is Role.GUARDIAN and p.family_id == c.family_id)


async def approve(deps: IdentityDeps, uow: UnitOfWork, p: Principal, confirmation_id: str) -> FamilyConfirmation:
    """A guardian of the family approves the request in the cabinet."""
    require_authenticated(p)
    now = deps.now()
    c = await _pending(uow, confirmation_id, now)
    _family_guardian(p, c)
    await _apply(deps, uow, c)
    c.decide(ConfirmationStatus.CONFIRMED, now)
    await ConfirmationRepository(uow.session).save(c)
    await uow.commit()
    return c


async def decline(deps: IdentityDeps, uow: UnitOfWork, p: Principal, confirmation_id: str) -> FamilyConfirmation:
    require_authenticated(p)
    now = deps.now()
    c = await _pending(uow, confirmation_id, now)
    _family_guardian(p, c)
    c.decide(ConfirmationStatus.DECLINED, now)
    await ConfirmationRepository(uow.session).save(c)
    await uow.commit()
    return c


@dataclass(frozen=True)
class RequestView:
    """What the family's guardian sees of a request: who asks, and what would be attached."""

    confirmation: FamilyConfirmation
    branch_name: str | None
    requester_name: str | None


async def pending_for_guardian(deps: IdentityDeps, uow: UnitOfWork, p: Principal) -> list[RequestView]:
    require_authenticated(p)
    if p.role is not Role.GUARDIAN or p.family_id is None:
        raise Forbidden()
    found = await ConfirmationRepository(uow.session).pending_of_family(p.family_id, deps.now())
    branches = await OrgRepository(uow.session).branches_by_ids([c.branch_id for c in found if c.branch_id])
    out = []
    for c in found:
        requester = None
        if c.kind is ConfirmationKind.LINK_GUARDIAN:
            g = await GuardianRepository(uow.session).get(c.requested_by)
            requester = f"{g.first_name} {g.last_name}".strip() if g else None
        b = branches.get(c.branch_id or "")
        out.append(RequestView(c, b.name if b else None, requester))
    return out
