"""Learning's domain: the lesson as learning sees it (a projection of scheduling's events) and its sheet.

The sheet (R-LRN-1, R-LRN-2) holds the lesson summary, the homework for the next lesson, and one mark per
student: attendance, homework done, a grade on the course's scale and a private comment. Saving it is one
operation that yields a new revision (history kept) and the events other services react to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from learning.domain.errors import (
    DuplicateStudent,
    LessonCancelled,
    LessonNotStarted,
    NotAParticipant,
    TextTooLong,
)
from learning.domain.grades import Grade, GradeScale

MAX_SUMMARY = 5000
MAX_HOMEWORK = 5000
MAX_COMMENT = 2000


def new_id() -> str:
    return str(uuid.uuid4())


class Attendance(StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def attended(self) -> bool:
        return self in (Attendance.PRESENT, Attendance.LATE)


class HomeworkDone(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"

    @property
    def credit(self) -> float:
        return {HomeworkDone.YES: 1.0, HomeworkDone.PARTLY: 0.5, HomeworkDone.NO: 0.0}[self]


@dataclass
class Participant:
    student_id: str
    family_id: str | None
    reason: str  # member | makeup | trial | booking
    active: bool = True


@dataclass
class Lesson:
    """What learning knows of a lesson, only from scheduling's events."""

    id: str
    branch_id: str
    teacher_id: str
    starts_at: datetime
    ends_at: datetime
    lesson_type: str
    group_id: str | None = None
    course_id: str | None = None
    charged_by_default: bool = True
    # The teacher it was first scheduled with: a replacement (rescheduled with another teacher) does not
    # lock the regular teacher out of the sheet.
    original_teacher_id: str | None = None
    cancelled: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)

    def teachers(self) -> set[str]:
        return {t for t in (self.teacher_id, self.original_teacher_id) if t}


@dataclass(frozen=True)
class Mark:
    student_id: str
    attendance: Attendance
    homework_done: HomeworkDone | None = None
    grade: Grade | None = None
    comment: str | None = None


@dataclass
class Sheet:
    lesson_id: str
    summary: str = ""
    homework: str = ""
    revision: int = 0
    marks: dict[str, Mark] = field(default_factory=dict)
    conducted: bool = False
    updated_at: datetime | None = None
    updated_by: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """The sheet as stored in its history (JSON-ready)."""
        return {
            "summary": self.summary,
            "homework": self.homework,
            "marks": [
                {"student_id": m.student_id, "attendance": m.attendance.value,
                 "homework_done": m.homework_done.value if m.homework_done else None,
                 "grade": m.grade.display() if m.grade else None, "comment": m.comment}
                for m in sorted(self.marks.values(), key=lambda m: m.student_id)
            ],
        }


@dataclass(frozen=True)
class MarkDraft:
    student_id: str
    attendance: Attendance
    homework_done: HomeworkDone | None = None
    grade: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class SheetDraft:
    """What the teacher sends: the whole sheet from the phone in one tap."""

    lesson_id: str
    summary: str
    homework: str
    marks: tuple[MarkDraft, ...]


@dataclass(frozen=True)
class SheetChange:
    before: Sheet | None
    after: Sheet
    changed_attendance: tuple[Mark, ...]
    posted_grades: tuple[Mark, ...]
    homework_assigned: bool
    conducted_now: bool

    @property
    def changed(self) -> bool:
        return self.before is None or self.before.revision != self.after.revision


def _clean(text: str | None, limit: int, field_name: str) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise TextTooLong(f"At most {limit} characters.", field=field_name)
    return value


def record_sheet(lesson: Lesson, current: Sheet | None, draft: SheetDraft, scale: GradeScale, *, now: datetime,
                 by: str | None, open_before: timedelta = timedelta(minutes=30)) -> SheetChange:
    """Validate the draft against the lesson and apply it; every check runs before anything changes.

    Marks of students the draft omits are kept: a phone showing a stale roster must not erase a mark.
    Saving what is already there yields no new revision and no events.
    """
    if lesson.cancelled:
        raise LessonCancelled()
    if now < lesson.starts_at - open_before:
        raise LessonNotStarted()
    summary = _clean(draft.summary, MAX_SUMMARY, "summary")
    homework = _clean(draft.homework, MAX_HOMEWORK, "homework")
    before = current or Sheet(lesson.id)
    marks = dict(before.marks)
    seen: set[str] = set()
    for i, d in enumerate(draft.marks):
        where = f"students.{i}"  # the input field's path
        if d.student_id in seen:
            raise DuplicateStudent(field=f"{where}.studentId")
        seen.add(d.student_id)
        p = lesson.participants.get(d.student_id)
        # A student removed from the lesson after being marked may still be corrected.
        if (p is None or not p.active) and d.student_id not in before.marks:
            raise NotAParticipant(field=f"{where}.studentId")
        grade = Grade.parse(d.grade, scale, f"{where}.grade") if d.grade and d.grade.strip() else None
        comment = _clean(d.comment, MAX_COMMENT, f"{where}.comment") or None
        marks[d.student_id] = Mark(d.student_id, d.attendance, d.homework_done, grade, comment)

    if current is not None and summary == current.summary and homework == current.homework \
            and marks == current.marks:
        return SheetChange(current, current, (), (), False, False)

    changed_attendance = tuple(m for sid, m in marks.items()
                               if before.marks.get(sid) is None or before.marks[sid].attendance != m.attendance)
    posted = tuple(m for sid, m in marks.items() if m.grade is not None
                   and (before.marks.get(sid) is None or before.marks[sid].grade != m.grade))
    conducted_now = not before.conducted and any(m.attendance.attended for m in marks.values())
    after = replace(before, summary=summary, homework=homework, marks=marks, revision=before.revision + 1,
                    conducted=before.conducted or conducted_now, updated_at=now, updated_by=by)
    return SheetChange(current, after, changed_attendance, posted,
                       bool(homework) and homework != before.homework, conducted_now)
