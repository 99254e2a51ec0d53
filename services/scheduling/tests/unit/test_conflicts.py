"""Conflicts and capacity on the in-memory unit of work: a teacher, a room or a student in two lessons at once is
refused with a typed error naming the clash; capacity is enforced; a move or cancel of one or all following
lessons. (Moved from api/test_conflicts.py: the same facts, asserted on the use cases' results and errors.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from scheduling_school import BRANCH, MASHA, OLYA, PETYA, TEACHER, TEACHER_2, School

from kabinet.errors import KabinetError
from scheduling.domain.model import Group, Lesson, LessonStatus
from scheduling.service import catalogue, generation, groups, lessons

AT = datetime(2027, 6, 7, 14, tzinfo=UTC)  # 17:00 in Moscow


def _lesson(*, teacher: str = TEACHER, starts: datetime = AT, minutes: int = 60, room: str | None = None,
            students: tuple[str, ...] = ()) -> lessons.CreateLesson:
    from datetime import timedelta

    return lessons.CreateLesson(BRANCH, teacher, "individual", starts, starts + timedelta(minutes=minutes),
                                Decimal("1500"), room_id=room, student_ids=students)


async def _refused(school: School, cmd: lessons.CreateLesson) -> KabinetError:
    with pytest.raises(KabinetError) as refused:
        await school.run(lessons.create_lesson, cmd)
    return refused.value


async def test_teacher_room_and_student_clashes_are_refused_naming_the_clash(school: School) -> None:
    room = (await school.run(catalogue.create_room, catalogue.CreateRoom(BRANCH, "Room 1"))).id
    first = (await school.run(lessons.create_lesson, _lesson(room=room, students=(MASHA,)))).id

    teacher = await _refused(school, _lesson(starts=datetime(2027, 6, 7, 14, 30, tzinfo=UTC), students=(OLYA,)))
    assert teacher.code == "TEACHER_CONFLICT" and teacher.field == "teacherId"
    # The other lesson by what a person knows it as, with the branch-local time and the zone (not its id).
    assert teacher.message == ("The teacher already has an individual lesson with Olga Smirnova at "
                               "2027-06-07 17:00–18:00 (Europe/Moscow)."), teacher.message

    room_clash = await _refused(school, _lesson(teacher=TEACHER_2, room=room, students=(OLYA,)))
    assert room_clash.code == "ROOM_CONFLICT" and "17:00–18:00 (Europe/Moscow)" in room_clash.message
    assert first not in room_clash.message

    student = await _refused(school, _lesson(teacher=TEACHER_2, students=(MASHA,)))
    assert student.code == "STUDENT_CONFLICT" and "Olga Smirnova" in student.message
    assert "(Europe/Moscow)" in student.message

    # Back to back is not a clash.
    await school.run(lessons.create_lesson, _lesson(room=room, students=(MASHA,),
                                                    starts=datetime(2027, 6, 7, 15, tzinfo=UTC)))
    # Refused input changed nothing.
    assert len(school.store.tables.lessons) == 2


async def test_generation_creates_what_does_not_clash_and_reports_each_clash(school: School) -> None:
    """Issue #11 point 18: one clashing occurrence used to block the whole month (0 created)."""
    await school.group("Starters", rrule="FREQ=WEEKLY;BYDAY=MO", start=time(17), minutes=90)
    g2 = await school.group("Seniors", rrule="FREQ=WEEKLY;BYDAY=MO,WE", start=time(18), minutes=60)
    got = await school.generate()
    # June 2027: four Mondays (Starters at 17:00 holds the teacher) and five Wednesdays (free).
    assert got.created == 4 + 5
    assert [(c.local_date, c.group_id, c.error.code) for c in got.conflicts] == [
        (date(2027, 6, d), g2.id, "TEACHER_CONFLICT") for d in (7, 14, 21, 28)]
    first = got.conflicts[0].error.message
    assert "«Starters" in first and "2027-06-07 17:00–18:30 (Europe/Moscow)" in first, first
    assert len(school.store.tables.lessons) == 9
    again = await school.generate()
    assert again.created == 0 and len(again.conflicts) == 4


async def _member(school: School, group: Group, student: str, day: int) -> None:
    await school.run(groups.add_member, groups.AddMember(group.id, student, date(2027, 7, day)))


async def test_student_in_two_groups_at_once_and_capacity(school: School) -> None:
    g1 = await school.group("A", capacity=2, rrule="FREQ=WEEKLY;BYDAY=TH", start=time(17), minutes=60)
    g2 = await school.group("B", teacher=TEACHER_2, rrule="FREQ=WEEKLY;BYDAY=TH", start=time(17, 30), minutes=60)
    await school.generate("2027-07")
    await _member(school, g1, MASHA, 1)
    for group, student, day, code in ((g2, MASHA, 1, "STUDENT_CONFLICT"), (g1, PETYA, 1, None),
                                      (g1, OLYA, 10, "CAPACITY_EXCEEDED"), (g1, MASHA, 5, "ALREADY_MEMBER")):
        if code is None:
            await _member(school, group, student, day)
            continue
        with pytest.raises(KabinetError) as refused:
            await _member(school, group, student, day)
        assert refused.value.code == code


async def _august(school: School, group: Group) -> list[Lesson]:
    async with school.store.uow() as uow:
        return await uow.lessons.of_group_between(group.id, date(2027, 8, 1), date(2027, 8, 31))


async def test_move_and_cancel_one_or_all_following(school: School) -> None:
    g = await school.group(rrule="FREQ=WEEKLY;BYDAY=FR", start=time(16), minutes=60)
    await school.generate("2027-08")
    found = await _august(school, g)
    assert [x.local_date.day for x in found] == [6, 13, 20, 27]
    one = await school.run(lessons.move_lesson, lessons.MoveLesson(
        found[0].id, datetime(2027, 8, 5, 13, tzinfo=UTC), datetime(2027, 8, 5, 14, tzinfo=UTC)))
    assert len(one) == 1
    following = await school.run(lessons.move_lesson, lessons.MoveLesson(
        found[1].id, datetime(2027, 8, 13, 14, tzinfo=UTC), datetime(2027, 8, 13, 15, 30, tzinfo=UTC),
        lessons.Scope.FOLLOWING))
    assert len(following) == 3
    after = await _august(school, g)
    assert [x.starts_at.astimezone(UTC).strftime("%H:%M") for x in after] == ["13:00", "14:00", "14:00", "14:00"]
    cancelled = await school.run(lessons.cancel_lesson, lessons.CancelLesson(after[2].id, "holiday",
                                                                             lessons.Scope.FOLLOWING))
    assert [x.status for x in cancelled] == [LessonStatus.CANCELLED, LessonStatus.CANCELLED]
    # Regenerating never resurrects a moved or cancelled occurrence.
    again: generation.GenerationResult = await school.generate("2027-08")
    assert again.created == 0
