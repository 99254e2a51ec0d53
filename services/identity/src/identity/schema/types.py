"""Identity's GraphQL types. Family, Student, Branch, Staff and Question are federation entities keyed by id."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from identity.domain import model
from identity.domain.questions import Question as QuestionModel
from identity.domain.questions import Topic as TopicModel
from identity.schema.access import (
    family_sees_teacher,
    sees_family,
    sees_question,
    sees_staff,
    sees_staff_contact,
    sees_student,
)
from identity.schema.common import deps
from identity.schema.loaders import (
    branch_by_id_loader,
    consented_student_loader,
    family_by_id_loader,
    guardians_by_family_loader,
    question_by_id_loader,
    staff_by_id_loader,
    student_by_id_loader,
    student_login_loader,
    students_by_family_loader,
)
from identity.service.confirmations import ConfirmationSent, RequestView
from identity.service.sessions import AuthSession as AuthSessionModel
from kabinet.auth.principal import Role
from kabinet.auth.rules import can_manage_branch
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import PageInfo, Phone, UserError

Ctx = Info[RequestContext, None]


@strawberry.federation.type(keys=["id"], description="A school location: its city and time zone.")
class Branch:
    id: strawberry.ID
    name: str
    city: str
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Moscow.")
    address: str

    @classmethod
    def from_model(cls, b: model.Branch) -> Branch:
        return cls(id=strawberry.ID(b.id), name=b.name, city=b.city, time_zone=b.time_zone, address=b.address)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Branch | None:
        if not info.context.principal.is_authenticated:
            raise Forbidden()
        found = await info.context.loader("branch_by_id", branch_by_id_loader).load(str(id))
        return None if found is None else cls.from_model(found)


@strawberry.federation.type(keys=["id"], description="A teacher, branch admin or the owner.")
class Staff:
    id: strawberry.ID
    role: str = strawberry.field(description="teacher | branch_admin | owner")
    first_name: str
    last_name: str
    branch_ids: list[strawberry.ID]
    _email: strawberry.Private[str]
    _model: strawberry.Private[model.Staff]

    @strawberry.field(description="Shown to the owner, the person, and admins of a shared branch.")
    def email(self, info: Ctx) -> str | None:
        return self._email if sees_staff_contact(info, self._model) else None

    @strawberry.field
    async def branches(self, info: Ctx) -> list[Branch]:
        found = await info.context.loader("branch_by_id", branch_by_id_loader).load_many(
            [str(b) for b in self.branch_ids])
        return [Branch.from_model(b) for b in found if b is not None]

    @classmethod
    def from_model(cls, s: model.Staff) -> Staff:
        return cls(id=strawberry.ID(s.id), role=s.role.value, first_name=s.first_name, last_name=s.last_name,
                   branch_ids=[strawberry.ID(b) for b in s.branch_ids], _email=s.email, _model=s)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Staff | None:
        return await visible_staff(info, str(id))


async def visible_staff(info: Ctx, staff_id: str) -> Staff | None:
    found = await info.context.loader("staff_by_id", staff_by_id_loader).load(staff_id)
    if found is None or not (sees_staff(info, found) or await family_sees_teacher(info, found)):
        raise Forbidden()
    return Staff.from_model(found)


@strawberry.federation.type(keys=["id"], description="A student (a child who attends).")
class Student:
    id: strawberry.ID
    family_id: strawberry.ID
    first_name: str
    last_name: str
    birth_date: dt.date | None = strawberry.field(description="Null once the student's data was erased.")
    branch_id: strawberry.ID | None
    erased: bool

    @strawberry.field(description="Whether a guardian's consent to process the child's data is recorded.")
    async def consent_recorded(self, info: Ctx) -> bool:
        return bool(await info.context.loader("consented_student", consented_student_loader).load(str(self.id)))

    @strawberry.field(description="The child's own login (R-FAM-1); shown to the family and the branch's admins.")
    async def login(self, info: Ctx) -> str | None:
        p = info.context.principal
        own_family = p.role in (Role.GUARDIAN, Role.STUDENT) and p.family_id == str(self.family_id)
        if not (own_family or (self.branch_id is not None and can_manage_branch(p, str(self.branch_id)))
                or p.role is Role.OWNER):
            return None
        found = await info.context.loader("student_login", student_login_loader).load(str(self.id))
        return None if found is None else str(found.login)

    @strawberry.field
    async def branch(self, info: Ctx) -> Branch | None:
        if self.branch_id is None:
            return None
        found = await info.context.loader("branch_by_id", branch_by_id_loader).load(str(self.branch_id))
        return None if found is None else Branch.from_model(found)

    @classmethod
    def from_model(cls, s: model.Student) -> Student:
        return cls(id=strawberry.ID(s.id), family_id=strawberry.ID(s.family_id), first_name=s.first_name,
                   last_name=s.last_name, birth_date=s.birth_date,
                   branch_id=strawberry.ID(s.branch_id) if s.branch_id else None, erased=s.erased)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Student | None:
        return await visible_student(info, str(id))


async def visible_student(info: Ctx, student_id: str) -> Student | None:
    found = await info.context.loader("student_by_id", student_by_id_loader).load(student_id)
    if found is None or not await sees_student(info, found):
        raise Forbidden()  # the same answer for "not yours" and "not there"
    return Student.from_model(found)


@strawberry.type(description="An adult of a family (a client): signs, pays, signs in by phone.")
class Guardian:
    id: strawberry.ID
    first_name: str
    last_name: str
    phone: Phone
    email: str | None
    email_confirmed: bool
    is_payer: bool

    @classmethod
    def from_model(cls, g: model.Guardian) -> Guardian:
        return cls(id=strawberry.ID(g.id), first_name=g.first_name, last_name=g.last_name, phone=Phone(g.phone),
                   email=g.email, email_confirmed=g.email_confirmed_at is not None, is_payer=g.is_payer)


@strawberry.federation.type(keys=["id"], description="A family: every student linked to one guardian phone.")
class Family:
    id: strawberry.ID
    guardian_phone: Phone
    access_open: bool = strawberry.field(description="Whether the family cabinet is open (R-FAM-7).")
    origin: str = strawberry.field(description="staff (registered at a branch) | self (registered online)")

    @strawberry.field(description="Every student of the family (the cabinet's child switch).")
    async def students(self, info: Ctx) -> list[Student]:
        found = await info.context.loader("students_by_family", students_by_family_loader).load(str(self.id))
        return [Student.from_model(s) for s in found]

    @strawberry.field(description="The family's guardians; the payer is marked.")
    async def guardians(self, info: Ctx) -> list[Guardian]:
        found = await info.context.loader("guardians_by_family", guardians_by_family_loader).load(str(self.id))
        return [Guardian.from_model(g) for g in found]

    @classmethod
    def from_model(cls, f: model.Family) -> Family:
        return cls(id=strawberry.ID(f.id), guardian_phone=Phone(f.guardian_phone), access_open=f.access_open,
                   origin=f.origin.value)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Family | None:
        return await visible_family(info, str(id))


async def visible_family(info: Ctx, family_id: str) -> Family | None:
    family = await info.context.loader("family_by_id", family_by_id_loader).load(family_id)
    if family is None or not await sees_family(info, family):
        raise Forbidden()
    return Family.from_model(family)


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


@strawberry.federation.type(keys=["id"], description="A family's question to its branch: a task with a deadline.")
class Question:
    id: strawberry.ID
    family_id: strawberry.ID
    student_id: strawberry.ID | None
    branch_id: strawberry.ID
    topic: str
    text: str
    status: str = strawberry.field(description="open | answered | closed")
    asked_at: dt.datetime
    due_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool

    @classmethod
    def from_model(cls, q: QuestionModel, now: dt.datetime) -> Question:
        return cls(id=strawberry.ID(q.id), family_id=strawberry.ID(q.family_id),
                   student_id=strawberry.ID(q.student_id) if q.student_id else None,
                   branch_id=strawberry.ID(q.branch_id), topic=q.topic, text=q.text, status=q.status.value,
                   asked_at=model.as_utc(q.asked_at), due_at=model.as_utc(q.due_at), answer=q.answer,
                   answered_at=q.answered_at, closed_at=q.closed_at,
                   overdue=q.status.value == "open" and now > model.as_utc(q.due_at))

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Question | None:
        return await visible_question(info, str(id))


async def visible_question(info: Ctx, question_id: str) -> Question | None:
    q = await info.context.loader("question_by_id", question_by_id_loader).load(question_id)
    if q is None or not sees_question(info, q):
        raise Forbidden()
    return Question.from_model(q, deps(info).now())


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
        found = await info.context.loader("guardians_by_family", guardians_by_family_loader).load(p.family_id)
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


@strawberry.enum(description="DONE: attached now. PENDING_CONFIRMATION: the family's guardian must confirm first "
                             "(a code went to the family's phone); nothing of the family is shown until then.")
class AttachStatus(Enum):
    DONE = "done"
    PENDING_CONFIRMATION = "pending_confirmation"


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
        kids = [ConfirmationChild(first_name=k["first_name"], last_name=k["last_name"],
                                  birth_date=dt.date.fromisoformat(k["birth_date"]))
                for k in c.payload.get("students", [])]
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
