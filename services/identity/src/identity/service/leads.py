"""Leads (R-CRM-1, R-CRM-2): staff record potential students, move them along the pipeline, win them into
clients and students (through the staff registration of R-FAM-5, not a copy of it) and read the monthly funnel.

Only a branch's admins (and the owner) see or change its leads; an unknown lead is answered like another
branch's (FORBIDDEN; the owner hears LEAD_NOT_FOUND)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from identity.domain.errors import BranchNotFound, LeadNotFound, StaffNotInBranch
from identity.domain.events import LeadCreated, LeadStageChanged, LeadWon
from identity.domain.leads import (
    Funnel,
    Lead,
    LeadDetails,
    LeadSearch,
    LeadSource,
    LeadStage,
    LeadWinRecord,
    month_bounds,
)
from identity.domain.model import Branch, StaffRole, Student, parse_birth_date
from identity.service.confirmations import ConfirmationRequest, ConfirmationSent, caller_sees_family, commit_then_send
from identity.service.registration import NewStudent, RegisterClient, add_client, existing_family
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, ensure, hides_missing, require_role
from kabinet.cursors import parse_keyset_cursor
from kabinet.errors import Forbidden, InvalidInput
from kabinet.idempotency import user_scope


def _actor(p: Principal) -> str:
    return p.staff_id or p.user_id or ""


async def _branch_for_staff(uow: IdentityUnitOfWork, p: Principal, branch_id: str) -> Branch:
    require_role(p, Role.BRANCH_ADMIN)
    ensure(can_manage_branch(p, branch_id))
    branch = await uow.branches.get(branch_id)
    if branch is None:
        if hides_missing(p):
            raise Forbidden()
        raise BranchNotFound(field="branchId")
    return branch


async def lead_for_staff(uow: IdentityUnitOfWork, p: Principal, lead_id: str, *, for_update: bool = False) -> Lead:
    """A lead of a branch the caller runs; 'not there' and 'not yours' answer alike (but to the owner)."""
    require_role(p, Role.BRANCH_ADMIN)
    lead = await uow.leads.get(lead_id, for_update=for_update)
    if lead is None:
        if hides_missing(p):
            raise Forbidden()
        raise LeadNotFound(field="leadId")
    ensure(can_manage_branch(p, lead.branch_id))
    return lead


@dataclass(frozen=True)
class LeadFields:
    contact_first_name: str
    phone: str
    child_first_name: str
    source: LeadSource
    contact_last_name: str | None = None
    email: str | None = None
    child_last_name: str | None = None
    child_birth_date: str | None = None
    child_age: int | None = None
    interest: str | None = None
    source_detail: str | None = None
    assigned_staff_id: str | None = None
    notes: str | None = None


async def _details(uow: IdentityUnitOfWork, f: LeadFields, branch_id: str) -> LeadDetails:
    details = LeadDetails.parse(
        contact_first_name=f.contact_first_name, contact_last_name=f.contact_last_name, phone=f.phone, email=f.email,
        child_first_name=f.child_first_name, child_last_name=f.child_last_name, child_birth_date=f.child_birth_date,
        child_age=f.child_age, interest=f.interest, source=f.source, source_detail=f.source_detail,
        assigned_staff_id=f.assigned_staff_id, notes=f.notes, today=uow.ports.now().date())
    if f.assigned_staff_id is not None:
        staff = (await uow.staff.by_ids([f.assigned_staff_id])).get(f.assigned_staff_id)
        if staff is None or (staff.role is not StaffRole.OWNER and branch_id not in staff.branch_ids):
            raise StaffNotInBranch(field="assignedStaffId")
    return details


@dataclass(frozen=True)
class CreateLead:
    branch_id: str
    fields: LeadFields


async def create_lead(cmd: CreateLead, uow: IdentityUnitOfWork, principal: Principal) -> Lead:
    await _branch_for_staff(uow, principal, cmd.branch_id)
    details = await _details(uow, cmd.fields, cmd.branch_id)
    lead = Lead.create(cmd.branch_id, details, _actor(principal), uow.ports.now())
    await uow.leads.add(lead)
    uow.publish(LeadCreated(lead_id=lead.id, branch_id=lead.branch_id, source=details.source.value,
                            assigned_staff_id=details.assigned_staff_id))
    await uow.commit()
    return lead


@dataclass(frozen=True)
class UpdateLead:
    lead_id: str
    expected_revision: int
    fields: LeadFields


async def update_lead(cmd: UpdateLead, uow: IdentityUnitOfWork, principal: Principal) -> Lead:
    lead = await lead_for_staff(uow, principal, cmd.lead_id, for_update=True)
    lead.check_revision(cmd.expected_revision)
    details = await _details(uow, cmd.fields, lead.branch_id)
    previous = lead.revision
    lead.edit(details, _actor(principal), uow.ports.now(), cmd.expected_revision)
    await uow.leads.save(lead, previous)
    await uow.commit()
    return lead


@dataclass(frozen=True)
class MoveLead:
    lead_id: str
    stage: LeadStage
    expected_revision: int
    lost_reason: str | None = None


async def move_lead(cmd: MoveLead, uow: IdentityUnitOfWork, principal: Principal) -> Lead:
    lead = await lead_for_staff(uow, principal, cmd.lead_id, for_update=True)
    previous = lead.revision
    change = lead.move(cmd.stage, _actor(principal), uow.ports.now(), cmd.expected_revision, cmd.lost_reason)
    await uow.leads.save(lead, previous)
    assert change.from_stage is not None
    uow.publish(LeadStageChanged(lead_id=lead.id, branch_id=lead.branch_id, from_stage=change.from_stage.value,
                                 to_stage=change.to_stage.value, lost_reason=lead.lost_reason))
    await uow.commit()
    return lead


# -- winning -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WinLead:
    lead_id: str
    expected_revision: int
    consent_signed: bool
    idempotency_key: str | None = None
    # What the lead may not know yet (a lead may hold only the child's age; a caller's surname).
    child_birth_date: str | None = None
    child_last_name: str | None = None
    contact_last_name: str | None = None


@dataclass(frozen=True)
class LeadWinOutcome:
    lead: Lead
    confirmation: ConfirmationSent | None = None


def _same_child(s: Student, first_name: str, last_name: str, birth: date) -> bool:
    return (not s.erased and s.birth_date == birth and s.first_name.casefold() == first_name.casefold()
            and s.last_name.casefold() == last_name.casefold())


async def _already_in_family(uow: IdentityUnitOfWork, principal: Principal, phone: str, first: str, last: str,
                             birth: date) -> tuple[str, str] | None:
    """The child, when the phone's family (one the caller sees) already has it: a lead of a child registered
    meanwhile (or added after the family confirmed) is linked to it, never registered twice."""
    family = await existing_family(uow, phone)
    if family is None or not await caller_sees_family(uow, principal, family.id):
        return None
    kids = (await uow.students.of_families([family.id]))[family.id]
    found = next((s for s in kids if _same_child(s, first, last, birth)), None)
    return None if found is None else (family.id, found.id)


async def win_lead(cmd: WinLead, uow: IdentityUnitOfWork, principal: Principal) -> LeadWinOutcome:
    """Register the lead's contact as a client and its child as a student with what the lead holds (the
    phone's family gets the child when there is one), and mark it won. A retry with the same key answers
    the same; a family of another branch confirms first (the lead stays open)."""
    lead = await lead_for_staff(uow, principal, cmd.lead_id, for_update=True)
    claim = await uow.lead_requests.claim(user_scope(principal.user_id), cmd.idempotency_key, "winLead", cmd)
    if claim.replayed:
        record = claim.result
        sent = (ConfirmationSent(record.confirmation_id, record.confirmation_expires_at)
                if record.confirmation_id and record.confirmation_expires_at else None)
        return LeadWinOutcome(lead, sent)
    lead.check_winnable(cmd.expected_revision)
    d = lead.details
    today = uow.ports.now().date()
    birth = d.child_birth_date
    if birth is None and not cmd.child_birth_date:
        raise InvalidInput("The lead holds only the child's age: give the birth date to register the student.",
                           field="childBirthDate")
    birth_text = cmd.child_birth_date or (birth.isoformat() if birth else "")
    contact_last = (cmd.contact_last_name or d.contact_last_name).strip()
    child_last = (cmd.child_last_name or d.child_last_name or contact_last).strip()
    registration = RegisterClient(d.phone, d.contact_first_name, contact_last, lead.branch_id, cmd.consent_signed,
                                  d.email, (NewStudent(d.child_first_name, child_last, birth_text),))
    now = uow.ports.now()
    by = _actor(principal)
    known = await _already_in_family(uow, principal, d.phone, d.child_first_name, child_last,
                                     parse_birth_date(birth_text, today))
    if known is not None:
        family_id, student_id = known
    else:
        # The registration's step, not its use case: it commits nothing, so the registration, the lead's stage,
        # its history, their events and the idempotency key commit together below.
        got = await add_client(registration, uow, principal)
        if isinstance(got, ConfirmationRequest):
            sent = got.sent
            lead.note_pending(by, now, sent.confirmation_id)
            await uow.leads.save(lead, lead.revision)
            await uow.lead_requests.store(claim, LeadWinRecord(lead.id, confirmation_id=sent.confirmation_id,
                                                               confirmation_expires_at=sent.expires_at))
            await commit_then_send(uow, got)  # the family's code goes out once all of it is committed
            return LeadWinOutcome(lead, sent)
        family_id, student_id = got.id, got.students[-1].id  # add_client added the one student last
    previous = lead.revision
    change = lead.win(family_id, student_id, by, now, cmd.expected_revision)
    await uow.leads.save(lead, previous)
    assert change.from_stage is not None
    uow.publish(LeadStageChanged(lead_id=lead.id, branch_id=lead.branch_id, from_stage=change.from_stage.value,
                                 to_stage=LeadStage.WON.value))
    uow.publish(LeadWon(lead_id=lead.id, branch_id=lead.branch_id, family_id=family_id, student_id=student_id))
    await uow.lead_requests.store(claim, LeadWinRecord(lead.id, family_id, student_id))
    await uow.commit()
    return LeadWinOutcome(lead)


# -- reading -----------------------------------------------------------------------------------------
MAX_LEADS_PAGE = 100


@dataclass(frozen=True)
class BranchLeads:
    branch_id: str
    stage: LeadStage | None = None
    search: str | None = None
    first: int = 20
    after: str | None = None  # a cursor an earlier page gave


@dataclass(frozen=True)
class LeadPage:
    leads: list[Lead]
    has_next_page: bool
    total_count: int  # the branch's leads the stage and search find, in all pages


async def branch_leads(q: BranchLeads, uow: IdentityUnitOfWork, principal: Principal) -> LeadPage:
    """A page of the branch's leads, newest first, of one stage and found by a search if given (LeadSearch)."""
    await _branch_for_staff(uow, principal, q.branch_id)
    if not 1 <= q.first <= MAX_LEADS_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_LEADS_PAGE}.", field="first")
    search = LeadSearch.parse(q.search)
    after = parse_keyset_cursor(q.after) if q.after else None
    found = await uow.leads.page_of_branch(q.branch_id, q.stage, search, after, q.first + 1)
    total = await uow.leads.count_of_branch(q.branch_id, q.stage, search)
    return LeadPage(found[:q.first], len(found) > q.first, total)


@dataclass(frozen=True)
class GetLead:
    lead_id: str


async def get_lead(q: GetLead, uow: IdentityUnitOfWork, principal: Principal) -> Lead:
    return await lead_for_staff(uow, principal, q.lead_id)


@dataclass(frozen=True)
class LeadFunnel:
    branch_id: str
    month: str  # YYYY-MM, in the branch's time zone


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


async def lead_funnel(q: LeadFunnel, uow: IdentityUnitOfWork, principal: Principal) -> Funnel:
    """The leads created in the month (the branch's local calendar) and how far each got."""
    branch = await _branch_for_staff(uow, principal, q.branch_id)
    start, end = month_bounds(q.month)
    tz = ZoneInfo(branch.time_zone)
    found = await uow.leads.of_branch(branch.id, created_from=_local_midnight(start, tz),
                                      created_before=_local_midnight(end, tz), with_history=False)
    return Funnel.of(branch.id, f"{start:%Y-%m}", found)
