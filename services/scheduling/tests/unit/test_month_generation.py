"""Generating and publishing a month (R-SCH-1, R-SCH-3) on the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from scheduling_school import BRANCH, IVANOVS, MASHA, MONDAY, OLYA, OWNER, PETYA, TEACHER, School

from scheduling.domain.events import LessonScheduled
from scheduling.domain.model import Lesson, LessonStatus, StaffRef
from scheduling.service import catalogue, generation, groups


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


# Moved from api/test_month.py (PostgreSQL through GraphQL): the same facts on the use cases. generateMonth and
# publishMonth through GraphQL stay covered by api/test_month.py, test_conflicts.py and the authorization matrix.

@pytest.mark.parametrize(("zone", "utc_hours"), [
    ("Europe/Berlin", {16, 15}),  # CET 17:00 = 16:00Z; after 28 March (CEST) 17:00 = 15:00Z
    ("Asia/Novosibirsk", {10}),  # no DST: 17:00 is always 10:00Z
])
async def test_month_across_dst_keeps_wall_clock_time(school: School, zone: str, utc_hours: set[int]) -> None:
    async with school.store.uow() as uow:
        await uow.projections.upsert_branch("b-dst", "DST", zone)
        await uow.projections.upsert_staff(StaffRef("t-dst", "teacher", ("b-dst",), "Ida", "Dst"))
        await uow.commit()
    room = await school.run(catalogue.create_room, catalogue.CreateRoom("b-dst", "Room"), OWNER)
    g = await school.run(groups.create_group, groups.CreateGroup("b-dst", "DST", "t-dst", 10, Decimal("1000"),
                                                                 room_id=room.id), OWNER)
    await school.run(groups.add_rule, groups.AddRule("FREQ=WEEKLY;BYDAY=MO,WE", time(17), 90, date(2027, 3, 1),
                                                     group_id=g.id), OWNER)
    r = await school.run(generation.generate_month, generation.GenerateMonth("b-dst", "2027-03"), OWNER)
    assert r.created == 10  # Mondays 1..29 and Wednesdays 3..31 of March 2027

    async def found() -> list[Lesson]:
        async with school.store.uow() as uow:
            return await uow.lessons.of_group_between(g.id, date(2027, 3, 1), None)

    lessons, tz = await found(), ZoneInfo(zone)
    assert len(lessons) == 10
    assert {x.starts_at.astimezone(tz).strftime("%H:%M") for x in lessons} == {"17:00"}
    assert {x.starts_at.astimezone(UTC).hour for x in lessons} == utc_hours
    assert all((x.ends_at - x.starts_at).seconds == 5400 for x in lessons)
    assert sorted(x.local_date for x in lessons)[0] == date(2027, 3, 1)
    again = await school.run(generation.generate_month, generation.GenerateMonth("b-dst", "2027-03"), OWNER)
    assert (again.created, again.existing) == (0, 10)
    assert len(await found()) == 10


async def test_members_by_period_holidays_and_publishing(school: School) -> None:
    g = await school.run(groups.create_group, groups.CreateGroup(BRANCH, "Tue", TEACHER, 10, Decimal("1200.00")))
    await school.run(groups.add_rule, groups.AddRule("FREQ=WEEKLY;BYDAY=TU", time(10), 60, date(2027, 4, 1),
                                                     skip_dates=[date(2027, 4, 13)], group_id=g.id))
    for sid, frm, to in [(MASHA, date(2027, 4, 1), None), (PETYA, date(2027, 4, 1), date(2027, 4, 10)),
                         (OLYA, date(2027, 4, 20), date(2027, 4, 20))]:
        await school.run(groups.add_member, groups.AddMember(g.id, sid, frm, to))
    r = await school.generate("2027-04", group_id=g.id)
    assert r.created == 3  # Tuesdays 6, 20, 27 (13 is a holiday)
    async with school.store.uow() as uow:
        found = {x.local_date.isoformat(): x for x in await uow.lessons.of_group_between(g.id, date(2027, 4, 1), None)}
    roster = {d: sorted(p.student_id for p in x.participants) for d, x in found.items()}
    assert roster == {"2027-04-06": sorted([MASHA, PETYA]), "2027-04-20": sorted([MASHA, OLYA]),
                      "2027-04-27": [MASHA]}
    assert all(not x.published for x in found.values())

    pub = await school.publish("2027-04")
    assert (pub.published, pub.participants) == (3, 5)
    events = [e for e in school.store.events_of(LessonScheduled) if e.group_id == g.id]
    assert len(events) == 3
    first = {e.lesson_id: e for e in events}[found["2027-04-06"].id]
    assert (first.price.amount, first.price.currency) == (Decimal("1200.00"), "RUB")
    assert first.lesson_type == "group" and first.charged_by_default is True
    assert sorted((p.student_id, p.family_id, p.reason, p.price.amount) for p in first.participants) == sorted(
        [(MASHA, IVANOVS, "member", Decimal("1200.00")), (PETYA, IVANOVS, "member", Decimal("1200.00"))])
    again = await school.publish("2027-04")
    assert again.published == 0  # nothing is published twice
