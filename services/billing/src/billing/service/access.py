"""Authorization from billing's own data: the use cases' checks, by the rules of domain/access.py over what
billing knows (which branches a family studies in; R-PLT: enforced here). Forbidden when a rule says no."""

from __future__ import annotations

from collections.abc import Set

from billing.domain.access import (
    actor,
    default_booking,
    may_act_on_booked,
    may_manage_branch,
    may_manage_family,
    may_name_student,
    may_see_family,
    may_set_family_wide,
)
from billing.service.unit_of_work import Projections
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.errors import InvalidInput

__all__ = ["actor", "booking_branch", "ensure_booked_managed", "ensure_family_managed", "require_booked_managed",
           "require_booking", "require_branch_managed",
           "require_family_managed", "require_family_visible", "require_family_wide"]


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
    await _managed_family_branches(p, projections, family_id, branch_id=branch_id, student_id=student_id)


async def require_booked_managed(p: Principal, projections: Projections, family_id: str,
                                 branch_id: str | None) -> None:
    """Undoing money already booked (a payment's refund, an invoice's cancellation) changes the report of the
    branch it was booked to: that branch's admins (of the family's branches) and the owner. Money booked to no
    branch (school-wide: online payments, the owner's without a branch) is in no branch's report: the owner's
    alone, not any admin of one of the family's branches."""
    await require_family_managed(p, projections, family_id, branch_id=branch_id)
    ensure(may_manage_branch(p, branch_id))


async def require_booking(p: Principal, projections: Projections, family_id: str, *, branch_id: str | None,
                          student_id: str | None = None) -> str | None:
    """require_family_managed for an operation that books new money (a payment, adjustment, charge, invoice),
    and the branch it is booked to: the one named, else a branch admin's own (``booking_branch``)."""
    branches = await _managed_family_branches(p, projections, family_id, branch_id=branch_id, student_id=student_id)
    return booking_branch(p, branches, branch_id)


async def _managed_family_branches(p: Principal, projections: Projections, family_id: str, *,
                                   branch_id: str | None, student_id: str | None) -> set[str]:
    """The checks of require_family_managed; the family's branches a branch admin's check read (else empty)."""
    require_authenticated(p)
    if student_id is not None:
        ensure(may_name_student(p, family_id, await projections.student(student_id)))
    if branch_id is not None:
        ensure(may_manage_branch(p, branch_id))
    if p.role is Role.OWNER:
        return set()
    branches = await projections.family_branches(family_id) if p.role is Role.BRANCH_ADMIN else set()
    ensure(may_manage_family(p, branches))
    return branches


async def require_family_wide(p: Principal, projections: Projections, family_id: str) -> None:
    """A family-wide setting (``may_set_family_wide``): the owner, or an admin of all the family's branches."""
    require_authenticated(p)
    branches = await projections.family_branches(family_id) if p.role is Role.BRANCH_ADMIN else set()
    ensure(may_set_family_wide(p, branches))


def ensure_family_managed(p: Principal, family_branches: Set[str], *, branch_id: str | None = None) -> str | None:
    """require_booking's rule (without a student) over the family's branches as the caller read them, with what
    it reads next in the same statement; the branch the money is booked to."""
    require_authenticated(p)
    if branch_id is not None:
        ensure(may_manage_branch(p, branch_id))
    ensure(may_manage_family(p, family_branches))
    return booking_branch(p, family_branches, branch_id)


def booking_branch(p: Principal, family_branches: Set[str], branch_id: str | None) -> str | None:
    """The branch new money is booked to: the one named; for a branch admin who names none, their branch the
    family studies in (before, it was booked to no branch: in no branch's report, and refundable by another
    branch's admin); the owner's unnamed money is school-wide."""
    if branch_id is not None or p.role is not Role.BRANCH_ADMIN:
        return branch_id
    booked = default_booking(p, family_branches)
    if booked is None:
        raise InvalidInput("The family studies in several of your branches: name the branch to book it to.",
                           field="branchId")
    return booked


def ensure_booked_managed(p: Principal, branch_id: str | None) -> None:
    """An object the operation acts on is booked to a branch the caller may act for (``may_act_on_booked``)."""
    ensure(may_act_on_booked(p, branch_id))


def require_branch_managed(p: Principal, branch_id: str | None) -> None:
    require_authenticated(p)
    ensure(may_manage_branch(p, branch_id))
