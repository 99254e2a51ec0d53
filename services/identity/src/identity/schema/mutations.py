from __future__ import annotations

import strawberry
from strawberry.types import Info

from identity.schema.types import RegisterStudentInput, RegisterStudentPayload, Student
from identity.service.registration import RegisterStudent, register_student
from kabinet.errors import KabinetError
from kabinet.graphql.context import RequestContext
from kabinet.graphql.errors import user_error


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Staff register a student under a guardian phone (creates the family).")
    async def register_student(self, info: Info[RequestContext, None],
                               input: RegisterStudentInput) -> RegisterStudentPayload:
        cmd = RegisterStudent(input.guardian_phone, input.first_name, input.last_name, input.birth_date,
                              str(input.branch_id) if input.branch_id else None)
        try:
            async with info.context.runtime.uow() as uow:
                student = await register_student(cmd, uow, info.context.principal)
        except KabinetError as exc:
            if exc.code in ("UNAUTHENTICATED", "FORBIDDEN"):
                raise
            return RegisterStudentPayload(student=None, errors=[user_error(exc)])
        return RegisterStudentPayload(student=Student.from_model(student), errors=[])
