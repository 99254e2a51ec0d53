"""Leads: record, edit, move along the pipeline, win (R-CRM-1, R-CRM-2)."""

from __future__ import annotations

import strawberry

from identity.domain import leads as domain
from identity.schema.common import Ctx, optional_id, run
from identity.schema.errors import UserError
from identity.schema.leads import Lead, LeadInput, LeadPayload, WinLeadInput, WinLeadPayload
from identity.service import leads


def _fields(i: LeadInput) -> leads.LeadFields:
    return leads.LeadFields(
        contact_first_name=i.contact_first_name, phone=i.phone, child_first_name=i.child_first_name,
        source=i.source, contact_last_name=i.contact_last_name, email=i.email,
        child_last_name=i.child_last_name, child_birth_date=i.child_birth_date, child_age=i.child_age,
        interest=i.interest, source_detail=i.source_detail, assigned_staff_id=optional_id(i.assigned_staff_id),
        notes=i.notes)


def _payload(got: domain.Lead | None, errors: list[UserError]) -> LeadPayload:
    return LeadPayload(lead=Lead.from_model(got) if got else None, errors=errors)


@strawberry.type
class LeadMutations:
    @strawberry.mutation(description="Record a lead in a branch (its admins, the owner).")
    async def create_lead(self, info: Ctx, branch_id: strawberry.ID, input: LeadInput) -> LeadPayload:
        return _payload(*await run(info, leads.create_lead, leads.CreateLead(str(branch_id), _fields(input))))

    @strawberry.mutation(description="Rewrite an open lead's details (all of them, as the form shows them).")
    async def update_lead(self, info: Ctx, lead_id: strawberry.ID, expected_revision: int,
                          input: LeadInput) -> LeadPayload:
        cmd = leads.UpdateLead(str(lead_id), expected_revision, _fields(input))
        return _payload(*await run(info, leads.update_lead, cmd))

    @strawberry.mutation(description="Move a lead forward along the pipeline, or to LOST with a lostReason. WON is "
                                     "winLead's (it registers the client and student).")
    async def move_lead(self, info: Ctx, lead_id: strawberry.ID, stage: domain.LeadStage, expected_revision: int,
                        lost_reason: str | None = None) -> LeadPayload:
        cmd = leads.MoveLead(str(lead_id), stage, expected_revision, lost_reason)
        return _payload(*await run(info, leads.move_lead, cmd))

    @strawberry.mutation(description="Win a lead: its contact becomes a client and its child a student (the staff "
                                     "registration of registerClient; the phone's family gets the child when there "
                                     "is one), without retyping.")
    async def win_lead(self, info: Ctx, input: WinLeadInput) -> WinLeadPayload:
        cmd = leads.WinLead(str(input.lead_id), input.expected_revision, input.consent_signed, input.idempotency_key,
                            input.child_birth_date, input.child_last_name, input.contact_last_name)
        got, errors = await run(info, leads.win_lead, cmd)
        return WinLeadPayload(lead=Lead.from_model(got.lead) if got else None,
                              sent=got.confirmation if got else None, errors=errors)
