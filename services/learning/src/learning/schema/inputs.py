"""Learning's GraphQL inputs."""

from __future__ import annotations

import strawberry

from learning.schema.enums import AttendanceStatus, HomeworkDoneStatus


@strawberry.input(description="One student's row: attendance is required, the rest may be left empty.")
class LessonSheetStudentInput:
    student_id: strawberry.ID
    attendance: AttendanceStatus  # type: ignore[valid-type]
    homework_done: HomeworkDoneStatus | None = None  # type: ignore[valid-type]
    grade: str | None = None
    comment: str | None = None


@strawberry.input(description="The whole sheet, saved in one go (a phone's one tap).")
class SaveLessonSheetInput:
    lesson_id: strawberry.ID
    summary: str = ""
    homework: str = ""
    students: list[LessonSheetStudentInput] = strawberry.field(default_factory=list)
    expected_revision: int | None = strawberry.field(
        default=None, description="The revision the form was loaded at; a newer one on the server is a conflict.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key and the same sheet changes nothing.")


@strawberry.input
class RiskThresholdsInput:
    branch_id: strawberry.ID
    min_attendance_percent: float
    min_grade_percent: float
    window_days: int = 30
