"""Access rules shared by every service.

guardian -> own family's students; student -> self; teacher -> own lessons and their students;
branch admin -> own branch; owner -> everything. A service asks a yes/no question; the data it
needs to answer (a lesson's teacher, a student's family) comes from its own database.
"""

from __future__ import annotations

from collections.abc import Iterable

from kabinet.auth.principal import Principal, Role
from kabinet.errors import Forbidden, Unauthenticated


def require_authenticated(p: Principal) -> None:
    if not p.is_authenticated:
        raise Unauthenticated()


def require_role(p: Principal, *roles: Role) -> None:
    require_authenticated(p)
    if p.role is not Role.OWNER and p.role not in roles:
        raise Forbidden()


def is_owner(p: Principal) -> bool:
    return p.role is Role.OWNER


def can_see_family(p: Principal, family_id: str, branch_ids: Iterable[str] = ()) -> bool:
    """A family: its guardians, its own students, admins of a branch it studies in, the owner."""
    if p.role is Role.OWNER:
        return True
    if p.role in (Role.GUARDIAN, Role.STUDENT):
        return p.family_id == family_id
    if p.role is Role.BRANCH_ADMIN:
        return bool(p.branch_ids & set(branch_ids))
    return False


def can_see_student(
    p: Principal,
    student_id: str,
    family_id: str | None,
    branch_id: str | None,
    taught_by_principal: bool = False,
) -> bool:
    """A student: the family, the student, the branch's admins, a teacher who teaches them, the owner."""
    match p.role:
        case Role.OWNER:
            return True
        case Role.GUARDIAN:
            return family_id is not None and p.family_id == family_id
        case Role.STUDENT:
            return student_id in p.student_ids
        case Role.BRANCH_ADMIN:
            return branch_id is not None and branch_id in p.branch_ids
        case Role.TEACHER:
            return taught_by_principal
        case _:
            return False


def can_manage_branch(p: Principal, branch_id: str) -> bool:
    return p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and branch_id in p.branch_ids)


def hides_missing(p: Principal) -> bool:
    """Whether an id the caller names that is not there is answered as one not theirs (FORBIDDEN), so that no
    answer tells another branch's or family's object exists: everyone but the owner, who may see everything and
    learns nothing from "not there (yet)"."""
    return p.role is not Role.OWNER


def ensure(allowed: bool) -> None:
    """Raise the same Forbidden for 'not yours' and 'not there' callers choose to hide."""
    if not allowed:
        raise Forbidden()
