"""Identity's queries. Each one states its rule; a foreign object is refused exactly like a missing one."""

from __future__ import annotations

import strawberry

from identity.domain.access import sees_staff
from identity.schema.common import Ctx, in_uow, ports, reads
from identity.schema.entities import (
    Branch,
    Family,
    Question,
    Staff,
    Student,
    visible_family,
    visible_question,
    visible_staff,
    visible_student,
)
from identity.schema.types import FamilyConfirmationRequest, FamilyConnection, FamilyEdge, QuestionTopic, Viewer
from identity.service import confirmations
from kabinet.auth.principal import Role
from kabinet.auth.rules import can_manage_branch, ensure, require_authenticated, require_role
from kabinet.cursors import keyset_cursor, parse_keyset_cursor
from kabinet.errors import Forbidden, InvalidInput
from kabinet.graphql.types import PageInfo

MAX_PAGE = 100


@strawberry.type
class Query:
    @strawberry.field(description="Who is signed in (anyone; anonymous gets role 'anonymous').")
    def me(self, info: Ctx) -> Viewer:
        p = info.context.principal
        return Viewer(role=p.role.value, user_id=strawberry.ID(p.user_id) if p.user_id else None,
                      family_id=strawberry.ID(p.family_id) if p.family_id else None,
                      staff_id=strawberry.ID(p.staff_id) if p.staff_id else None,
                      student_ids=[strawberry.ID(s) for s in sorted(p.student_ids)],
                      branch_ids=[strawberry.ID(b) for b in sorted(p.branch_ids)])

    @strawberry.field(description="A family by id (its guardians; admins of a branch it studies in; the owner).")
    async def family(self, info: Ctx, id: strawberry.ID) -> Family | None:
        require_authenticated(info.context.principal)
        return await visible_family(info, str(id))

    @strawberry.field(description="The signed-in guardian's family cabinet.")
    async def my_family(self, info: Ctx) -> Family | None:
        principal = info.context.principal
        require_authenticated(principal)
        if principal.family_id is None:
            return None
        return await visible_family(info, principal.family_id)

    @strawberry.field(description="The branch's families (a child studies there), oldest first, a page at a time: "
                                  "its admins and the owner.")
    async def branch_families(self, info: Ctx, branch_id: strawberry.ID, first: int = 50,
                              after: str | None = None) -> FamilyConnection:
        p = info.context.principal
        require_role(p, Role.BRANCH_ADMIN)
        ensure(can_manage_branch(p, str(branch_id)))
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be between 1 and {MAX_PAGE}.", field="first")
        position = parse_keyset_cursor(after) if after else None
        found = await reads(info).families_of_branch(str(branch_id), position, first + 1)
        total = await reads(info).count_families_of_branch(str(branch_id))
        edges = [FamilyEdge(cursor=keyset_cursor(f.created_at, f.id), node=Family.from_model(f)) for f in found[:first]]
        return FamilyConnection(edges=edges, total_count=total, page_info=PageInfo(
            has_next_page=len(found) > first, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="A student (the family; the branch's admins; teachers of the student; owner).")
    async def student(self, info: Ctx, id: strawberry.ID) -> Student | None:
        require_authenticated(info.context.principal)
        return await visible_student(info, str(id))

    @strawberry.field(description="Students of a branch (its admins, the owner) or a teacher's own students.")
    async def students(self, info: Ctx, branch_id: strawberry.ID | None = None) -> list[Student]:
        p = info.context.principal
        require_role(p, Role.BRANCH_ADMIN, Role.TEACHER)
        if p.role is Role.TEACHER:
            found = await reads(info).students_of_teacher(p.staff_id or "")
        else:
            if branch_id is None:
                raise Forbidden("Choose a branch.")
            ensure(can_manage_branch(p, str(branch_id)))
            found = await reads(info).students_of_branch(str(branch_id))
        if branch_id is not None:
            found = [s for s in found if s.branch_id == str(branch_id)]
        return [Student.from_model(s) for s in sorted(found, key=lambda s: (s.last_name, s.first_name))]

    @strawberry.field(description="Every branch (any signed-in user: names, cities and addresses are public).")
    async def branches(self, info: Ctx) -> list[Branch]:
        require_authenticated(info.context.principal)
        return [Branch.from_model(b) for b in await reads(info).all_branches()]

    @strawberry.field(description="A branch by id (any signed-in user).")
    async def branch(self, info: Ctx, id: strawberry.ID) -> Branch | None:
        require_authenticated(info.context.principal)
        return await Branch.resolve_reference(info, id)

    @strawberry.field(description="A staff member (owner; colleagues of a shared branch; the person; "
                                  "a family sees its children's teachers).")
    async def staff(self, info: Ctx, id: strawberry.ID) -> Staff | None:
        require_authenticated(info.context.principal)
        return await visible_staff(info, str(id))

    @strawberry.field(description="Staff of a branch (its staff and the owner).")
    async def staff_members(self, info: Ctx, branch_id: strawberry.ID) -> list[Staff]:
        p = info.context.principal
        require_role(p, Role.BRANCH_ADMIN, Role.TEACHER)
        ensure(p.role is Role.OWNER or str(branch_id) in p.branch_ids)
        found = await reads(info).staff_of_branch(str(branch_id))
        return [Staff.from_model(s) for s in found if sees_staff(p, s)]

    @strawberry.field(description="A question (its family; the branch's admins; the owner).")
    async def question(self, info: Ctx, id: strawberry.ID) -> Question | None:
        require_authenticated(info.context.principal)
        return await visible_question(info, str(id))

    @strawberry.field(description="The signed-in family's questions, newest first, with status and answer.")
    async def my_questions(self, info: Ctx) -> list[Question]:
        p = info.context.principal
        require_authenticated(p)
        if p.role not in (Role.GUARDIAN, Role.STUDENT) or p.family_id is None:
            raise Forbidden()
        found = await reads(info).questions_of_family(p.family_id)
        now = ports(info).now()
        return [Question.from_model(q, now) for q in found]

    @strawberry.field(description="Requests waiting for the signed-in guardian to confirm: children a branch "
                                  "registered under the family's phone, someone linking the family's records.")
    async def my_family_confirmations(self, info: Ctx) -> list[FamilyConfirmationRequest]:
        p = info.context.principal
        found = await in_uow(info, lambda uow: confirmations.pending_for_guardian(
            confirmations.PendingForGuardian(), uow, p))
        return [FamilyConfirmationRequest.from_view(v) for v in found]

    @strawberry.field(description="Questions of a branch, by deadline: its admins and the owner. "
                                  "overdueOnly shows open questions past their deadline.")
    async def branch_questions(self, info: Ctx, branch_id: strawberry.ID, open_only: bool = False,
                               overdue_only: bool = False) -> list[Question]:
        p = info.context.principal
        require_role(p, Role.BRANCH_ADMIN)
        ensure(can_manage_branch(p, str(branch_id)))
        now = ports(info).now()
        found = await reads(info).questions_of_branch(str(branch_id), open_only=open_only,
                                                      overdue_at=now if overdue_only else None)
        return [Question.from_model(q, now) for q in found]

    @strawberry.field(description="Question topics and response times for a branch (any signed-in user).")
    async def question_topics(self, info: Ctx, branch_id: strawberry.ID | None = None) -> list[QuestionTopic]:
        require_authenticated(info.context.principal)
        found = await reads(info).topics(str(branch_id) if branch_id else None)
        return [QuestionTopic.from_model(t) for t in found]
