"""Leads' queries: a branch's admins and the owner; an unknown lead answers like another branch's."""

from __future__ import annotations

import strawberry

from identity.domain import leads as domain
from identity.schema.common import Ctx, in_uow
from identity.schema.leads import Lead, LeadConnection, LeadFunnel
from identity.service import leads


@strawberry.type
class LeadQueries:
    @strawberry.field(description="A lead with its history (its branch's admins, the owner).")
    async def lead(self, info: Ctx, id: strawberry.ID) -> Lead:
        p = info.context.principal
        return Lead.from_model(await in_uow(info, lambda uow: leads.get_lead(leads.GetLead(str(id)), uow, p)))

    @strawberry.field(description="A page of a branch's leads, newest first (its admins, the owner; first: 1-100), "
                                  "optionally of one stage and found by `search`: a phone number in any spelling "
                                  "(a part of one: its digits) or words found in the contact's or the child's names.")
    async def branch_leads(self, info: Ctx, branch_id: strawberry.ID, stage: domain.LeadStage | None = None,
                           search: str | None = None, first: int = 20, after: str | None = None) -> LeadConnection:
        p = info.context.principal
        q = leads.BranchLeads(str(branch_id), stage, search, first, after)
        return LeadConnection.from_page(await in_uow(info, lambda uow: leads.branch_leads(q, uow, p)))

    @strawberry.field(description="The funnel of the leads a branch recorded in a month (YYYY-MM, the branch's "
                                  "calendar): reached per stage, won / created, lost reasons.")
    async def lead_funnel(self, info: Ctx, branch_id: strawberry.ID, month: str) -> LeadFunnel:
        p = info.context.principal
        q = leads.LeadFunnel(str(branch_id), month)
        return LeadFunnel.from_model(await in_uow(info, lambda uow: leads.lead_funnel(q, uow, p)))
