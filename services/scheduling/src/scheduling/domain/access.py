"""Who may see or change which lessons, groups, students and feeds: pure functions over the Principal and the
objects (their ids and branches). What a rule needs from storage (does this teacher teach this student? which
branches do this family's children study in?) the use case looks up first and passes in."""

from __future__ import annotations

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import can_manage_branch, can_see_family, ensure, require_authenticated
from scheduling.domain.model import Group, Lesson, StaffRef, StudentRef


def require_branch_admin(p: Principal, branch_id: str) -> None:
    """Changing a branch's schedule: its admins and the owner."""
    require_authenticated(p)
    ensure(can_manage_branch(p, branch_id))


def require_staff_or_owner(p: Principal) -> None:
    require_authenticated(p)
    ensure(p.role in (Role.OWNER, Role.BRANCH_ADMIN, Role.TEACHER))


def works_in_branch(p: Principal, branch_id: str) -> bool:
    """A branch's groups and rooms: its staff (admins and teachers), the owner."""
    return p.role is Role.OWNER or branch_id in p.branch_ids


def managed_branches(p: Principal) -> list[str] | None:
    """Branches whose whole schedule the caller sees: None means all (owner)."""
    if p.role is Role.OWNER:
        return None
    if p.role is Role.BRANCH_ADMIN:
        return sorted(p.branch_ids)
    return []


def sees_drafts(p: Principal) -> bool:
    """Lessons of a generated month not yet published (``Lesson.published`` false) are drafts the branch may still
    change or delete: staff see them (admins and the owner to review them, a teacher their own), families only
    once the month is published."""
    return p.is_staff


def published_for(p: Principal, lesson: Lesson) -> bool:
    """Published, or a draft and the caller sees drafts (whose lesson it is aside: ``can_see_lesson``)."""
    return lesson.published or sees_drafts(p)


def can_see_lesson(p: Principal, lesson: Lesson) -> bool:
    return published_for(p, lesson) and _in_scope(p, lesson)


def _in_scope(p: Principal, lesson: Lesson) -> bool:
    """Whose lesson it is, whether published or not."""
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
    """A lesson a write may name: one the caller sees, or one on offer that a family books from. A family's own
    or on-offer draft passes here so that the use case refuses it with its own code (bookPlace: NOT_BOOKABLE)."""
    return _in_scope(p, lesson) or (lesson.bookable and p.role in (Role.GUARDIAN, Role.STUDENT))


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


def can_see_student(p: Principal, student: StudentRef, *, teaches: bool = False) -> bool:
    """guardian -> own family; student -> self; teacher -> students of own lessons (``teaches``: the caller
    teaches a lesson the student is in); admin -> own branch."""
    match p.role:
        case Role.OWNER:
            return True
        case Role.GUARDIAN:
            return p.family_id == student.family_id
        case Role.STUDENT:
            return student.id in p.student_ids
        case Role.BRANCH_ADMIN:
            return student.branch_id in p.branch_ids
        case Role.TEACHER:
            return p.staff_id is not None and teaches
        case _:
            return False


def sees_family(p: Principal, family_id: str, children_branches: set[str]) -> bool:
    """A family: its guardians and children, admins of a branch one of its children studies in
    (``children_branches``, from scheduling's projection of identity's students), the owner."""
    return can_see_family(p, family_id, children_branches)


def can_act_for(p: Principal, student: StudentRef) -> bool:
    """Whose student a write may name: the family's own (R-SCH-7), the student itself, an admin of the student's
    branch, the owner. Teachers change nothing of a student in scheduling, and an admin of another branch
    cannot put a student into their lessons (that would spend the family's subscription)."""
    if p.role is Role.GUARDIAN:
        return p.family_id == student.family_id
    if p.role is Role.STUDENT:
        return student.id in p.student_ids
    return p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and student.branch_id in p.branch_ids)


def may_own_teacher_feed(p: Principal, teacher: StaffRef | None, teacher_id: str) -> bool:
    """A teacher's feed: the teacher, an admin of a branch the teacher works in, the owner."""
    return (p.role is Role.OWNER or (p.role is Role.TEACHER and p.staff_id == teacher_id)
            or (p.role is Role.BRANCH_ADMIN and teacher is not None and bool(p.branch_ids & set(teacher.branch_ids))))


def may_list_lessons_of(p: Principal, *, family_id: str | None = None, teacher_id: str | None = None,
                        group: Group | None = None, branch_id: str | None = None) -> bool:
    """A view of a family's, a teacher's, a group's or a branch's lessons (before narrowing to the role)."""
    if family_id is not None and not (
            p.role is Role.OWNER or (p.role in (Role.GUARDIAN, Role.STUDENT) and p.family_id == family_id)
            or p.role is Role.BRANCH_ADMIN):
        return False
    if teacher_id is not None and not (
            p.role in (Role.OWNER, Role.BRANCH_ADMIN) or (p.role is Role.TEACHER and p.staff_id == teacher_id)):
        return False
    if group is not None and not (p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and group.branch_id
                                  in p.branch_ids) or (p.role is Role.TEACHER and group.teacher_id == p.staff_id)):
        return False
    return branch_id is None or p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and branch_id in p.branch_ids)
