"""Lookups every use case needs: they turn a missing id into the typed error naming the field, and refuse an id
outside the caller's scope (FORBIDDEN). Every argument naming a student, group or lesson goes through here, so
the scope rule holds on every path, whatever the use case checks after it. The rules themselves are pure
(``scheduling.domain.access``); the data they need is looked up here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.idempotency import user_scope
from scheduling.domain import errors
from scheduling.domain.access import can_act_for, can_name_lesson, can_see_group, can_see_student, sees_family
from scheduling.domain.model import Branch, Group, Lesson, LessonType, Room, StaffRef, StudentRef
from scheduling.service.unit_of_work import SchedulingUnitOfWork


class TeachingLookup(Protocol):
    async def teacher_teaches_student(self, teacher_id: str, student_id: str) -> bool: ...


class FamilyLookup(Protocol):
    async def students_of_family(self, family_id: str) -> list[str]: ...
    async def students(self, ids: Sequence[str]) -> dict[str, StudentRef]: ...


async def sees_student(p: Principal, student: StudentRef, lessons: TeachingLookup) -> bool:
    """``domain.access.can_see_student``, with the teaching lookup made only for a teacher."""
    teaches = (p.role is Role.TEACHER and p.staff_id is not None
               and await lessons.teacher_teaches_student(p.staff_id, student.id))
    return can_see_student(p, student, teaches=teaches)


async def sees_family_of(p: Principal, family_id: str, projections: FamilyLookup) -> bool:
    """``domain.access.sees_family``, with the children's branches looked up only for a branch admin."""
    branches: set[str] = set()
    if p.role is Role.BRANCH_ADMIN:
        found = await projections.students(await projections.students_of_family(family_id))
        branches = {s.branch_id for s in found.values() if s.branch_id}
    return sees_family(p, family_id, branches)


def caller_scope(p: Principal) -> str:
    """Whose idempotency keys these are: the signed-in person (staff without a user id by their staff id)."""
    return user_scope(p.user_id or p.staff_id)


async def get_branch(uow: SchedulingUnitOfWork, branch_id: str) -> Branch:
    branch = await uow.projections.branch(branch_id)
    if branch is None:
        raise errors.UnknownBranch(field="branchId")
    return branch


async def get_teacher(uow: SchedulingUnitOfWork, teacher_id: str, branch_id: str) -> StaffRef:
    teacher = await uow.projections.staff(teacher_id)
    if teacher is None or teacher.role not in ("teacher", "branch_admin", "owner"):
        raise errors.UnknownTeacher(field="teacherId")
    if teacher.role != "owner" and branch_id not in teacher.branch_ids:
        raise errors.WrongBranch("The teacher does not work in this branch.", field="teacherId")
    return teacher


async def get_student(uow: SchedulingUnitOfWork, student_id: str, p: Principal) -> StudentRef:
    """A student a write names: the caller must be able to act for them (``can_act_for``)."""
    require_authenticated(p)
    student = await uow.projections.student(student_id)
    if student is None or student.erased:
        raise errors.UnknownStudent(field="studentId")
    ensure(can_act_for(p, student))
    return student


async def get_room(uow: SchedulingUnitOfWork, room_id: str, branch_id: str) -> Room:
    room = await uow.catalogue.room(room_id)
    if room is None:
        raise errors.RoomNotFound(field="roomId")
    if room.branch_id != branch_id:
        raise errors.WrongBranch("The room is in another branch.", field="roomId")
    return room


async def get_course(uow: SchedulingUnitOfWork, course_id: str) -> None:
    if await uow.catalogue.course(course_id) is None:
        raise errors.CourseNotFound(field="courseId")


async def get_lesson_type(uow: SchedulingUnitOfWork, code: str) -> LessonType:
    t = await uow.catalogue.lesson_type(code)
    if t is None:
        raise errors.LessonTypeNotFound(field="lessonType")
    return t


async def get_group(uow: SchedulingUnitOfWork, group_id: str, p: Principal, *, lock: bool = False) -> Group:
    require_authenticated(p)
    group = await uow.groups.get(group_id, lock=lock)
    if group is None:
        raise errors.GroupNotFound(field="groupId")
    ensure(can_see_group(p, group))
    return group


async def get_lesson(uow: SchedulingUnitOfWork, lesson_id: str, p: Principal, *, lock: bool = False) -> Lesson:
    require_authenticated(p)
    lesson = await uow.lessons.get(lesson_id, lock=lock)
    if lesson is None:
        raise errors.LessonNotFound(field="lessonId")
    ensure(can_name_lesson(p, lesson))
    return lesson
