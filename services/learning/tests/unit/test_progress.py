"""Progress, trend, at-risk and homework status against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning.domain.grades import Grade, GradeScale
from learning.domain.homework import HomeworkStatus, StudentLessonFact, homework_items
from learning.domain.model import Attendance as A
from learning.domain.model import HomeworkDone as H
from learning.domain.progress import MarkFact, Thresholds, progress_by_course, risk_reasons

END = datetime(2026, 3, 31, tzinfo=UTC)
START = END - timedelta(days=30)


def fact(day: int, att: A, hw: H | None = None, grade: int | None = None, course: str = "C1") -> MarkFact:
    return MarkFact(f"L{day}", "S1", course, "G1", START + timedelta(days=day), att, hw,
                    Grade(grade, GradeScale.FIVE_POINT) if grade is not None else None)


def test_progress_and_trend_match_hand_computed_values() -> None:
    facts = [
        # current period: 3 attended of 4 counted (the excused one is left out) = 0.75;
        # grades 5, 4, 3 -> 4.0 (80 %); homework yes, partly, no -> (1 + 0.5 + 0) / 3 = 0.5
        fact(1, A.PRESENT, H.YES, 5), fact(5, A.LATE, H.PARTLY, 4), fact(9, A.PRESENT, H.NO, 3),
        fact(13, A.ABSENT), fact(17, A.EXCUSED),
        # previous period: 2 of 2 attended = 1.0; grades 5, 5 -> 5.0; homework yes, yes -> 1.0
        fact(-3, A.PRESENT, H.YES, 5), fact(-10, A.PRESENT, H.YES, 5),
        # before the previous period: ignored
        fact(-40, A.ABSENT, H.NO, 1),
    ]
    [c] = progress_by_course(facts, START, END)
    assert (c.current.lessons, c.current.attended) == (5, 3)
    assert c.current.attendance_rate == 0.75
    assert c.current.average_grade == 4.0 and c.current.average_grade_percent == 80.0
    assert c.current.homework_completion == 0.5
    assert (c.previous.attendance_rate, c.previous.average_grade, c.previous.homework_completion) == (1.0, 5.0, 1.0)
    assert (c.attendance_trend, c.grade_trend, c.homework_trend) == (-0.25, -1.0, -0.5)


def test_at_risk_reasons_follow_the_thresholds() -> None:
    [c] = progress_by_course([fact(1, A.ABSENT), fact(2, A.PRESENT, None, 2), fact(3, A.ABSENT)], START, END)
    assert risk_reasons(c.current, Thresholds(70, 60)) == ["low_attendance", "low_grades"]
    assert risk_reasons(c.current, Thresholds(30, 40)) == []


def test_homework_is_due_at_the_next_lesson_of_the_series() -> None:
    t = START
    facts = [
        StudentLessonFact("L1", "G1", "C1", t, "Ex. 1", None),
        StudentLessonFact("L2", "G1", "C1", t + timedelta(days=2), "Ex. 2", H.PARTLY),
        StudentLessonFact("L3", "G1", "C1", t + timedelta(days=4), "Ex. 3", H.NO),
        StudentLessonFact("L4", "G1", "C1", t + timedelta(days=6), "", None),
    ]
    items = {h.lesson_id: h for h in homework_items(facts)}
    assert items["L1"].status is HomeworkStatus.DONE and items["L1"].due_lesson_id == "L2"
    assert items["L2"].status is HomeworkStatus.MISSED
    assert items["L3"].status is HomeworkStatus.OPEN and items["L3"].due_lesson_id == "L4"
