"""Who may read and write what in learning (enforced here, never only at the gateway): pure functions over the
caller's Principal and plain scopes the query objects turn into a WHERE clause.

- write a sheet: the lesson's teacher (or the teacher replacing them), the branch's admins, the owner;
- read a lesson's summary and homework: those, plus the families (and students) of the students on it;
- read marks and comments: staff who may read the lesson see every mark; a family sees only its own
  children's marks; a teacher of another group sees nothing.

Staff see lessons by role: the owner all, a branch admin their branches', a teacher the lessons they teach
(or were first scheduled to teach). Families see their own children's lessons (checked per student).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from learning.domain.model import Lesson


class Taught(Protocol):
    """Where and by whom a lesson is taught: what a staff scope looks at (a Lesson, or a read model of one)."""

    @property
    def branch_id(self) -> str: ...

    def teachers(self) -> set[str]: ...


@dataclass(frozen=True)
class LessonScope:
    everything: bool = False
    branch_ids: frozenset[str] = field(default_factory=frozenset)
    teacher_id: str | None = None

    @property
    def empty(self) -> bool:
        return not self.everything and not self.branch_ids and self.teacher_id is None

    def covers(self, lesson: Taught) -> bool:
        if self.everything:
            return True
        if lesson.branch_id in self.branch_ids:
            return True
        return self.teacher_id is not None and self.teacher_id in lesson.teachers()


NOTHING = LessonScope()


def staff_scope(p: Principal) -> LessonScope:
    if p.role is Role.OWNER:
        return LessonScope(everything=True)
    if p.role is Role.BRANCH_ADMIN:
        return LessonScope(branch_ids=p.branch_ids)
    if p.role is Role.TEACHER and p.staff_id:
        return LessonScope(teacher_id=p.staff_id)
    return NOTHING


def is_family(p: Principal) -> bool:
    return p.role in (Role.GUARDIAN, Role.STUDENT)


def family_owns(p: Principal, student_id: str, family_id: str | None) -> bool:
    """The caller is this student, or a guardian (or sibling account) of the student's family."""
    if p.role is Role.STUDENT and student_id in p.student_ids:
        return True
    if p.role is Role.GUARDIAN:
        return family_id is not None and p.family_id == family_id
    return False


def can_write_sheet(p: Principal, lesson: Lesson) -> bool:
    return p.is_staff and staff_scope(p).covers(lesson)


def visible_students(p: Principal, lesson: Lesson, families: dict[str, str | None]) -> set[str] | None:
    """Whose marks on this lesson the caller may read: None means everyone's; an empty set, nobody's.

    ``families`` maps the lesson's students to their family (participants and identity's events).
    """
    if p.is_staff:
        return None if staff_scope(p).covers(lesson) else set()
    if is_family(p):
        return {sid for sid, fam in families.items() if family_owns(p, sid, fam)}
    return set()


def families_on(lesson: Lesson, marked: Collection[str]) -> dict[str, str | None]:
    """The families of the students a family may read the lesson for: those on its list, and those removed after
    being marked (their mark stays their record). One removed before any mark no longer attends it: scheduling no
    longer shows the family the lesson, and neither does learning."""
    return {sid: part.family_id for sid, part in lesson.participants.items() if part.active or sid in marked}


def can_read_lesson(p: Principal, lesson: Lesson, families: dict[str, str | None]) -> bool:
    visible = visible_students(p, lesson, families)
    return visible is None or bool(visible)


def own_students(p: Principal) -> tuple[str | None, frozenset[str]]:
    """``family_owns`` as a query's parameters, for reads that do not load a lesson's participants: a participant
    is the caller's own if its family is the first (a guardian's; None: no family matches) or its student one of
    the second (a student's own ids)."""
    if p.role is Role.GUARDIAN:
        return p.family_id, frozenset()
    if p.role is Role.STUDENT:
        return None, p.student_ids
    return None, frozenset()


def can_read_lesson_head(p: Principal, lesson: Taught, own_student_on_it: bool) -> bool:
    """``can_read_lesson`` without the participants: ``own_student_on_it`` is whether any participant by
    ``families_on`` (on the list, or removed after being marked) is the caller's own by ``own_students(p)``."""
    if p.is_staff:
        return staff_scope(p).covers(lesson)
    if is_family(p):
        return own_student_on_it
    return False


def student_view_scope(p: Principal, student_id: str, family_id: str | None) -> LessonScope | None:
    """For a student's pages: None = the family's full view; a scope = the staff member's lessons only.

    Another family is refused outright; staff outside the student's lessons get an empty view.
    """
    require_authenticated(p)
    if is_family(p):
        if family_owns(p, student_id, family_id):
            return None
        raise Forbidden()
    return staff_scope(p)
