"""Lesson status, one-off lessons, make-ups and the family's one trial (R-SCH-2, R-SCH-5, R-SCH-6) in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from scheduling_school import BEFORE_JUNE, BRANCH, MASHA, OLYA, PETYA, TEACHER, School

from kabinet.errors import IdempotencyKeyReused, KabinetError
from kabinet.events import Envelope
from scheduling.domain.events import (
    LessonCancelled,
    LessonRescheduled,
    LessonScheduled,
    ParticipantAdded,
    ParticipantRemoved,
)
from scheduling.domain.model import LessonStatus, ParticipantReason
from scheduling.service import lesson_status, lessons, trials
from scheduling.service.handlers import HANDLERS
from scheduling.service.inbound_events import AttendanceMarkedV1, LessonConductedV1

AT = datetime(2027, 6, 9, 12, tzinfo=UTC)


async def _handle(school: School, routing_key: str, payload: dict[str, object]) -> None:
    async with school.store.uow() as uow:
        await HANDLERS.handle(uow, [Envelope(type=routing_key.rsplit(".", 1)[0], version=1, producer="learning",
                                              payload=payload)])
        await uow.commit()


async def test_a_lesson_is_conducted_when_its_sheet_is_saved_and_missed_when_none_came(school: School) -> None:
    await school.group()
    await school.generate()
    await school.publish()
    async with school.store.uow() as uow:
        found = await uow.lessons.unpublished_between(BRANCH, date(2027, 6, 1), date(2027, 6, 30))
        assert found == []
    lessons_ = sorted(school.store.tables.lessons.values(), key=lambda x: x.starts_at)
    await _handle(school, LessonConductedV1.routing_key(), {"lesson_id": lessons_[0].id})
    # The job, a day after the last lesson: 48 hours have not passed for it yet.
    marked = await lesson_status.mark_missed_lessons(school.store.uow, lessons_[-1].ends_at + timedelta(days=1))
    assert marked == 2
    statuses = [(await school.lesson(x.id)).status for x in lessons_]
    assert statuses == [LessonStatus.CONDUCTED, LessonStatus.MISSED, LessonStatus.MISSED, LessonStatus.SCHEDULED]
    # A sheet saved late still makes a missed lesson conducted.
    await _handle(school, LessonConductedV1.routing_key(), {"lesson_id": lessons_[1].id})
    assert (await school.lesson(lessons_[1].id)).status is LessonStatus.CONDUCTED


async def test_the_sheet_deadline_is_per_branch_and_bounded(school: School) -> None:
    assert await school.run(lesson_status.set_sheet_deadline, lesson_status.SetSheetDeadline(BRANCH, 2)) == 2
    with pytest.raises(KabinetError) as bad:
        await school.run(lesson_status.set_sheet_deadline, lesson_status.SetSheetDeadline(BRANCH, 0))
    assert bad.value.code == "INVALID_INPUT"


async def test_a_retry_with_the_same_key_returns_the_first_lesson_and_another_request_is_refused(
        school: School) -> None:
    first = await school.one_off(AT, key="k1")
    again = await school.one_off(AT, key="k1")
    assert again.id == first.id and len(school.store.tables.lessons) == 1
    assert len(school.store.events_of(LessonScheduled)) == 1
    with pytest.raises(IdempotencyKeyReused):
        await school.one_off(AT + timedelta(hours=3), key="k1")


async def test_moving_all_following_keeps_the_rule_and_announces_published_ones(school: School) -> None:
    g = await school.group()
    await school.generate()
    await school.publish()
    found = await school.lessons_of(g)
    moved = await school.run(lessons.move_lesson, lessons.MoveLesson(
        found[1].id, found[1].starts_at + timedelta(hours=1), found[1].ends_at + timedelta(hours=1),
        lessons.Scope.FOLLOWING))
    assert [x.local_date.day for x in moved] == [14, 21, 28]
    assert [x.starts_at.hour for x in await school.lessons_of(g)] == [14, 15, 15, 15]
    assert len(school.store.events_of(LessonRescheduled)) == 3
    cancelled = await school.run(lessons.cancel_lesson, lessons.CancelLesson(found[3].id, "holiday"))
    assert [x.status for x in cancelled] == [LessonStatus.CANCELLED]
    assert len(school.store.events_of(LessonCancelled)) == 1


async def test_a_makeup_place_is_announced_as_a_makeup_and_a_parallel_makeup_needs_no_room(school: School) -> None:
    g = await school.group(members=(MASHA,))
    await school.generate()
    await school.publish()
    lesson = (await school.lessons_of(g))[0]
    x = await school.run(lessons.add_makeup, lessons.AddMakeup(lesson.id, OLYA, now=BEFORE_JUNE))
    assert x.participant(OLYA) is not None and x.participant(OLYA).reason is ParticipantReason.MAKEUP  # type: ignore[union-attr]
    [added] = school.store.events_of(ParticipantAdded)
    assert (added.student_id, added.lesson_type, added.charged_by_default) == (OLYA, "makeup", False)
    parallel = await school.run(lessons.create_parallel_makeup, lessons.CreateParallelMakeup(
        lesson.id, (PETYA,), now=BEFORE_JUNE))
    assert (parallel.parallel_of, parallel.room_id, parallel.teacher_id) == (lesson.id, None, TEACHER)
    assert [p.student_id for p in parallel.participants] == [PETYA]


async def test_one_free_trial_per_family(school: School) -> None:
    lesson = await school.one_off(AT, kind="trial", bookable=True)
    x = await school.run(trials.record_trial, trials.RecordTrial(lesson.id, MASHA, now=BEFORE_JUNE))
    assert [(p.student_id, p.reason, p.price.amount) for p in x.participants] == [
        (MASHA, ParticipantReason.TRIAL, 0)]
    with pytest.raises(KabinetError) as used:  # Petya is Masha's brother: the family's trial is gone
        await school.run(trials.record_trial, trials.RecordTrial(lesson.id, PETYA, now=BEFORE_JUNE))
    assert used.value.code == "TRIAL_ALREADY_USED"


async def test_a_sheets_marks_in_one_batch_give_each_family_one_trial(school: School) -> None:
    """A sheet's save marks all its students at once; handled as one run (each lesson read once, the families'
    trials in one statement), a family still gets one trial - its first present mark's - and an absent student
    none."""
    g = await school.group(members=(MASHA, PETYA, OLYA))
    await school.generate()
    await school.publish()
    first = (await school.lessons_of(g))[0]
    marks = [(MASHA, "present"), (PETYA, "late"), (OLYA, "absent")]
    async with school.store.uow() as uow:
        await HANDLERS.handle(uow, [Envelope(type=AttendanceMarkedV1.routing_key().rsplit(".", 1)[0], version=1,
                                             producer="learning",
                                             payload={"lesson_id": first.id, "student_id": s, "status": status})
                                    for s, status in marks])
        await uow.commit()
    lesson = await school.lesson(first.id)
    assert [(s, lesson.participant(s).reason) for s, _ in marks] == [  # type: ignore[union-attr]
        (MASHA, ParticipantReason.TRIAL), (PETYA, ParticipantReason.MEMBER), (OLYA, ParticipantReason.MEMBER)]
    assert [(e.student_id, e.reason) for e in school.store.events_of(ParticipantAdded)] == [(MASHA, "trial")]


async def test_a_new_members_first_attendance_becomes_the_familys_trial(school: School) -> None:
    g = await school.group(members=(OLYA,))
    await school.generate()
    await school.publish()
    first, second = (await school.lessons_of(g))[:2]
    await _handle(school, AttendanceMarkedV1.routing_key(),
                  {"lesson_id": first.id, "student_id": OLYA, "status": "present"})
    assert (await school.lesson(first.id)).participant(OLYA).reason is ParticipantReason.TRIAL  # type: ignore[union-attr]
    assert [e.reason for e in school.store.events_of(ParticipantRemoved)] == ["member"]
    assert [e.reason for e in school.store.events_of(ParticipantAdded)] == ["trial"]
    # The second attendance changes nothing: the trial is used.
    await _handle(school, AttendanceMarkedV1.routing_key(),
                  {"lesson_id": second.id, "student_id": OLYA, "status": "present"})
    assert (await school.lesson(second.id)).participant(OLYA).reason is ParticipantReason.MEMBER  # type: ignore[union-attr]
