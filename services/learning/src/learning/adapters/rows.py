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


def grade_from_row(r: Any) -> Grade | None:
    return Grade(r.grade, GradeScale(r.grade_scale)) if r.grade is not None and r.grade_scale else None


def mark_from_row(r: Any) -> Mark:
    """A row with sheet_marks' columns (a comment column is optional)."""
    return Mark(r.student_id, Attendance(r.attendance), HomeworkDone(r.homework_done) if r.homework_done else None,
                grade_from_row(r), getattr(r, "comment", None))


def participant_from_row(r: Any) -> Participant:
    return Participant(r.student_id, r.family_id, r.reason, r.active)
