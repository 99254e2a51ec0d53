"""The read use cases on in-memory read models: a student's results (past lessons page, homework over a window,
progress over a period), the group journal, students at risk and unfilled sheets, with their access rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from learning_memory import MemoryQueries, MemoryUnitOfWork

from kabinet.auth import Principal, Role
from kabinet.errors import Forbidden
from learning.domain.homework import HomeworkStatus
from learning.domain.model import Attendance, HomeworkDone, Lesson, MarkDraft, Participant, SheetDraft
from learning.domain.progress import Thresholds
from learning.service import staff_reports
from learning.service.sheets import SaveSheet, save_sheet
from learning.service.staff_reports import FindStudentsAtRisk, FindUnfilledSheets, ShowJournal, ShowThresholds
from learning.service.student_results import (
    check_student_reader,
    homework_of,
    homework_window,
    past_window,
    progress_of,
    progress_window,
    reader_scope,
)

MON = datetime(2027, 3, 1, 15, tzinfo=UTC)  # weekly lessons of group G1 from here
NOW = MON + timedelta(weeks=6, days=1)  # after the 7th lesson; lessons 8..10 are ahead
OLGA = Principal(user_id="u-olga", role=Role.TEACHER, staff_id="T1")
IVAN = Principal(user_id="u-ivan", role=Role.TEACHER, staff_id="T2")
ADMIN = Principal(user_id="u-admin", role=Role.BRANCH_ADMIN, staff_id="A1", branch_ids=frozenset({"B1"}))
OWNER = Principal(user_id="o", role=Role.OWNER)
MUM = Principal(user_id="u-mum", role=Role.GUARDIAN, family_id="F1")
OTHER_MUM = Principal(user_id="u-mum2", role=Role.GUARDIAN, family_id="F2")


def weekly(i: int) -> Lesson:
    at = MON + timedelta(weeks=i)
    return Lesson(f"L{i}", "B1", "T1", at, at + timedelta(hours=1), "group", "G1", "C1",
                  participants={"S1": Participant("S1", "F1", "member"), "S2": Participant("S2", "F2", "member")})


async def term() -> MemoryUnitOfWork:
    """Ten weekly lessons; the first seven filled: S1 always present with grades 5,4,5,...; S2 absent from the
    fourth on; homework set on each, checked at the next one."""
    uow = MemoryUnitOfWork()
    for i in range(10):
        x = weekly(i)
        await uow.projections.upsert_lesson(x, MON - timedelta(days=7))
        await uow.projections.upsert_participants(x.id, list(x.participants.values()), MON - timedelta(days=7))
    await uow.commit()
    for i in range(7):
        marks = (MarkDraft("S1", Attendance.PRESENT, HomeworkDone.YES if i % 3 else HomeworkDone.NO,
                           "5" if i % 2 == 0 else "4", f"note {i}"),
                 MarkDraft("S2", Attendance.PRESENT if i < 3 else Attendance.ABSENT))
        at = MON + timedelta(weeks=i, hours=1)
        await save_sheet(SaveSheet(SheetDraft(f"L{i}", f"Topic {i}", f"Homework {i}", marks), at),
                         uow.begin(), OLGA)
    return uow


async def test_past_lessons_come_a_page_at_a_time_newest_first() -> None:
    q = MemoryQueries(await term())
    scope = reader_scope(MUM)
    first = (await q.student_lessons([(past_window(NOW, 3, None), ["S1"])], scope)).windows[0]["S1"]
    assert [r.lesson_id for r in first] == ["L6", "L5", "L4", "L3"]  # one more than asked: there is a next page
    after = (first[2].starts_at, first[2].lesson_id)
    second = (await q.student_lessons([(past_window(NOW, 3, after), ["S1"])], scope)).windows[0]["S1"]
    assert [r.lesson_id for r in second] == ["L3", "L2", "L1", "L0"]
    assert second[0].mark is not None and second[0].mark.comment == "note 3" and second[0].summary == "Topic 3"
    assert await q.count_student_lessons("S1", scope, NOW) == 7
    assert await q.count_student_lessons("S1", reader_scope(IVAN), NOW) == 0  # not his lessons


async def test_homework_over_a_window_is_due_at_the_next_lesson_and_checked_there() -> None:
    q = MemoryQueries(await term())
    start, end = NOW - timedelta(weeks=3), NOW
    results = (await q.student_lessons([(homework_window(start, end), ["S1"])], None)).windows[0]["S1"]
    items = homework_of(results, start, end)
    assert [h.lesson_id for h in items] == ["L6", "L5", "L4"]  # set within the window only
    assert [(h.due_lesson_id, h.status, h.result) for h in items] == [
        ("L7", HomeworkStatus.OPEN, None),  # L7 is ahead: read because the window reaches past its end
        ("L6", HomeworkStatus.MISSED, HomeworkDone.NO),
        ("L5", HomeworkStatus.DONE, HomeworkDone.YES)]


async def test_progress_reads_its_period_and_the_one_before() -> None:
    q = MemoryQueries(await term())
    start, end = MON + timedelta(weeks=4), MON + timedelta(weeks=7)  # L4..L6; before it L1..L3
    window = progress_window(start, end)
    assert (window.since, window.until) == (MON + timedelta(weeks=1), end)
    s2 = (await q.student_lessons([(window, ["S2"])], None)).windows[0]["S2"]
    [course] = progress_of(s2, start, end)
    assert (course.current.lessons, course.current.attendance_rate) == (3, 0.0)
    assert (course.previous.lessons, course.previous.attendance_rate) == (3, 0.6667)  # rounded to 4 places
    assert course.attendance_trend == -0.6667


def test_a_family_reads_only_its_own_children() -> None:
    check_student_reader(MUM, "S1", "F1")
    with pytest.raises(Forbidden):
        check_student_reader(OTHER_MUM, "S1", "F1")
    check_student_reader(IVAN, "S1", "F1")  # staff: then only their own lessons (reader_scope)
    assert reader_scope(MUM) is None and reader_scope(IVAN) is not None and reader_scope(IVAN).teacher_id == "T2"


async def test_the_group_journal_shows_the_teachers_lessons_students_by_lessons() -> None:
    q = MemoryQueries(await term())
    journal = await staff_reports.group_journal(ShowJournal("G1", MON, MON + timedelta(weeks=3)), q, OLGA)
    assert [x.lesson_id for x in journal.lessons] == ["L0", "L1", "L2"] and all(x.filled for x in journal.lessons)
    assert [r.student_id for r in journal.rows] == ["S1", "S2"]
    s1 = journal.rows[0]
    assert [(c.attendance, c.grade.display() if c.grade else None) for c in s1.cells] == [
        (Attendance.PRESENT, "5"), (Attendance.PRESENT, "4"), (Attendance.PRESENT, "5")]
    assert (await staff_reports.group_journal(ShowJournal("G1", None, None), q, IVAN)).lessons == []
    with pytest.raises(Forbidden):
        await staff_reports.group_journal(ShowJournal("G1", None, None), q, MUM)


async def test_students_at_risk_follow_the_branchs_thresholds_and_window() -> None:
    uow = await term()
    q = MemoryQueries(uow)
    at_risk = await staff_reports.students_at_risk(FindStudentsAtRisk(NOW, None, None), q, ADMIN)
    assert [(s.student_id, s.reasons) for s in at_risk] == [("S2", ["low_attendance"])]
    uow.committed_store.thresholds["B1"] = Thresholds(0, 95, 60)
    strict = await staff_reports.students_at_risk(FindStudentsAtRisk(NOW, "B1", None), q, ADMIN)
    assert [(s.student_id, s.reasons) for s in strict] == [("S1", ["low_grades"])]
    with pytest.raises(Forbidden):
        await staff_reports.students_at_risk(FindStudentsAtRisk(NOW, "B9", None), q, ADMIN)


async def test_unfilled_sheets_are_the_ended_lessons_without_a_complete_sheet() -> None:
    uow = await term()
    later = MON + timedelta(weeks=9, days=1)  # L7 and L8 ended unfilled; L9 too
    q = MemoryQueries(uow)
    assert await staff_reports.unfilled_sheets(FindUnfilledSheets(later, None, 50), q, OLGA) == ["L9", "L8", "L7"]
    assert await staff_reports.unfilled_sheets(FindUnfilledSheets(later, None, 2), q, OLGA) == ["L9", "L8"]
    assert await staff_reports.unfilled_sheets(FindUnfilledSheets(later, None, 50), q, IVAN) == []
    with pytest.raises(Forbidden):
        await staff_reports.unfilled_sheets(FindUnfilledSheets(later, "T1", 50), q, IVAN)
    assert await staff_reports.unfilled_sheets(FindUnfilledSheets(later, "T1", 50), q, ADMIN) == ["L9", "L8", "L7"]
    assert await staff_reports.thresholds_for(ShowThresholds("B1"), q, OWNER) == (await q.thresholds(["B1"]))["B1"]
