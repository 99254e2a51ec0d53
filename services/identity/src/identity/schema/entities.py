"""Identity's federation entities (keyed by id): Family, Student, Branch, Staff, Question; and Guardian.
Each is shown only through its access rule (identity.domain.access): "not yours" answers like "not there"."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from identity.domain import access, model
from identity.domain.questions import Question as QuestionModel
from identity.schema.common import ports
from identity.schema.loaders import loaders
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import Phone

Ctx = Info[RequestContext, None]

# -- the access rules (identity.domain.access), given what each needs loaded ---------------------------
async def sees_student(info: Ctx, s: model.Student) -> bool:
    p = info.context.principal
    taught = await loaders(info).taught_by_me.load(s.id) if access.needs_teaching(p) else False
    return access.sees_student(p, s, taught_by_caller=taught)


async def sees_family(info: Ctx, f: model.Family) -> bool:
    kids = await loaders(info).students_by_family.load(f.id)
    return access.sees_family(info.context.principal, f.id, kids)


async def family_sees_teacher(info: Ctx, s: model.Staff) -> bool:
    p = info.context.principal
    if not access.is_family(p):
        return False
    return access.family_sees_teacher(p, teaches_the_family=await loaders(info).teaches_my_family.load(s.id))



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
        found = await loaders(info).branch_by_id.load(str(id))
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
        return self._email if access.sees_staff_contact(info.context.principal, self._model) else None

    @strawberry.field
    async def branches(self, info: Ctx) -> list[Branch]:
        found = await loaders(info).branch_by_id.load_many([str(b) for b in self.branch_ids])
        return [Branch.from_model(b) for b in found if b is not None]

    @classmethod
    def from_model(cls, s: model.Staff) -> Staff:
        return cls(id=strawberry.ID(s.id), role=s.role.value, first_name=s.first_name, last_name=s.last_name,
                   branch_ids=[strawberry.ID(b) for b in s.branch_ids], _email=s.email, _model=s)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Staff | None:
        return await visible_staff(info, str(id))


async def visible_staff(info: Ctx, staff_id: str) -> Staff | None:
    found = await loaders(info).staff_by_id.load(staff_id)
    if found is None or not (access.sees_staff(info.context.principal, found)
                             or await family_sees_teacher(info, found)):
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
        return await loaders(info).consented_student.load(str(self.id))

    @strawberry.field(description="The child's own login (R-FAM-1); shown to the family and the branch's admins.")
    async def login(self, info: Ctx) -> str | None:
        if not access.sees_student_login(info.context.principal, str(self.id), str(self.family_id),
                                         str(self.branch_id) if self.branch_id is not None else None):
            return None
        found = await loaders(info).student_login.load(str(self.id))
        return None if found is None else str(found.login)

    @strawberry.field
    async def branch(self, info: Ctx) -> Branch | None:
        if self.branch_id is None:
            return None
        found = await loaders(info).branch_by_id.load(str(self.branch_id))
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
    found = await loaders(info).student_by_id.load(student_id)
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
        found = await loaders(info).students_by_family.load(str(self.id))
        return [Student.from_model(s) for s in found]

    @strawberry.field(description="The family's guardians; the payer is marked.")
    async def guardians(self, info: Ctx) -> list[Guardian]:
        found = await loaders(info).guardians_by_family.load(str(self.id))
        return [Guardian.from_model(g) for g in found]

    @classmethod
    def from_model(cls, f: model.Family) -> Family:
        return cls(id=strawberry.ID(f.id), guardian_phone=Phone(f.guardian_phone), access_open=f.access_open,
                   origin=f.origin.value)

    @classmethod
    async def resolve_reference(cls, info: Ctx, id: strawberry.ID) -> Family | None:
        return await visible_family(info, str(id))


async def visible_family(info: Ctx, family_id: str) -> Family | None:
    family = await loaders(info).family_by_id.load(family_id)
    if family is None or not await sees_family(info, family):
        raise Forbidden()
    return Family.from_model(family)



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
    q = await loaders(info).question_by_id.load(question_id)
    if q is None or not access.sees_question(info.context.principal, q):
        raise Forbidden()
    return Question.from_model(q, ports(info).now())
