"""Leads' GraphQL types, inputs and payloads (R-CRM-1, R-CRM-2)."""

from __future__ import annotations

import datetime as dt

import strawberry

from identity.domain import leads as domain
from identity.domain.model import as_utc
from identity.schema.errors import UserError
from identity.schema.types import AttachState
from identity.service import leads as service
from kabinet.cursors import keyset_cursor
from kabinet.graphql.types import PageInfo, Phone

# The domain's enums, shown as they are (GraphQL names NEW, TRIAL_BOOKED, WALK_IN ...): the fields below are
# annotated with the domain's classes, which these calls register with Strawberry.
strawberry.enum(domain.LeadStage, name="LeadStage", description=(
    "Where a lead is in the pipeline: NEW -> CONTACTED -> TRIAL_BOOKED -> TRIAL_ATTENDED -> WON, or LOST (with a "
    "reason) from any open stage."))
strawberry.enum(domain.LeadSource, name="LeadSource",
                description="Where a lead came from (sourceDetail says more: which site, who referred).")


@strawberry.type(description="One change of a lead: who, when, from which stage to which (the same for an edit).")
class LeadChange:
    at: dt.datetime
    by: strawberry.ID
    from_stage: domain.LeadStage | None = strawberry.field(description="Null for the lead's creation.")
    to_stage: domain.LeadStage
    note: str

    @classmethod
    def from_model(cls, c: domain.LeadChange) -> LeadChange:
        return cls(at=as_utc(c.at), by=strawberry.ID(c.by),
                   from_stage=c.from_stage, to_stage=c.to_stage, note=c.note)


@strawberry.type(description="A potential student and the adult to call (a branch's admins and the owner see it).")
class Lead:
    id: strawberry.ID
    branch_id: strawberry.ID
    stage: domain.LeadStage
    revision: int = strawberry.field(description="Give it back as expectedRevision with the next change.")
    contact_first_name: str
    contact_last_name: str
    phone: Phone
    email: str | None
    child_first_name: str
    child_last_name: str
    child_birth_date: dt.date | None
    child_age: int | None = strawberry.field(description="At the lead's creation or last edit.")
    interest: str = strawberry.field(description="What they want: course, subject, level, days.")
    source: domain.LeadSource
    source_detail: str
    assigned_staff_id: strawberry.ID | None
    notes: str
    lost_reason: str | None
    family_id: strawberry.ID | None = strawberry.field(description="The family it became (once won).")
    student_id: strawberry.ID | None = strawberry.field(description="The student it became (once won).")
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[LeadChange] = strawberry.field(description="Every change, oldest first.")

    @classmethod
    def from_model(cls, lead: domain.Lead) -> Lead:
        d = lead.details
        return cls(id=strawberry.ID(lead.id), branch_id=strawberry.ID(lead.branch_id),
                   stage=lead.stage, revision=lead.revision, contact_first_name=d.contact_first_name,
                   contact_last_name=d.contact_last_name, phone=Phone(d.phone), email=d.email,
                   child_first_name=d.child_first_name, child_last_name=d.child_last_name,
                   child_birth_date=d.child_birth_date, child_age=d.child_age, interest=d.interest,
                   source=d.source, source_detail=d.source_detail,
                   assigned_staff_id=strawberry.ID(d.assigned_staff_id) if d.assigned_staff_id else None,
                   notes=d.notes, lost_reason=lead.lost_reason,
                   family_id=strawberry.ID(lead.family_id) if lead.family_id else None,
                   student_id=strawberry.ID(lead.student_id) if lead.student_id else None,
                   created_at=as_utc(lead.created_at), updated_at=as_utc(lead.updated_at),
                   history=[LeadChange.from_model(c) for c in lead.history])


@strawberry.type(description="A lead in a page of leads (Relay-style).")
class LeadEdge:
    cursor: str
    node: Lead


@strawberry.type(description="A page of a branch's leads, newest first (Relay-style: first/after, PageInfo).")
class LeadConnection:
    edges: list[LeadEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="The branch's leads the stage and search find, in all pages.")

    @classmethod
    def from_page(cls, page: service.LeadPage) -> LeadConnection:
        edges = [LeadEdge(cursor=keyset_cursor(x.created_at, x.id), node=Lead.from_model(x)) for x in page.leads]
        return cls(edges=edges, total_count=page.total_count, page_info=PageInfo(
            has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None))


@strawberry.type(description="How many of the month's leads reached a stage.")
class LeadFunnelStage:
    stage: domain.LeadStage
    reached: int


@strawberry.type(description="How many lost leads gave a reason.")
class LeadLostReason:
    reason: str
    count: int


@strawberry.type(description="A branch's leads created in one month (its local calendar) and how far they got.")
class LeadFunnel:
    branch_id: strawberry.ID
    month: str
    created: int
    stages: list[LeadFunnelStage] = strawberry.field(description="NEW .. WON in order; a lost lead counts as "
                                                                 "having reached the stage it was lost at.")
    won: int
    lost: int
    conversion: float = strawberry.field(description="won / created (0 without leads).")
    lost_reasons: list[LeadLostReason] = strawberry.field(description="Most frequent first.")

    @classmethod
    def from_model(cls, f: domain.Funnel) -> LeadFunnel:
        return cls(branch_id=strawberry.ID(f.branch_id), month=f.month, created=f.created,
                   stages=[LeadFunnelStage(stage=r.stage, reached=r.reached) for r in f.stages],
                   won=f.won, lost=f.lost, conversion=round(f.conversion, 4),
                   lost_reasons=[LeadLostReason(reason=r.reason, count=r.count) for r in f.lost_reasons])


@strawberry.input(description="What staff write about a lead: the child's age or birth date is required.")
class LeadInput:
    contact_first_name: str
    phone: str = strawberry.field(description="Any usual spelling; kept in E.164.")
    child_first_name: str
    source: domain.LeadSource
    contact_last_name: str | None = None
    email: str | None = None
    child_last_name: str | None = None
    child_birth_date: str | None = strawberry.field(default=None, description="YYYY-MM-DD, given whole.")
    child_age: int | None = None
    interest: str | None = None
    source_detail: str | None = None
    assigned_staff_id: strawberry.ID | None = None
    notes: str | None = None


@strawberry.input
class WinLeadInput:
    lead_id: strawberry.ID
    expected_revision: int
    consent_signed: bool = strawberry.field(description="The guardian signed the personal-data consent.")
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key answers "
                                                                               "the same and registers nothing twice.")
    child_birth_date: str | None = strawberry.field(default=None, description="Needed when the lead holds only the "
                                                                                "child's age (YYYY-MM-DD).")
    child_last_name: str | None = strawberry.field(default=None, description="Default: the lead's, else the "
                                                                               "contact's surname.")
    contact_last_name: str | None = None


@strawberry.type
class LeadPayload:
    lead: Lead | None
    errors: list[UserError]


@strawberry.type(description="A won lead (status DONE: lead.familyId and lead.studentId name what it became), or "
                             "PENDING_CONFIRMATION: the phone's family studies elsewhere and confirms first; "
                             "the lead stays open (win it again once the family confirmed).")
class WinLeadPayload(AttachState):
    lead: Lead | None
