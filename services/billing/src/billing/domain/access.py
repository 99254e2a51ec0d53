"""Billing's access rules: pure functions over the principal and the ids in scope (no I/O). The use cases
(service/access.py) fetch what the rules need - the branches a family studies in, the student named - and
raise Forbidden when a rule says no; the schema applies the same rules to what it reads (schema/access.py)."""

from __future__ import annotations

from collections.abc import Set

from billing.domain.records import Student
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family


def actor(p: Principal) -> str | None:
    """Who did it, for the history (staff id when there is one)."""
    return p.staff_id or p.user_id


def may_see_family(p: Principal, family_id: str, family_branches: Set[str]) -> bool:
    """Guardians and students of the family, admins of a branch it studies in, the owner."""
    return can_see_family(p, family_id, family_branches)


def may_manage_branch(p: Principal, branch_id: str | None) -> bool:
    """A branch's settings and plans: its admins and the owner; school-wide ones (None): the owner."""
    if branch_id is None:
        return p.role is Role.OWNER
    return can_manage_branch(p, branch_id)


def may_name_student(p: Principal, family_id: str, student: Student | None) -> bool:
    """A money operation for a student: a child of this family, studying in the caller's branch (or the owner)."""
    return (student is not None and student.family_id == family_id
            and (p.role is Role.OWNER or student.branch_id in p.branch_ids))


def may_act_on_booked(p: Principal, branch_id: str | None) -> bool:
    """An object booked to a branch (an invoice a payment goes to, a subscription invoiced): acted on by that
    branch's admins, the owner and the family itself; one booked to none by whoever manages the family. The
    family is checked separately."""
    return branch_id is None or p.role in (Role.GUARDIAN, Role.STUDENT) or can_manage_branch(p, branch_id)


def default_booking(p: Principal, family_branches: Set[str]) -> str | None:
    """Where a branch admin's money is booked when they name no branch: their branch the family studies in (the
    desk's cash is in its branch's report, and its refunds are that branch's); None when there are several."""
    mine = p.branch_ids & family_branches
    return next(iter(mine)) if len(mine) == 1 else None


def may_manage_family(p: Principal, family_branches: Set[str]) -> bool:
    """Money operations on a family: the owner, or an admin of a branch the family studies in."""
    if p.role is Role.OWNER:
        return True
    return p.role is Role.BRANCH_ADMIN and bool(p.branch_ids & family_branches)


def may_set_family_wide(p: Principal, family_branches: Set[str]) -> bool:
    """A setting of the family's one account that bounds every branch's money (its credit limit): the owner, or
    an admin of every branch the family studies in - one branch's admin does not decide for another's."""
    if p.role is Role.OWNER:
        return True
    return p.role is Role.BRANCH_ADMIN and bool(family_branches) and family_branches <= p.branch_ids
