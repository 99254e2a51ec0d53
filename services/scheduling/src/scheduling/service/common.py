"""Lookups every use case needs: they turn a missing id into the typed error naming the field, and refuse an id
outside the caller's scope (FORBIDDEN). Every argument naming a student, group or lesson goes through here, so
the scope rule holds on every path, whatever the use case checks after it."""

from __future__ import annotations

from kabinet.auth.principal import Principal
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.db import UnitOfWork
from scheduling.adapters.repositories import (
    CatalogueRepository,
    GroupRepository,
    LessonRepository,
    ProjectionRepository,
    StaffRef,
    StudentRef,
)
from scheduling.domain import errors
from scheduling.domain.model import Branch, Group, Lesson, LessonType, Room
from scheduling.service.access import can_act_for, can_name_lesson, can_see_group


async def get_branch(uow: UnitOfWork, branch_id: str) -> Branch:
    branch = await ProjectionRepository(uow.session).branch(branch_id)
    if branch is None:
        raise errors.UnknownBranch(field="branchId")
    return branch


async def get_teacher(uow: UnitOfWork, teacher_id: str, branch_id: str) -> StaffRef:
    teacher = await ProjectionRepository(uow.session).staff(teacher_id)
    if teacher is None or teacher.role not in ("teacher", "branch_admin", "owner"):
        raise errors.UnknownTeacher(field="teacherId")
    if teacher.role != "owner" and branch_id not in teacher.branch_ids:
        raise errors.WrongBranch("The teacher does not work in this branch.", field="teacherId")
    return teacher


async def get_student(uow: UnitOfWork, student_id: str, p: Principal) -> StudentRef:
    """A student a write names: the caller must be able to act for them (``can_act_for``)."""
    require_authenticated(p)
    student = await ProjectionRepository(uow.session).student(student_id)
    if student is None or student.erased:
        raise errors.UnknownStudent(field="studentId")
    ensure(can_act_for(p, student))
    return student


async def get_room(uow: UnitOfWork, room_id: str, branch_id: str) -> Room:
    room = await CatalogueRepository(uow.session).room(room_id)
    if room is None:
        raise errors.RoomNotFound(field="roomId")
    if room.branch_id != branch_id:
        raise errors.WrongBranch("The room is in another branch.", field="roomId")
    return room


async def get_course(uow: UnitOfWork, course_id: str) -> None:
    if await CatalogueRepository(uow.session).course(course_id) is None:
        raise errors.CourseNotFound(field="courseId")


async def get_lesson_type(uow: UnitOfWork, code: str) -> LessonType:
    t = await CatalogueRepository(uow.session).lesson_type(code)
    if t is None:
        raise errors.LessonTypeNotFound(field="lessonType")
    return t


async def get_group(uow: UnitOfWork, group_id: str, p: Principal, *, lock: bool = False) -> Group:
    require_authenticated(p)
    group = await GroupRepository(uow.session).get(group_id, lock=lock)
    if group is None:
        raise errors.GroupNotFound(field="groupId")
    ensure(can_see_group(p, group))
    return group


async def get_lesson(uow: UnitOfWork, lesson_id: str, p: Principal, *, lock: bool = False) -> Lesson:
    require_authenticated(p)
    lesson = await LessonRepository(uow.session).get(lesson_id, lock=lock)
    if lesson is None:
        raise errors.LessonNotFound(field="lessonId")
    ensure(can_name_lesson(p, lesson))
    return lesson
