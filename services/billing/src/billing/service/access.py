"""Authorization from billing's own data: which branches a family studies in (R-PLT: enforced here)."""

from __future__ import annotations

from billing.service.unit_of_work import Projections
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, ensure, require_authenticated


def actor(p: Principal) -> str | None:
    """Who did it, for the history (staff id when there is one)."""
    return p.staff_id or p.user_id


async def require_family_visible(p: Principal, projections: Projections, family_id: str) -> None:
    """Guardians and students of the family, admins of a branch it studies in, the owner."""
    require_authenticated(p)
    branches: set[str] = set()
    if p.role is Role.BRANCH_ADMIN:
        branches = await projections.family_branches(family_id)
    ensure(can_see_family(p, family_id, branches))


async def require_family_managed(p: Principal, projections: Projections, family_id: str, *,
                                 branch_id: str | None = None, student_id: str | None = None) -> None:
    """Money operations on a family: its branches' admins and the owner only. Every other id the operation
    names is checked too: the branch it is booked to (that branch's report changes: its admins only) and the
    student it is for (a child of this family, studying in the caller's branch)."""
    require_authenticated(p)
    if student_id is not None:
        student = await projections.student(student_id)
        ensure(student is not None and student.family_id == family_id
               and (p.role is Role.OWNER or student.branch_id in p.branch_ids))
    if branch_id is not None:
        ensure(can_manage_branch(p, branch_id))
    if p.role is Role.OWNER:
        return
    ensure(p.role is Role.BRANCH_ADMIN)
    branches = await projections.family_branches(family_id)
    ensure(bool(p.branch_ids & branches))


def require_branch_managed(p: Principal, branch_id: str | None) -> None:
    require_authenticated(p)
    if branch_id is None:
        ensure(p.role is Role.OWNER)  # school-wide settings are the owner's
        return
    ensure(can_manage_branch(p, branch_id))
