"""Identity's GraphQL types. Family and Student are federation entities keyed by id."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from identity.domain.model import Family as FamilyModel
from identity.domain.model import Student as StudentModel
from identity.schema.loaders import family_by_id_loader, students_by_family_loader
from kabinet.auth.rules import can_see_family, can_see_student
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import Phone, UserError


@strawberry.federation.type(keys=["id"], description="A student (a child who attends).")
class Student:
    id: strawberry.ID
    family_id: strawberry.ID
    first_name: str
    last_name: str
    birth_date: dt.date
    branch_id: strawberry.ID | None

    @classmethod
    def from_model(cls, s: StudentModel) -> Student:
        return cls(id=strawberry.ID(s.id), family_id=strawberry.ID(s.family_id), first_name=s.first_name,
                   last_name=s.last_name, birth_date=s.birth_date,
                   branch_id=strawberry.ID(s.branch_id) if s.branch_id else None)


@strawberry.federation.type(keys=["id"], description="A family: every student linked to one guardian phone.")
class Family:
    id: strawberry.ID
    guardian_phone: Phone

    @strawberry.field(description="Every student of the family (the cabinet's child switch).")
    async def students(self, info: Info[RequestContext, None]) -> list[Student]:
        found = await info.context.loader("students_by_family", students_by_family_loader).load(str(self.id))
        return [Student.from_model(s) for s in found]

    @classmethod
    def from_model(cls, f: FamilyModel) -> Family:
        return cls(id=strawberry.ID(f.id), guardian_phone=f.guardian_phone)

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Family | None:
        family = await info.context.loader("family_by_id", family_by_id_loader).load(str(id))
        if family is None:
            return None
        students = await info.context.loader("students_by_family", students_by_family_loader).load(family.id)
        if not can_see_family(info.context.principal, family.id, {s.branch_id for s in students if s.branch_id}):
            raise Forbidden()
        return cls.from_model(family)


async def visible_family(info: Info[RequestContext, None], family_id: str) -> Family | None:
    family = await info.context.loader("family_by_id", family_by_id_loader).load(family_id)
    if family is None:
        return None
    students = await info.context.loader("students_by_family", students_by_family_loader).load(family.id)
    principal = info.context.principal
    if not can_see_family(principal, family.id, {s.branch_id for s in students if s.branch_id}) and not any(
        can_see_student(principal, s.id, s.family_id, s.branch_id) for s in students
    ):
        raise Forbidden()
    return Family.from_model(family)


@strawberry.input
class RegisterStudentInput:
    guardian_phone: str
    first_name: str
    last_name: str
    birth_date: dt.date
    branch_id: strawberry.ID | None = None


@strawberry.type
class RegisterStudentPayload:
    student: Student | None
    errors: list[UserError]
