"""Generating and publishing a month (R-SCH-1, R-SCH-3) on the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, date, datetime

from scheduling_school import BRANCH, MASHA, MONDAY, OLYA, TEACHER, School

from scheduling.domain.events import LessonScheduled
from scheduling.domain.model import LessonStatus


async def test_a_month_has_one_lesson_per_occurrence_with_the_members_of_the_day(school: School) -> None:
    g = await school.group(members=(MASHA, OLYA))
    r = await school.generate()
    assert (r.created, r.existing, r.conflicts) == (4, 0, ())  # Mondays 7, 14, 21, 28 June 2027
    found = await school.lessons_of(g)
    assert [x.local_date.day for x in found] == [7, 14, 21, 28]
    first = found[0]
    assert first.starts_at == datetime(2027, 6, 7, 14, 0, tzinfo=UTC)  # 17:00 in Moscow
    assert (first.published, first.status, first.bookable) == (False, LessonStatus.SCHEDULED, True)
    assert sorted(p.student_id for p in first.participants) == [MASHA, OLYA]
    assert school.store.events_of(LessonScheduled) == []  # drafts: nothing announced yet


async def test_generating_again_adds_only_what_is_missing(school: School) -> None:
    g = await school.group()
    await school.generate()
    found = await school.lessons_of(g)
    async with school.store.uow() as uow:  # one occurrence is cancelled: it is never recreated
        found[1].cancel("holiday")
        await uow.lessons.save(found[1])
        await uow.commit()
    r = await school.generate()
    assert (r.created, r.existing) == (0, 4)


async def test_a_clash_skips_that_occurrence_names_the_other_lesson_and_keeps_the_rest(school: School) -> None:
    await school.one_off(datetime(2027, 6, 14, 14, 30, tzinfo=UTC))  # the teacher is busy on the 14th
    g = await school.group()
    r = await school.generate()
    assert (r.created, r.existing) == (3, 0)
    [conflict] = r.conflicts
    assert (conflict.local_date, conflict.group_id, conflict.error.code) == (date(2027, 6, 14), g.id,
                                                                            "TEACHER_CONFLICT")
    assert "Olga Smirnova" in conflict.error.message and "(Europe/Moscow)" in conflict.error.message
    assert [x.local_date.day for x in await school.lessons_of(g)] == [7, 21, 28]
    # The clash resolved (the other lesson moves away), generating again adds just the missing one.
    r2 = await school.generate()
    assert (r2.created, r2.existing, len(r2.conflicts)) == (0, 3, 1)


async def test_new_lessons_clash_with_each_other_earliest_first(school: School) -> None:
    a = await school.group("A")
    b = await school.group("B")  # the same teacher, the same hour
    r = await school.generate()
    assert r.created == 4 and len(r.conflicts) == 4
    assert {c.error.code for c in r.conflicts} == {"TEACHER_CONFLICT"}
    kept = {x.group_id for x in await school.lessons_of(a)} | {x.group_id for x in await school.lessons_of(b)}
    assert len(kept) == 1  # each Monday one of the two, never both


async def test_a_student_busy_elsewhere_is_a_student_conflict(school: School) -> None:
    await school.one_off(datetime(2027, 6, 7, 14, 0, tzinfo=UTC), students=(MASHA,), teacher="t2")
    await school.group(members=(MASHA,))
    r = await school.generate()
    assert [(c.local_date, c.error.code) for c in r.conflicts] == [(MONDAY, "STUDENT_CONFLICT")]


async def test_publishing_announces_each_lesson_with_its_roster_and_prices(school: School) -> None:
    await school.group(members=(MASHA, OLYA))
    await school.generate()
    p = await school.publish()
    assert (p.published, p.participants) == (4, 8)
    events = school.store.events_of(LessonScheduled)
    assert len(events) == 4
    assert {e.branch_id for e in events} == {BRANCH} and {e.teacher_id for e in events} == {TEACHER}
    wire = events[0].to_payload()  # the event's JSON: money as a decimal string with its currency
    assert {(x["student_id"], x["price"]["amount"], x["price"]["currency"]) for x in wire["participants"]} == {
        (MASHA, "1200.00", "RUB"), (OLYA, "1200.00", "RUB")}
    again = await school.publish()
    assert again.published == 0  # published once
