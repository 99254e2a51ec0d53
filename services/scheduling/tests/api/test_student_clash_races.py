"""A student's own timetable under concurrency on PostgreSQL: requests sent at once that each put one student into
overlapping lessons - of different teachers, so the teachers' turns do not order them - each checked the student's
lessons, then wrote. Without the student's turn all of them passed and the child was in several places at once.
Now exactly one wins and the others get STUDENT_CONFLICT; different students at the same time all go through."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    CLASH_CREATE_LESSON,
    CLASH_OPEN_SLOT,
    GENERATE,
    PUBLISH,
    RACED_MONTHS,
    Env,
    World,
    add_rule,
    create_group,
    generate_beside_a_lesson,
    lesson_input,
    lessons_of,
    make_world,
    ok,
    outcome,
)

pytestmark = pytest.mark.integration

ROUNDS = 3  # each round is a fresh race; one double booking in any of them fails the test
KINDS = ("createLesson", "addMakeupParticipant", "createParallelMakeup", "bookPlace", "bookSlot", "moveLesson",
         "recordTrial", "createLesson")  # every way a student is put into a lesson; one teacher each

MAKEUP = """mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) {
  lesson { id } errors { field code } } }"""
PARALLEL = """mutation($l: ID!, $s: [ID!]!) { createParallelMakeup(lessonId: $l, studentIds: $s) {
  lesson { id } errors { field code } } }"""
BOOK_PLACE = """mutation($l: ID!, $s: ID!) { bookPlace(lessonId: $l, studentId: $s) {
  booking { id } errors { field code } } }"""
BOOK_SLOT = """mutation($t: ID!, $s: ID!) { bookSlot(slotId: $t, studentId: $s) {
  booking { id } errors { field code } } }"""
MOVE = """mutation($id: ID!, $s: DateTime!, $e: DateTime!) { moveLesson(lessonId: $id, startsAt: $s, endsAt: $e) {
  lessons { id } errors { field code } } }"""
TRIAL = """mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) {
  lesson { id } errors { field code } } }"""


async def _lesson(env: Env, w: World, data: dict[str, Any]) -> str:
    return str(ok(await env.gql(w.admin, CLASH_CREATE_LESSON, {"input": data}), "createLesson")["lesson"]["id"])


async def _racer(env: Env, w: World, kind: str, teacher: int, student: str, hour: int, minute: int, away: int
                 ) -> Awaitable[dict[str, Any]]:
    """The request that puts ``student`` into a lesson of teacher ``teacher`` at ``hour``:``minute`` (lesson_input's
    clock), with what it needs made first; ``away``: an hour of the clock, far from the race, for the lesson moved."""
    at = lesson_input(w.branch_id, w.teachers[teacher], hour, minute)
    guardian = w.guardian(w.family_of(student))
    if kind == "createLesson":
        return env.gql(w.admin, CLASH_CREATE_LESSON, {"input": {**at, "studentIds": [student]}})
    if kind == "addMakeupParticipant":
        return env.gql(w.admin, MAKEUP, {"l": await _lesson(env, w, {**at, "lessonType": "makeup", "capacity": 4}),
                                         "s": student})
    if kind == "createParallelMakeup":
        return env.gql(w.admin, PARALLEL, {"l": await _lesson(env, w, at), "s": [student]})
    if kind == "bookPlace":
        place = await _lesson(env, w, {**at, "lessonType": "makeup", "capacity": 4, "bookable": True})
        return env.gql(guardian, BOOK_PLACE, {"l": place, "s": student})
    if kind == "bookSlot":
        slot = ok(await env.gql(w.admin, CLASH_OPEN_SLOT, {"input": at}), "openSlot")["slot"]["id"]
        return env.gql(guardian, BOOK_SLOT, {"t": slot, "s": student})
    if kind == "moveLesson":
        elsewhere = lesson_input(w.branch_id, w.teachers[teacher], away, 0)
        moved = await _lesson(env, w, {**elsewhere, "studentIds": [student]})
        return env.gql(w.admin, MOVE, {"id": moved, "s": at["startsAt"], "e": at["endsAt"]})
    assert kind == "recordTrial"
    return env.gql(w.admin, TRIAL, {"l": await _lesson(env, w, at), "s": student})


async def _race(env: Env, w: World, students: list[str], hour: int, away: int) -> list[str]:
    """Every kind of request at once, racer i with teacher i and students[i], 10:00, 10:05, ... (all overlap)."""
    calls = [await _racer(env, w, kind, i, students[i], hour, i * 5, away) for i, kind in enumerate(KINDS)]
    results = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
    return [outcome(r, name) for name, r in zip(KINDS, results, strict=True)]


def _overlapping(lessons: list[dict[str, Any]]) -> list[str]:
    """The start of each active lesson that begins before an earlier one has ended (UTC strings sort by time)."""
    out: list[str] = []
    latest_end = ""
    for starts, ends in sorted((x["startsAt"], x["endsAt"]) for x in lessons if x["status"] != "cancelled"):
        if starts < latest_end:
            out.append(starts)
        latest_end = max(latest_end, ends)
    return out


async def test_one_student_put_into_overlapping_lessons_at_once_in_every_way_one_wins(env: Env) -> None:
    w = await make_world(env, teachers=len(KINDS), families=(1,) * ROUNDS)  # a child a round: one free trial each
    for rnd in range(ROUNDS):
        kid = w.students(rnd)[0]
        got = await _race(env, w, [kid] * len(KINDS), hour=8 + rnd * 3, away=72 + rnd * 3)
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} == {"STUDENT_CONFLICT"}, got
        assert _overlapping(await lessons_of(env, w.admin, studentId=kid)) == []  # never in two places at once


async def test_different_students_at_one_time_at_once_all_go_through(env: Env) -> None:
    """The same requests, each for another child (of another family): a student's turn holds only that student,
    and the requests that hold a teacher's and a student's turn together never wait on each other in a cycle."""
    w = await make_world(env, teachers=len(KINDS), families=(1,) * (len(KINDS) * ROUNDS))
    for rnd in range(ROUNDS):
        kids = [w.students(rnd * len(KINDS) + i)[0] for i in range(len(KINDS))]
        assert await _race(env, w, kids, hour=8 + rnd * 3, away=72 + rnd * 3) == ["ok"] * len(KINDS)
        for kid in kids:
            assert len(await lessons_of(env, w.admin, studentId=kid)) == 1


async def test_joining_a_group_and_a_lesson_at_its_time_at_once_one_wins(env: Env) -> None:
    """addGroupMember puts the child into the group's lessons of the period; a lesson made for the child at the
    time of one of them, at once: one of the two, the other STUDENT_CONFLICT."""
    w = await make_world(env, teachers=2)
    kid = w.students(0)[0]
    for month, monday in RACED_MONTHS:
        g = await create_group(env, w)
        await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, f"{month}-01")  # 07:00 UTC in Moscow
        ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}), "generateMonth")
        ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": month, "g": g}), "publishMonth")
        over = {"branchId": w.branch_id, "teacherId": w.teachers[1], "lessonType": "individual",
                "startsAt": f"{monday}T07:30:00Z", "endsAt": f"{monday}T08:30:00Z", "price": "1500",
                "studentIds": [kid]}
        joined, created = await asyncio.wait_for(asyncio.gather(
            env.gql(w.admin, ADD_MEMBER, {"g": g, "s": kid, "f": f"{month}-01", "t": f"{month}-28"}),
            env.gql(w.admin, CLASH_CREATE_LESSON, {"input": over})), timeout=60)
        got = sorted([outcome(joined, "addGroupMember"), outcome(created, "createLesson")])
        assert got == ["STUDENT_CONFLICT", "ok"], (joined, created)
    assert _overlapping(await lessons_of(env, w.admin, studentId=kid)) == []


async def test_generate_month_and_a_lesson_for_a_member_at_once_never_double_book_the_member(env: Env) -> None:
    """A month generated (the member on each new lesson) while a lesson of another teacher is made for that member
    over one occurrence: either the lesson is made and generation reports that occurrence (STUDENT_CONFLICT), or
    generation makes it and the lesson is refused."""
    w = await make_world(env, teachers=2)
    kid = w.students(0)[0]
    g = await create_group(env, w)
    await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, "2027-01-01")  # 07:00 UTC in Moscow
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g, "s": kid, "f": "2027-01-01"}), "addGroupMember")
    for month, monday in RACED_MONTHS:
        over = {"branchId": w.branch_id, "teacherId": w.teachers[1], "lessonType": "individual",
                "startsAt": f"{monday}T07:30:00Z", "endsAt": f"{monday}T08:30:00Z", "price": "1500",
                "studentIds": [kid]}
        await generate_beside_a_lesson(env, w, month, monday, over, "STUDENT_CONFLICT")
    assert _overlapping(await lessons_of(env, w.admin, studentId=kid)) == []


TRIAL_JOINING = """mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s, addToGroup: true) {
  lesson { id } errors { field code } } }"""


async def test_a_trial_that_joins_the_group_a_join_and_a_booking_at_once_never_deadlock(env: Env) -> None:
    """A trial in the group's first lesson that makes the child a member (the group's lessons from it on), another
    child joining the group, and the first child booking a place in a later lesson, at once. Each takes its rows
    first (the group's, then its lessons'), then the child's timetable: none waits for another in a cycle
    (PostgreSQL would abort one as a deadlock - an internal error, which ``outcome`` refuses)."""
    w = await make_world(env, families=(1, 1) * ROUNDS)
    for rnd, month in enumerate(("2027-09", "2027-10", "2027-11")):
        kid, other = w.students(2 * rnd)[0], w.students(2 * rnd + 1)[0]
        g = await create_group(env, w)
        await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, f"{month}-01")
        ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}), "generateMonth")
        ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": month, "g": g}), "publishMonth")
        first, later = (await lessons_of(env, w.admin, groupId=g))[:2]
        trial, joined, booked = await asyncio.wait_for(asyncio.gather(
            env.gql(w.admin, TRIAL_JOINING, {"l": first["id"], "s": kid}),
            env.gql(w.admin, ADD_MEMBER, {"g": g, "s": other, "f": f"{month}-01"}),
            env.gql(w.guardian(w.family_of(kid)), BOOK_PLACE, {"l": later["id"], "s": kid})), timeout=60)
        assert (outcome(trial, "recordTrial"), outcome(joined, "addGroupMember")) == ("ok", "ok")
        assert outcome(booked, "bookPlace") in ("ok", "ALREADY_PARTICIPANT")  # after the trial's join: a member
        roster = {x["id"]: x for x in await lessons_of(env, w.admin, groupId=g)}
        assert [p["studentId"] for p in roster[later["id"]]["participants"]].count(kid) == 1


async def test_a_child_joining_while_the_month_is_generated_is_on_every_new_lesson_of_the_group(env: Env) -> None:
    """addGroupMember puts the child into the group's lessons that exist; generateMonth puts the members it read
    into the lessons it makes. At once, without an order between them, generation read the members before the
    join committed and the join saw none of the new lessons: the child was a member with no lessons that month."""
    w = await make_world(env, teachers=1, families=(1, 1, 1))
    kids = [w.students(i)[0] for i in range(3)]
    for (month, _), kid in zip(RACED_MONTHS, kids, strict=True):
        g = await create_group(env, w)
        await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO,WE", "10:00:00", 60, f"{month}-01")
        generated, joined = await asyncio.wait_for(asyncio.gather(
            env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}),
            env.gql(w.admin, ADD_MEMBER, {"g": g, "s": kid, "f": f"{month}-01"})), timeout=60)
        ok(generated, "generateMonth")
        ok(joined, "addGroupMember")
        group_lessons = [x for x in await lessons_of(env, w.admin, groupId=g) if x["startsAt"].startswith(month)]
        kid_lessons = {x["id"] for x in await lessons_of(env, w.admin, studentId=kid)}
        assert group_lessons and all(x["id"] in kid_lessons for x in group_lessons), (month, len(group_lessons),
                                                                                       len(kid_lessons))


END_MEMBERSHIP = """mutation($m: ID!, $d: Date!) { endGroupMembership(membershipId: $m, lastDay: $d) {
  membership { id endsOn } errors { field code } } }"""


async def test_a_child_leaving_while_the_month_is_generated_is_on_none_of_its_lessons_after_leaving(env: Env) -> None:
    """The other way round: a member leaves (from the month's first day) while the month is generated. Generation
    read the child as a member, the leave withdrew the child from the lessons that existed, and generation then made
    the month's lessons with the child on them - lessons after leaving, each charged once published."""
    w = await make_world(env, teachers=1, families=(1, 1, 1))
    kids = [w.students(i)[0] for i in range(3)]
    for (month, _), kid in zip(RACED_MONTHS, kids, strict=True):
        g = await create_group(env, w)
        await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO,WE", "10:00:00", 60, f"{month}-01")
        joined = ok(await env.gql(w.admin, ADD_MEMBER, {"g": g, "s": kid, "f": "2027-01-01"}), "addGroupMember")
        last_day = f"{month}-01"
        generated, left = await asyncio.wait_for(asyncio.gather(
            env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}),
            env.gql(w.admin, END_MEMBERSHIP, {"m": joined["membership"]["id"], "d": last_day})), timeout=60)
        ok(generated, "generateMonth")
        ok(left, "endGroupMembership")
        after = [x for x in await lessons_of(env, w.admin, studentId=kid, groupId=g)
                 if x["startsAt"].startswith(month) and x["localDate"] > last_day]
        assert after == [], (month, len(after))
