"""Events learning publishes (contracts: versioned, documented in docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

import kabinet.events.applied
from kabinet.events import EventContract, produces


@produces
class AttendanceMarked(EventContract):
    event_type: ClassVar[str] = "learning.attendance.marked"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = (
        "A student's attendance on a lesson was recorded or corrected. `revision` is the sheet revision: a "
        "later revision for the same lesson and student supersedes an earlier one (billing charges on "
        "attendance; scheduling marks a trial used)."
    )
    # The branch is where: a mark changes the student's and the lesson's answers (both named), no field of the
    # branch (identity's Branch: name, city, time zone, address) nor which students or families it has.
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str | None
    status: str  # present | late | absent | excused
    lesson_type: str
    revision: int
    marked_at: datetime


@produces
class LessonConducted(EventContract):
    event_type: ClassVar[str] = "learning.lesson.conducted"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "The lesson's sheet first recorded a student attending: the lesson took place."
    # The lesson's status changes (named); the branch is where, the teacher who: no field of either changes (a
    # teacher's lessons - scheduling's Staff.lessons - list the same lessons, the changed one named by its id).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id", "teacher_id"})

    lesson_id: str
    branch_id: str
    teacher_id: str
    conducted_at: datetime


@produces
class GradePosted(EventContract):
    event_type: ClassVar[str] = "learning.grade.posted"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = (
        "A grade was given or changed on a lesson; `grade` is its display form on `scale` "
        "(five_point | ten_point | hundred_point | pass_fail), e.g. \"5\" or \"pass\"."
    )

    lesson_id: str
    student_id: str
    family_id: str | None
    grade: str
    scale: str


@produces
class HomeworkAssigned(EventContract):
    event_type: ClassVar[str] = "learning.homework.assigned"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = (
        "Homework was set (or changed) on a lesson; due at the group's next lesson when learning knows it. "
        "`student_ids`: the lesson's students (their homework lists change)."
    )
    # The lesson's homework and its students' homework lists change (named). The group (no field of
    # scheduling's Group changes; a journal is keyed by it and still dropped) and the due lesson (its own
    # homework and sheet do not change) are context.
    context_fields: ClassVar[frozenset[str]] = frozenset({"group_id", "due_lesson_id"})

    lesson_id: str
    group_id: str | None
    text: str
    due_lesson_id: str | None
    # The lesson's students as learning knows them (its participants): whose homework lists change.
    student_ids: list[str] = Field(default_factory=list)


@produces
class EventsApplied(kabinet.events.applied.EventsApplied):
    event_type: ClassVar[str] = "learning.events.applied"
