"""Who may see which object (the read side of the access rules; use cases enforce the write side)."""

from __future__ import annotations

from strawberry.types import Info

from identity.domain.model import Family, Staff, Student
from identity.domain.questions import Question
from identity.schema.loaders import students_by_family_loader, taught_by_me_loader, teaches_my_family_loader
from kabinet.auth.principal import Role
from kabinet.auth.rules import can_manage_branch, can_see_family, can_see_student
from kabinet.graphql.context import RequestContext

Ctx = Info[RequestContext, None]


async def sees_student(info: Ctx, s: Student) -> bool:
    p = info.context.principal
    taught = False
    if p.role is Role.TEACHER:
        taught = await info.context.loader("taught_by_me", taught_by_me_loader).load(s.id)
    return can_see_student(p, s.id, s.family_id, s.branch_id, taught_by_principal=taught)


async def sees_family(info: Ctx, f: Family) -> bool:
    kids = await info.context.loader("students_by_family", students_by_family_loader).load(f.id)
    return can_see_family(info.context.principal, f.id, {s.branch_id for s in kids if s.branch_id})


def sees_staff(info: Ctx, s: Staff) -> bool:
    """Owner: all; admin: colleagues of own branches; teacher: self (and colleagues' names via branches)."""
    p = info.context.principal
    if p.role is Role.OWNER or p.staff_id == s.id:
        return True
    if p.role in (Role.BRANCH_ADMIN, Role.TEACHER):
        return bool(p.branch_ids & set(s.branch_ids))
    return False


async def family_sees_teacher(info: Ctx, s: Staff) -> bool:
    """A family sees the teachers who teach its children (their names on lessons)."""
    p = info.context.principal
    if p.role not in (Role.GUARDIAN, Role.STUDENT):
        return False
    return bool(await info.context.loader("teaches_my_family", teaches_my_family_loader).load(s.id))


def sees_staff_contact(info: Ctx, s: Staff) -> bool:
    p = info.context.principal
    return p.role is Role.OWNER or p.staff_id == s.id or (
        p.role is Role.BRANCH_ADMIN and bool(p.branch_ids & set(s.branch_ids)))


def sees_question(info: Ctx, q: Question) -> bool:
    p = info.context.principal
    if p.role in (Role.GUARDIAN, Role.STUDENT):
        return p.family_id == q.family_id
    return can_manage_branch(p, q.branch_id)
