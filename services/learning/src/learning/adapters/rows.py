"""Rows of learning's tables to domain objects (no Row leaves adapters/). A row is any SQLAlchemy Row with
the columns named here (typed ``Any``: the rows of different selects are different Row types)."""

from __future__ import annotations

from typing import Any

from learning.domain.grades import Grade, GradeScale
from learning.domain.model import Attendance, HomeworkDone, Lesson, Mark, Participant


def lesson_from_row(r: Any, participants: dict[str, Participant] | None = None) -> Lesson:
    return Lesson(id=r.id, branch_id=r.branch_id, teacher_id=r.teacher_id, starts_at=r.starts_at,
                  ends_at=r.ends_at, lesson_type=r.lesson_type, group_id=r.group_id, course_id=r.course_id,
                  charged_by_default=r.charged_by_default, original_teacher_id=r.original_teacher_id,
                  cancelled=r.cancelled, participants=participants or {})


# Stored values to members by dict lookup: calling an enum class per value is ~10x slower (hot: a cabinet's
# page converts dozens of marks).
_ATTENDANCE: dict[str, Attendance] = {a.value: a for a in Attendance}
_HOMEWORK_DONE: dict[str, HomeworkDone] = {h.value: h for h in HomeworkDone}
_SCALES: dict[str, GradeScale] = {g.value: g for g in GradeScale}


def grade_of(grade: int | None, scale: str | None) -> Grade | None:
    return Grade(grade, _SCALES[scale]) if grade is not None and scale else None


def grade_from_row(r: Any) -> Grade | None:
    return grade_of(r.grade, r.grade_scale)


def mark_of(student_id: str, attendance: str, homework_done: str | None, grade: int | None, scale: str | None,
            comment: str | None) -> Mark:
    """sheet_marks' columns as a Mark."""
    return Mark(student_id, _ATTENDANCE[attendance], _HOMEWORK_DONE[homework_done] if homework_done else None,
                grade_of(grade, scale), comment)


def mark_from_row(r: Any) -> Mark:
    """A row with sheet_marks' columns (a comment column is optional)."""
    return mark_of(r.student_id, r.attendance, r.homework_done, r.grade, r.grade_scale, getattr(r, "comment", None))


def participant_from_row(r: Any) -> Participant:
    return Participant(r.student_id, r.family_id, r.reason, r.active)
