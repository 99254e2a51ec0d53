"""Authorization from billing's own data: the use cases' checks, by the rules of domain/access.py over what
billing knows (which branches a family studies in; R-PLT: enforced here). Forbidden when a rule says no."""

from __future__ import annotations

from collections.abc import Set

from billing.domain.access import actor, may_manage_branch, may_manage_family, may_name_student, may_see_family
from billing.service.unit_of_work import Projections
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated

__all__ = ["actor", "ensure_family_managed", "require_branch_managed", "require_family_managed",
           "require_family_visible"]


async def require_family_visible(p: Principal, projections: Projections, family_id: str) -> None:
    """Guardians and students of the family, admins of a branch it studies in, the owner."""
    require_authenticated(p)
    branches: set[str] = set()
    if p.role is Role.BRANCH_ADMIN:
        branches = await projections.family_branches(family_id)
    ensure(may_see_family(p, family_id, branches))


async def require_family_managed(p: Principal, projections: Projections, family_id: str, *,
                                 branch_id: str | None = None, student_id: str | None = None) -> None:
    """Money operations on a family: its branches' admins and the owner only. Every other id the operation
    names is checked too: the branch it is booked to (that branch's report changes: its admins only) and the
    student it is for (a child of this family, studying in the caller's branch)."""
    require_authenticated(p)
    if student_id is not None:
        ensure(may_name_student(p, family_id, await projections.student(student_id)))
    if branch_id is not None:
        ensure(may_manage_branch(p, branch_id))
    if p.role is Role.OWNER:
        return
    ensure(may_manage_family(p, await projections.family_branches(family_id) if p.role is Role.BRANCH_ADMIN
                             else set()))


def ensure_family_managed(p: Principal, family_branches: Set[str], *, branch_id: str | None = None) -> None:
    """require_family_managed's rule (without a student) over the family's branches as the caller read them,
    with what it reads next in the same statement."""
    require_authenticated(p)
    if branch_id is not None:
        ensure(may_manage_branch(p, branch_id))
    ensure(may_manage_family(p, family_branches))


def require_branch_managed(p: Principal, branch_id: str | None) -> None:
    require_authenticated(p)
    ensure(may_manage_branch(p, branch_id))
