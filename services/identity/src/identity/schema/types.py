"""Identity's other GraphQL types: pages, sessions, the viewer, and the mutations' payloads."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from identity.domain import model
from identity.domain.questions import Topic as TopicModel
from identity.schema.entities import (
    Branch,
    Family,
    Guardian,
    Question,
    Staff,
    Student,
    sees_family,
    sees_student,
    visible_family,
    visible_staff,
)
from identity.schema.enums import AttachStatus
from identity.schema.errors import UserError
from identity.schema.loaders import loaders
from identity.service.confirmations import ConfirmationSent, RequestView
from identity.service.sessions import AuthSession as AuthSessionModel
from kabinet.auth.principal import Role
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import PageInfo

Ctx = Info[RequestContext, None]

@strawberry.type(description="A family in a page of families (Relay-style).")
class FamilyEdge:
    cursor: str
    node: Family


@strawberry.type(description="A page of a branch's families (Relay-style: first/after, PageInfo).")
class FamilyConnection:
    edges: list[FamilyEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Families of the branch in all pages.")


@strawberry.type(description="A support topic and how soon the branch answers it.")
class QuestionTopic:
    code: str
    title: str
    response_hours: int | None
    response_working_days: int | None
    branch_id: strawberry.ID | None

    @classmethod
    def from_model(cls, t: TopicModel) -> QuestionTopic:
        return cls(code=t.code, title=t.title, response_hours=t.response_hours,
                   response_working_days=t.response_working_days,
                   branch_id=strawberry.ID(t.branch_id) if t.branch_id else None)



@strawberry.type(description="Tokens after a sign-in: a short-lived access token and a one-use refresh token.")
class AuthSession:
    access_token: str
    refresh_token: str | None = strawberry.field(
        description="Null when the client asked for the session cookie (`X-Kabinet-Session: cookie`): the token "
        "is then only in the HttpOnly `kabinet_refresh` cookie.")
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")
    role: str
    family_id: strawberry.ID | None
    staff_id: strawberry.ID | None
    student_ids: list[strawberry.ID] = strawberry.field(
        description="The family's children this session sees (erased ones left out), in the cabinet's order: "
        "a client opens the first one's home without asking for the family first. Empty for staff.")

    @classmethod
    def from_model(cls, s: AuthSessionModel) -> AuthSession:
        p = s.principal
        return cls(access_token=s.access_token, refresh_token=s.refresh_token, expires_in=s.expires_in,
                   role=p.role.value, family_id=strawberry.ID(p.family_id) if p.family_id else None,
                   staff_id=strawberry.ID(p.staff_id) if p.staff_id else None,
                   student_ids=[strawberry.ID(i) for i in s.student_ids])


@strawberry.type(description="Who is signed in.")
class Viewer:
    role: str
    user_id: strawberry.ID | None
    family_id: strawberry.ID | None
    staff_id: strawberry.ID | None
    student_ids: list[strawberry.ID]
    branch_ids: list[strawberry.ID]

    @strawberry.field
    async def family(self, info: Ctx) -> Family | None:
        return await visible_family(info, str(self.family_id)) if self.family_id else None

    @strawberry.field
    async def staff(self, info: Ctx) -> Staff | None:
        return await visible_staff(info, str(self.staff_id)) if self.staff_id else None

    @strawberry.field(description="The signed-in guardian's own record.")
    async def guardian(self, info: Ctx) -> Guardian | None:
        p = info.context.principal
        if p.role is not Role.GUARDIAN or p.family_id is None:
            return None
        found = await loaders(info).guardians_by_family.load(p.family_id)
        return next((Guardian.from_model(g) for g in found if g.id == p.user_id), None)


# -- payloads (every mutation: the changed object and typed errors) ------------------------------------
@strawberry.type
class Ack:
    ok: bool
    errors: list[UserError]


@strawberry.type
class CodeRequestPayload:
    ok: bool
    expires_in: int | None = strawberry.field(description="Seconds the code stays valid.")
    errors: list[UserError]


@strawberry.type
class AuthPayload:
    session: AuthSession | None
    errors: list[UserError]
    tries_left: int | None = strawberry.field(
        default=None, description="After a wrong code (INVALID_CODE): how many tries the code has left.")


@strawberry.type
class BranchPayload:
    branch: Branch | None
    errors: list[UserError]


@strawberry.type
class StaffPayload:
    staff: Staff | None
    errors: list[UserError]


# A payload's student or family is resolved through the same check as the ``student``/``family`` query: a
# mutation never shows more of them than a query would (issue #10).
async def shown_student(info: Ctx, s: model.Student | None) -> Student | None:
    return Student.from_model(s) if s is not None and await sees_student(info, s) else None


async def shown_family(info: Ctx, f: model.Family | None) -> Family | None:
    return Family.from_model(f) if f is not None and await sees_family(info, f) else None


@strawberry.type
class StudentPayload:
    found: strawberry.Private[model.Student | None]
    errors: list[UserError]

    @strawberry.field
    async def student(self, info: Ctx) -> Student | None:
        return await shown_student(info, self.found)


@strawberry.type
class FamilyPayload:
    found: strawberry.Private[model.Family | None]
    errors: list[UserError]

    @strawberry.field
    async def family(self, info: Ctx) -> Family | None:
        return await shown_family(info, self.found)


@strawberry.type(description="A request waiting for a family's guardian: enter the code they received "
                             "(confirmFamilyRegistration / confirmLinkRecords), or they approve it in their cabinet.")
class PendingConfirmation:
    id: strawberry.ID
    expires_at: dt.datetime

    @classmethod
    def of(cls, sent: ConfirmationSent | None) -> PendingConfirmation | None:
        return None if sent is None else cls(id=strawberry.ID(sent.confirmation_id), expires_at=sent.expires_at)


@strawberry.type
class AttachState:
    """What a payload says of an attach that may wait for the family's guardian (the payloads below)."""

    sent: strawberry.Private[ConfirmationSent | None]
    errors: list[UserError]

    @strawberry.field
    def status(self) -> AttachStatus | None:
        if self.sent is not None:
            return AttachStatus.PENDING_CONFIRMATION
        return None if self.errors else AttachStatus.DONE

    @strawberry.field(description="True when the family's guardian was asked to confirm.")
    def confirmation_sent(self) -> bool:
        return self.sent is not None

    @strawberry.field
    def confirmation(self) -> PendingConfirmation | None:
        return PendingConfirmation.of(self.sent)


