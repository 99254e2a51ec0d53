"""Field-level authorization for the graph, batched through the per-request loaders."""

from __future__ import annotations

from billing.schema.context import GInfo
from billing.schema.loaders import loaders
from kabinet.auth.principal import Role
from kabinet.auth.rules import can_see_family, can_see_student, ensure, require_authenticated
from kabinet.graphql.entities import StudentOwner


async def check_family(info: GInfo, family_id: str) -> None:
    """The family's money: its guardians and children (R-BIL-1), its branches' admins, the owner."""
    p = info.context.principal
    require_authenticated(p)
    branches: set[str] = set()
    if p.role is Role.BRANCH_ADMIN:
        branches = await loaders(info).branches_by_family.load(family_id)
    ensure(can_see_family(p, family_id, branches))


async def check_student(info: GInfo, student_id: str, owner: StudentOwner | None = None) -> str:
    """A student's subscriptions: the family (every child's profile), the student, branch admins, the owner.

    Returns the student's family id. Teachers see no money. A student identity registered a moment ago is not
    in billing's projection until its event arrives: then the family and branch identity gave the gateway
    (``@requires``) decide — billing holds nothing of that student yet, so nothing more can be shown.
    """
    p = info.context.principal
    require_authenticated(p)
    student = await loaders(info).family_data.student(student_id)
    if student is None:
        if owner is None or not owner.family_id:
            ensure(p.role is Role.OWNER)
            return ""
        family_id, branch_id = owner.family_id, owner.branch_id
    else:
        family_id, branch_id = student.family_id, student.branch_id
    ensure(p.role is not Role.TEACHER and can_see_student(p, student_id, family_id, branch_id))
    return str(family_id)


__all__ = ["GInfo", "check_family", "check_student"]
