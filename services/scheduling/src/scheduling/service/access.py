"""Authorization with scheduling's own data: who may see or change which lessons, groups and students."""

from __future__ import annotations

from collections.abc import Iterable

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, ensure, require_authenticated
from scheduling.adapters.repositories import LessonRepository, ProjectionRepository, StudentRef
from scheduling.domain.model import Group, Lesson


def require_branch_admin(p: Principal, branch_id: str) -> None:
    """Changing a branch's schedule: its admins and the owner."""
    require_authenticated(p)
    ensure(can_manage_branch(p, branch_id))


def require_staff_or_owner(p: Principal) -> None:
    require_authenticated(p)
    ensure(p.role in (Role.OWNER, Role.BRANCH_ADMIN, Role.TEACHER))


def managed_branches(p: Principal) -> list[str] | None:
    """Branches whose whole schedule the caller sees: None means all (owner)."""
    if p.role is Role.OWNER:
        return None
    if p.role is Role.BRANCH_ADMIN:
        return sorted(p.branch_ids)
    return []


def can_see_lesson(p: Principal, lesson: Lesson) -> bool:
    match p.role:
        case Role.OWNER:
            return True
        case Role.BRANCH_ADMIN:
            return lesson.branch_id in p.branch_ids
        case Role.TEACHER:
            return lesson.teacher_id == p.staff_id
        case Role.GUARDIAN:
            return any(x.family_id == p.family_id for x in lesson.participants) or lesson.bookable
        case Role.STUDENT:
            # A child's own login sees the lessons it attends, nothing else (lessons on offer are listed by
            # bookableLessons, which says only what is bookable).
            return any(x.student_id in p.student_ids for x in lesson.participants)
        case _:
            return False


def can_name_lesson(p: Principal, lesson: Lesson) -> bool:
    """A lesson a write may name: one the caller sees, or one on offer that a family books from."""
    return can_see_lesson(p, lesson) or (lesson.bookable and p.role in (Role.GUARDIAN, Role.STUDENT))


def can_see_group(p: Principal, group: Group) -> bool:
    """A group named by an argument: its branch's admins, its teacher, the owner."""
    match p.role:
        case Role.OWNER:
            return True
        case Role.BRANCH_ADMIN:
            return group.branch_id in p.branch_ids
        case Role.TEACHER:
            return group.teacher_id == p.staff_id
        case _:
            return False


async def can_see_student(p: Principal, student: StudentRef, lessons: LessonRepository,
                          extra_branches: Iterable[str] = ()) -> bool:
    """guardian -> own family; student -> self; teacher -> students of own lessons; admin -> own branch."""
    match p.role:
        case Role.OWNER:
            return True
        case Role.GUARDIAN:
            return p.family_id == student.family_id
        case Role.STUDENT:
            return student.id in p.student_ids
        case Role.BRANCH_ADMIN:
            return bool(p.branch_ids & ({student.branch_id} | set(extra_branches)))
        case Role.TEACHER:
            return p.staff_id is not None and await lessons.teacher_teaches_student(p.staff_id, student.id)
        case _:
            return False


async def sees_family(p: Principal, family_id: str, projections: ProjectionRepository) -> bool:
    """A family: its guardians and children, admins of a branch one of its children studies in, the owner
    (kabinet.auth.rules.can_see_family, with the branches from scheduling's projection of identity's students)."""
    branches: set[str] = set()
    if p.role is Role.BRANCH_ADMIN:
        found = await projections.students(await projections.students_of_family(family_id))
        branches = {s.branch_id for s in found.values() if s.branch_id}
    return can_see_family(p, family_id, branches)


def can_act_for(p: Principal, student: StudentRef) -> bool:
    """Whose student a write may name: the family's own (R-SCH-7), the student itself, an admin of the student's
    branch, the owner. Teachers change nothing of a student in scheduling, and an admin of another branch
    cannot put a student into their lessons (that would spend the family's subscription)."""
    if p.role is Role.GUARDIAN:
        return p.family_id == student.family_id
    if p.role is Role.STUDENT:
        return student.id in p.student_ids
    return p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and student.branch_id in p.branch_ids)