@strawberry.type
class RegisterStudentPayload(AttachState):
    found: strawberry.Private[model.Student | None]

    @strawberry.field
    async def student(self, info: Ctx) -> Student | None:
        return await shown_student(info, self.found)


@strawberry.type
class RegisterClientPayload(AttachState):
    found: strawberry.Private[model.Family | None]

    @strawberry.field
    async def family(self, info: Ctx) -> Family | None:
        return await shown_family(info, self.found)


@strawberry.type
class LinkRecordsPayload(AttachState):
    session: AuthSession | None


@strawberry.type(description="A child a request would add to the family.")
class ConfirmationChild:
    first_name: str
    last_name: str
    birth_date: dt.date


@strawberry.type(description="A request to attach something to the signed-in guardian's family, waiting for them.")
class FamilyConfirmationRequest:
    id: strawberry.ID
    kind: str = strawberry.field(description="add_students (a branch registers children under your phone) | "
                                             "link_guardian (someone asks to join your family cabinet)")
    status: str = strawberry.field(description="pending | confirmed | declined")
    branch_name: str | None
    requester_name: str | None
    children: list[ConfirmationChild]
    requested_at: dt.datetime
    expires_at: dt.datetime

    @classmethod
    def from_view(cls, v: RequestView) -> FamilyConfirmationRequest:
        c = v.confirmation
        kids = [ConfirmationChild(first_name=k.first_name, last_name=k.last_name, birth_date=k.birth_date)
                for k in c.payload.students]
        return cls(id=strawberry.ID(c.id), kind=c.kind.value, status=c.status.value, branch_name=v.branch_name,
                   requester_name=v.requester_name, children=kids, requested_at=c.created_at,
                   expires_at=c.expires_at)


@strawberry.type
class FamilyConfirmationPayload:
    request: FamilyConfirmationRequest | None
    errors: list[UserError]


@strawberry.type
class GuardianPayload:
    guardian: Guardian | None
    errors: list[UserError]


@strawberry.type
class QuestionPayload:
    question: Question | None
    errors: list[UserError]


@strawberry.type
class QuestionTopicPayload:
    topic: QuestionTopic | None
    errors: list[UserError]


@strawberry.type
class EmailPayload:
    email: str | None
    errors: list[UserError]


@strawberry.type
class StudentLoginPayload:
    found: strawberry.Private[model.Student | None]
    login: str | None
    errors: list[UserError]

    @strawberry.field
    async def student(self, info: Ctx) -> Student | None:
        return await shown_student(info, self.found)
