"""Three ways to make up a lesson, and a make-up member of a month published later, on the in-memory unit of work
(moved from api/test_makeups_trials.py: the same facts, asserted on the use cases' results and the events they
publish. The three ways stay also in api/test_makeups_trials.py for their GraphQL arguments)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from scheduling_school import BEFORE_JUNE, BRANCH, MASHA, OLYA, PETYA, TEACHER, School

from scheduling.domain.events import LessonScheduled, ParticipantAdded
from scheduling.domain.model import Group, ParticipantReason
from scheduling.service import catalogue, groups, lessons

WEDNESDAYS = "FREQ=WEEKLY;BYDAY=WE"


async def _group_with_a_room(school: School) -> Group:
    room = await school.run(catalogue.create_room, catalogue.CreateRoom(BRANCH, "Room 1"))
    g: Group = await school.run(groups.create_group, groups.CreateGroup(
        BRANCH, "Starters", TEACHER, 10, Decimal("1000.00"), room_id=room.id))
    await school.run(groups.add_rule, groups.AddRule(WEDNESDAYS, time(17), 60, date(2027, 6, 1), group_id=g.id))
    return g


async def test_three_ways_to_make_up_a_lesson(school: School) -> None:
    g = await _group_with_a_room(school)
    await school.generate()
    await school.publish()
    found = await school.lessons_of(g)

    # 1. Into another group's lesson, as a make-up.
    x = await school.run(lessons.add_makeup, lessons.AddMakeup(found[0].id, MASHA, now=BEFORE_JUNE))
    assert x.participant(MASHA).reason is ParticipantReason.MAKEUP  # type: ignore[union-attr]
    [added] = [e for e in school.store.events_of(ParticipantAdded) if e.lesson_id == found[0].id]
    assert (added.reason, added.student_id) == ("makeup", MASHA)
    # The place carries the make-up type, so billing charges it only if a subscription covers make-ups.
    assert (added.lesson_type, added.charged_by_default) == ("makeup", False)

    # 2. A parallel make-up lesson: same time and teacher, no room.
    parallel = await school.run(lessons.create_parallel_makeup, lessons.CreateParallelMakeup(
        found[1].id, (PETYA,), now=BEFORE_JUNE))
    assert (parallel.lesson_type, parallel.room_id, parallel.parallel_of) == ("makeup", None, found[1].id)
    assert parallel.starts_at == found[1].starts_at and parallel.teacher_id == TEACHER
    [scheduled] = [e for e in school.store.events_of(LessonScheduled) if e.lesson_id == parallel.id]
    assert scheduled.lesson_type == "makeup" and scheduled.charged_by_default is False
    assert scheduled.participants[0].reason == "makeup"

    # 3. A one-day membership.
    day = found[2].local_date
    m = await school.run(groups.add_member, groups.AddMember(g.id, OLYA, day, day, makeup=True))
    assert (m.starts_on, m.ends_on, m.reason) == (day, day, ParticipantReason.MAKEUP)
    after = {x.local_date: x for x in await school.lessons_of(g)}
    place = after[day].participant(OLYA)
    assert place is not None and place.reason is ParticipantReason.MAKEUP and place.price.amount == Decimal("1000.00")
    assert all(p.student_id != OLYA for d, x in after.items() if d != day for p in x.participants)
    one_day = [e for e in school.store.events_of(ParticipantAdded) if e.student_id == OLYA]
    assert [(e.lesson_id, e.lesson_type, e.reason) for e in one_day] == [(after[day].id, "makeup", "makeup")]


async def test_a_makeup_member_in_a_month_published_later_is_announced_with_the_makeup_type(school: School) -> None:
    g = await school.group(rrule="FREQ=WEEKLY;BYDAY=TH", start=time(17), minutes=60)
    await school.run(groups.add_member, groups.AddMember(g.id, MASHA, date(2027, 6, 1)))
    thursday = date(2027, 6, 10)
    await school.run(groups.add_member, groups.AddMember(g.id, OLYA, thursday, thursday, makeup=True))
    await school.generate()
    await school.publish()
    lesson = next(x for x in await school.lessons_of(g) if x.local_date == thursday)
    [scheduled] = [e for e in school.store.events_of(LessonScheduled) if e.lesson_id == lesson.id]
    assert [p.student_id for p in scheduled.participants] == [MASHA]
    added = [e for e in school.store.events_of(ParticipantAdded) if e.lesson_id == lesson.id]
    assert [(e.student_id, e.lesson_type, e.reason) for e in added] == [(OLYA, "makeup", "makeup")]
