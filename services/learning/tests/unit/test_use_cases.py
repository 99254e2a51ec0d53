"""The write use cases on the in-memory unit of work: saving a sheet (attendance, grades, homework, idempotency,
revisions, access) and the school's settings. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from learning_memory import MemoryUnitOfWork

from kabinet.auth import Principal, Role
from kabinet.errors import Forbidden, IdempotencyKeyReused
from learning.domain.errors import (
    InvalidGrade,
    InvalidThreshold,
    LessonCancelled,
    LessonNotFound,
    LessonNotStarted,
    NotAParticipant,
    StaleRevision,
)
from learning.domain.events import AttendanceMarked, GradePosted, HomeworkAssigned, LessonConducted
from learning.domain.grades import GradeScale
from learning.domain.model import Attendance, HomeworkDone, Lesson, MarkDraft, Participant, SheetDraft
from learning.domain.progress import Thresholds
from learning.service.school_settings import SetCourseScale, SetThresholds, set_course_scale, set_thresholds
from learning.service.sheets import SaveSheet, save_sheet

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)
OLGA = Principal(user_id="u-olga", role=Role.TEACHER, staff_id="T1")
IVAN = Principal(user_id="u-ivan", role=Role.TEACHER, staff_id="T2")
ADMIN = Principal(user_id="u-admin", role=Role.BRANCH_ADMIN, staff_id="A1", branch_ids=frozenset({"B1"}))
OTHER_ADMIN = Principal(user_id="u-admin2", role=Role.BRANCH_ADMIN, staff_id="A2", branch_ids=frozenset({"B2"}))
OWNER = Principal(user_id="u-owner", role=Role.OWNER)
MUM = Principal(user_id="u-mum", role=Role.GUARDIAN, family_id="F1")


def lesson(lesson_id: str = "L1", starts_at: datetime = NOW - timedelta(hours=2), **kw: object) -> Lesson:
    base = Lesson(lesson_id, "B1", "T1", starts_at, starts_at + timedelta(hours=1), "group", "G1", "C1",
                  participants={"S1": Participant("S1", "F1", "member"), "S2": Participant("S2", "F2", "member")})
    for k, v in kw.items():
        setattr(base, k, v)
    return base


async def school(*lessons: Lesson) -> MemoryUnitOfWork:
    uow = MemoryUnitOfWork()
    for x in lessons or (lesson(),):
        await uow.projections.upsert_lesson(x, NOW - timedelta(days=30))
        await uow.projections.upsert_participants(x.id, list(x.participants.values()), NOW - timedelta(days=30))
        if x.cancelled:
            await uow.projections.cancel(x.id)
    await uow.commit()
    uow.published.clear()
    return uow


def cmd(*marks: MarkDraft, lesson_id: str = "L1", homework: str = "Ex. 4 p. 12", **kw: object) -> SaveSheet:
    return SaveSheet(SheetDraft(lesson_id, "Past simple", homework, marks), NOW, **kw)  # type: ignore[arg-type]


async def test_a_first_save_stores_the_sheet_and_publishes_attendance_grades_homework_and_conducted() -> None:
    uow = await school(lesson(), lesson("L2", NOW + timedelta(days=2)))
    saved = await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, HomeworkDone.YES, "5", "Great"),
                                 MarkDraft("S2", Attendance.ABSENT)), uow.begin(), OLGA)
    assert saved.changed and saved.sheet.revision == 1 and uow.commits == 2  # the set-up's and the save's
    stored = uow.committed_store.sheets["L1"]
    assert stored.marks["S1"].grade is not None and stored.marks["S1"].grade.display() == "5"
    assert stored.marks["S1"].comment == "Great" and stored.updated_by == "T1"
    assert [(e.student_id, e.status, e.family_id, e.revision) for e in uow.events(AttendanceMarked)] == [
        ("S1", "present", "F1", 1), ("S2", "absent", "F2", 1)]
    assert [(e.student_id, e.grade, e.scale) for e in uow.events(GradePosted)] == [("S1", "5", "five_point")]
    assert [(e.text, e.due_lesson_id, e.student_ids) for e in uow.events(HomeworkAssigned)] == [
        ("Ex. 4 p. 12", "L2", ["S1", "S2"])]
    assert [e.teacher_id for e in uow.events(LessonConducted)] == ["T1"]
    assert [r.revision for r in uow.committed_store.revisions["L1"]] == [1]


async def test_an_edit_publishes_only_what_changed_and_the_same_sheet_again_nothing() -> None:
    uow = await school()
    marks = (MarkDraft("S1", Attendance.PRESENT, None, "4"), MarkDraft("S2", Attendance.PRESENT))
    await save_sheet(cmd(*marks), uow.begin(), OLGA)
    uow.published.clear()
    again = await save_sheet(cmd(*marks), uow.begin(), OLGA)
    assert not again.changed and again.sheet.revision == 1 and uow.published == []
    edited = await save_sheet(cmd(MarkDraft("S1", Attendance.LATE, None, "4"), marks[1]), uow.begin(), OLGA)
    assert edited.sheet.revision == 2
    assert [(e.student_id, e.status, e.revision) for e in uow.published] == [("S1", "late", 2)]
    assert [r.revision for r in uow.committed_store.revisions["L1"]] == [1, 2]


async def test_a_student_left_out_keeps_their_mark() -> None:
    uow = await school()
    await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "5"), MarkDraft("S2", Attendance.ABSENT)),
                     uow.begin(), OLGA)
    await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "3")), uow.begin(), OLGA)
    marks = uow.committed_store.sheets["L1"].marks
    assert marks["S2"].attendance is Attendance.ABSENT
    assert marks["S1"].grade is not None and marks["S1"].grade.display() == "3"


async def test_a_retry_with_the_same_key_returns_the_first_result_and_another_sheet_is_refused() -> None:
    uow = await school()
    first = await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), idempotency_key="k1"), uow.begin(), OLGA)
    uow.published.clear()
    retry = await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), idempotency_key="k1"), uow.begin(), OLGA)
    assert retry.replayed and not retry.changed and retry.sheet.revision == first.sheet.revision == 1
    assert uow.published == []
    with pytest.raises(IdempotencyKeyReused):
        await save_sheet(cmd(MarkDraft("S1", Attendance.ABSENT), idempotency_key="k1"), uow.begin(), OLGA)
    assert uow.committed_store.sheets["L1"].marks["S1"].attendance is Attendance.PRESENT


async def test_a_save_over_a_newer_revision_is_refused() -> None:
    uow = await school()
    await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT)), uow.begin(), OLGA)
    with pytest.raises(StaleRevision):
        await save_sheet(cmd(MarkDraft("S1", Attendance.ABSENT), expected_revision=0), uow.begin(), ADMIN)
    ok = await save_sheet(cmd(MarkDraft("S1", Attendance.ABSENT), expected_revision=1), uow.begin(), ADMIN)
    assert ok.sheet.revision == 2 and ok.sheet.updated_by == "A1"


async def test_who_may_save_a_sheet() -> None:
    uow = await school()
    for who in (IVAN, OTHER_ADMIN, MUM):
        with pytest.raises(Forbidden):
            await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT)), uow.begin(), who)
    replaced = await school(lesson(teacher_id="T2", original_teacher_id="T1"))
    assert (await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT)), replaced.begin(), IVAN)).changed
    assert (await save_sheet(cmd(MarkDraft("S2", Attendance.PRESENT)), replaced.begin(), OLGA)).changed
    assert (await save_sheet(cmd(MarkDraft("S1", Attendance.LATE)), uow.begin(), OWNER)).changed
    assert uow.commits == 2  # the set-up and the owner's save: nothing refused was committed


async def test_an_unknown_lesson_is_forbidden_as_one_not_yours_but_for_the_owner() -> None:
    uow = await school()
    with pytest.raises(LessonNotFound):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), lesson_id="nope"), uow.begin(), OWNER)
    for who in (ADMIN, OLGA, MUM):
        with pytest.raises(Forbidden):
            await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), lesson_id="nope"), uow.begin(), who)


async def test_the_lesson_and_the_draft_are_checked_before_anything_changes() -> None:
    uow = await school(lesson(), lesson("L9", cancelled=True), lesson("L3", NOW + timedelta(hours=2)))
    with pytest.raises(LessonCancelled):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), lesson_id="L9"), uow.begin(), OLGA)
    with pytest.raises(LessonNotStarted):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), lesson_id="L3"), uow.begin(), OLGA)
    opened_early = cmd(MarkDraft("S1", Attendance.PRESENT), lesson_id="L3", open_before=timedelta(hours=3))
    assert (await save_sheet(opened_early, uow.begin(), OLGA)).changed
    with pytest.raises(NotAParticipant):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT), MarkDraft("S7", Attendance.PRESENT)),
                         uow.begin(), OLGA)
    with pytest.raises(InvalidGrade):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "7")), uow.begin(), OLGA)
    assert "L1" not in uow.committed_store.sheets


async def test_grades_follow_the_courses_scale() -> None:
    uow = await school()
    await set_course_scale(SetCourseScale("C1", GradeScale.HUNDRED_POINT, NOW), uow.begin(), OWNER)
    await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "87")), uow.begin(), OLGA)
    assert [(e.grade, e.scale) for e in uow.events(GradePosted)] == [("87", "hundred_point")]


async def test_a_course_scale_is_set_by_the_owner_or_an_admin_where_the_course_is_taught() -> None:
    uow = await school()
    done = await set_course_scale(SetCourseScale("C1", GradeScale.PASS_FAIL, NOW), uow.begin(), ADMIN)
    assert (done.course_id, done.scale) == ("C1", GradeScale.PASS_FAIL)
    assert uow.committed_store.scales == {"C1": GradeScale.PASS_FAIL}
    for who in (OTHER_ADMIN, OLGA):
        with pytest.raises(Forbidden):
            await set_course_scale(SetCourseScale("C1", GradeScale.TEN_POINT, NOW), uow.begin(), who)
    await set_course_scale(SetCourseScale("C-new", GradeScale.TEN_POINT, NOW), uow.begin(), OWNER)
    assert uow.committed_store.scales == {"C1": GradeScale.PASS_FAIL, "C-new": GradeScale.TEN_POINT}


async def test_thresholds_are_checked_and_set_by_the_branchs_admins() -> None:
    uow = await school()
    done = await set_thresholds(SetThresholds("B1", Thresholds(70, 60, 14), NOW), uow.begin(), ADMIN)
    assert done.thresholds == uow.committed_store.thresholds["B1"] == Thresholds(70, 60, 14)
    with pytest.raises(Forbidden):
        await set_thresholds(SetThresholds("B1", Thresholds(10, 10, 14), NOW), uow.begin(), OTHER_ADMIN)
    for bad, where in ((Thresholds(101, 60, 14), "minAttendancePercent"), (Thresholds(70, -1, 14), "minGradePercent"),
                       (Thresholds(70, 60, 0), "windowDays")):
        with pytest.raises(InvalidThreshold) as refused:
            await set_thresholds(SetThresholds("B1", bad, NOW), uow.begin(), OWNER)
        assert refused.value.field == where
    assert uow.committed_store.thresholds == {"B1": Thresholds(70, 60, 14)}


async def test_a_refused_save_keeps_no_key_and_a_key_is_per_lesson() -> None:
    uow = await school(lesson(), lesson("L2"))
    with pytest.raises(InvalidGrade):
        await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "7"), idempotency_key="k"), uow.begin(), OLGA)
    fixed = await save_sheet(cmd(MarkDraft("S1", Attendance.PRESENT, None, "5"), idempotency_key="k"), uow.begin(),
                             OLGA)
    assert fixed.changed and not fixed.replayed
    other = await save_sheet(cmd(MarkDraft("S1", Attendance.ABSENT), lesson_id="L2", idempotency_key="k"),
                             uow.begin(), OLGA)
    assert other.changed and not other.replayed
