"""Who may see which object: the read side of identity's access rules, as pure functions over the caller's
Principal and the ids in scope. The use cases enforce the write side; the schema calls these, having loaded
what a rule needs (is the student taught by the caller, the family's branches)."""

from __future__ import annotations

from collections.abc import Iterable

from identity.domain.model import Staff, Student
from identity.domain.questions import Question
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, can_see_student


def needs_teaching(p: Principal) -> bool:
    """Whether ``sees_student`` needs to know if the caller teaches the student (only a teacher's does)."""
    return p.role is Role.TEACHER


def sees_student(p: Principal, s: Student, *, taught_by_caller: bool = False) -> bool:
    """The family; the branch's admins; the student's teachers; the owner."""
    return can_see_student(p, s.id, s.family_id, s.branch_id, taught_by_principal=taught_by_caller)


def sees_family(p: Principal, family_id: str, students: Iterable[Student]) -> bool:
    """Its guardians (and children); admins of a branch one of its children studies in; the owner."""
    return can_see_family(p, family_id, {s.branch_id for s in students if s.branch_id})


def sees_staff(p: Principal, s: Staff) -> bool:
    """Owner: all; admin: colleagues of own branches; teacher: self (and colleagues' names via branches)."""
    if p.role is Role.OWNER or p.staff_id == s.id:
        return True
    if p.role in (Role.BRANCH_ADMIN, Role.TEACHER):
        return bool(p.branch_ids & set(s.branch_ids))
    return False


def is_family(p: Principal) -> bool:
    return p.role in (Role.GUARDIAN, Role.STUDENT)


def family_sees_teacher(p: Principal, *, teaches_the_family: bool) -> bool:
    """A family sees the teachers who teach its children (their names on lessons)."""
    return is_family(p) and teaches_the_family


def sees_staff_contact(p: Principal, s: Staff) -> bool:
    return p.role is Role.OWNER or p.staff_id == s.id or (
        p.role is Role.BRANCH_ADMIN and bool(p.branch_ids & set(s.branch_ids)))


def sees_student_login(p: Principal, student_id: str, family_id: str, branch_id: str | None) -> bool:
    """A child's own login: the family's guardians, the child itself (not its siblings: a student login sees
    itself, docs/security-scope.md), the branch's admins, the owner."""
    if p.role is Role.STUDENT:
        return p.family_id == family_id and student_id in p.student_ids
    own_family = is_family(p) and p.family_id == family_id
    return own_family or (branch_id is not None and can_manage_branch(p, branch_id)) or p.role is Role.OWNER


def sees_question(p: Principal, q: Question) -> bool:
    if is_family(p):
        return p.family_id == q.family_id
    return can_manage_branch(p, q.branch_id)
