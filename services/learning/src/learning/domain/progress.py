"""Progress over time (R-LRN-3, R-CAB-1) and students at risk: pure arithmetic over a student's marks.

Definitions (the cabinet shows them; tests check them against hand-computed values):
- attendance rate = (present + late) / (present + late + absent); excused absences are left out;
- average grade = mean of the grades on the course's scale (pass/fail: the share of passes, 0..1);
  average grade percent = mean of grade / scale maximum * 100;
- homework completion = mean of yes=1, partly=0.5, no=0 over the lessons where it was checked;
- the trend is the current period's value minus the previous period's (same length, just before).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from learning.domain.grades import Grade
from learning.domain.model import Attendance, HomeworkDone


@dataclass(frozen=True)
class MarkFact:
    """One student's mark on one lesson, with what is needed to group it."""

    lesson_id: str
    student_id: str
    course_id: str | None
    group_id: str | None
    starts_at: datetime
    attendance: Attendance
    homework_done: HomeworkDone | None
    grade: Grade | None


@dataclass(frozen=True)
class Metrics:
    lessons: int
    attended: int
    attendance_rate: float | None
    average_grade: float | None
    average_grade_percent: float | None
    homework_completion: float | None
    grades: int


def metrics(facts: Iterable[MarkFact]) -> Metrics:
    facts = list(facts)
    counted = [f for f in facts if f.attendance is not Attendance.EXCUSED]
    attended = sum(1 for f in facts if f.attendance.attended)
    grades = [f.grade for f in facts if f.grade is not None]
    checked = [f.homework_done for f in facts if f.homework_done is not None]
    return Metrics(
        lessons=len(facts),
        attended=attended,
        attendance_rate=_round(attended / len(counted)) if counted else None,
        average_grade=_round(sum(g.value for g in grades) / len(grades)) if grades else None,
        average_grade_percent=_round(sum(g.percent for g in grades) / len(grades)) if grades else None,
        homework_completion=_round(sum(h.credit for h in checked) / len(checked)) if checked else None,
        grades=len(grades),
    )


def _round(x: float) -> float:
    return round(x, 4)


def delta(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return _round(current - previous)


@dataclass(frozen=True)
class CourseProgress:
    course_id: str | None
    current: Metrics
    previous: Metrics

    @property
    def attendance_trend(self) -> float | None:
        return delta(self.current.attendance_rate, self.previous.attendance_rate)

    @property
    def grade_trend(self) -> float | None:
        return delta(self.current.average_grade, self.previous.average_grade)

    @property
    def homework_trend(self) -> float | None:
        return delta(self.current.homework_completion, self.previous.homework_completion)


def progress_by_course(facts: Iterable[MarkFact], start: datetime, end: datetime) -> list[CourseProgress]:
    """Per course: metrics in [start, end) and in the period of the same length just before it."""
    previous_start = start - (end - start)
    current: dict[str | None, list[MarkFact]] = defaultdict(list)
    previous: dict[str | None, list[MarkFact]] = defaultdict(list)
    for f in facts:
        if start <= f.starts_at < end:
            current[f.course_id].append(f)
        elif previous_start <= f.starts_at < start:
            previous[f.course_id].append(f)
    courses = sorted(set(current) | set(previous), key=lambda c: c or "")
    return [CourseProgress(c, metrics(current.get(c, ())), metrics(previous.get(c, ()))) for c in courses]


@dataclass(frozen=True)
class Thresholds:
    """What a school counts as 'at risk' (per branch; percentages 0..100)."""

    min_attendance_percent: float = 70.0
    min_grade_percent: float = 60.0
    window_days: int = 30


DEFAULT_THRESHOLDS = Thresholds()


def risk_reasons(m: Metrics, t: Thresholds) -> list[str]:
    reasons = []
    if m.attendance_rate is not None and m.attendance_rate * 100 < t.min_attendance_percent:
        reasons.append("low_attendance")
    if m.average_grade_percent is not None and m.average_grade_percent < t.min_grade_percent:
        reasons.append("low_grades")
    return reasons
