"""The sheet's rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from learning.domain.errors import InvalidGrade, LessonCancelled, LessonNotStarted, NotAParticipant
from learning.domain.grades import Grade, GradeScale
from learning.domain.model import Attendance, HomeworkDone, Lesson, MarkDraft, Participant, SheetDraft, record_sheet

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def lesson(**kw: object) -> Lesson:
    base = Lesson("L1", "B1", "T1", NOW - timedelta(hours=2), NOW - timedelta(hours=1), "group", "G1", "C1",
                  participants={"S1": Participant("S1", "F1", "member"), "S2": Participant("S2", "F2", "makeup")})
    for k, v in kw.items():
        setattr(base, k, v)
    return base


def draft(*marks: MarkDraft, summary: str = "Past simple", homework: str = "Ex. 4") -> SheetDraft:
    return SheetDraft("L1", summary, homework, marks)


def test_first_save_records_everything_and_emits_what_changed() -> None:
    change = record_sheet(lesson(), None, draft(MarkDraft("S1", Attendance.PRESENT, HomeworkDone.YES, "5", "Great"),
                                                MarkDraft("S2", Attendance.ABSENT)), GradeScale.FIVE_POINT,
                          now=NOW, by="T1")
    assert change.after.revision == 1
    assert {m.student_id for m in change.changed_attendance} == {"S1", "S2"}
    assert [m.student_id for m in change.posted_grades] == ["S1"]
    assert change.homework_assigned and change.conducted_now


def test_same_sheet_again_changes_nothing_and_an_edit_adds_a_revision() -> None:
    d = draft(MarkDraft("S1", Attendance.PRESENT, None, "4"))
    first = record_sheet(lesson(), None, d, GradeScale.FIVE_POINT, now=NOW, by="T1").after
    again = record_sheet(lesson(), first, d, GradeScale.FIVE_POINT, now=NOW, by="T1")
    assert not again.changed and again.after.revision == 1
    edit = record_sheet(lesson(), first, draft(MarkDraft("S1", Attendance.LATE, None, "4")), GradeScale.FIVE_POINT,
                        now=NOW, by="T1")
    assert edit.after.revision == 2 and [m.attendance for m in edit.changed_attendance] == [Attendance.LATE]
    assert edit.posted_grades == () and not edit.homework_assigned and not edit.conducted_now


def test_omitted_students_keep_their_marks() -> None:
    first = record_sheet(lesson(), None, draft(MarkDraft("S1", Attendance.PRESENT), MarkDraft("S2", Attendance.LATE)),
                         GradeScale.FIVE_POINT, now=NOW, by="T1").after
    second = record_sheet(lesson(), first, draft(MarkDraft("S1", Attendance.ABSENT)), GradeScale.FIVE_POINT,
                          now=NOW, by="T1").after
    assert second.marks["S2"].attendance is Attendance.LATE


@pytest.mark.parametrize(("bad", "error"), [
    (lambda: record_sheet(lesson(cancelled=True), None, draft(), GradeScale.FIVE_POINT, now=NOW, by="T"),
     LessonCancelled),
    (lambda: record_sheet(lesson(starts_at=NOW + timedelta(hours=2)), None, draft(), GradeScale.FIVE_POINT, now=NOW,
                          by="T"), LessonNotStarted),
    (lambda: record_sheet(lesson(), None, draft(MarkDraft("S9", Attendance.PRESENT)), GradeScale.FIVE_POINT,
                          now=NOW, by="T"), NotAParticipant),
    (lambda: record_sheet(lesson(), None, draft(MarkDraft("S1", Attendance.PRESENT, None, "6")),
                          GradeScale.FIVE_POINT, now=NOW, by="T"), InvalidGrade),
])
def test_bad_input_is_refused(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        bad()  # type: ignore[operator]


def test_scales() -> None:
    assert Grade.parse("pass", GradeScale.PASS_FAIL).percent == 100.0
    assert Grade.parse("87", GradeScale.HUNDRED_POINT).display() == "87"
    assert Grade.parse("7", GradeScale.TEN_POINT).percent == 70.0
    for raw, scale in [("4.5", GradeScale.FIVE_POINT), ("0", GradeScale.TEN_POINT), ("yes", GradeScale.PASS_FAIL),
                       ("101", GradeScale.HUNDRED_POINT), ("x", GradeScale.FIVE_POINT)]:
        with pytest.raises(InvalidGrade):
            Grade.parse(raw, scale)
