"""Clash checks under concurrency on PostgreSQL: requests sent at once for one teacher's (or one room's) time each
check, then write. Without taking turns all of them passed the check and all were written - a teacher booked twice,
a room taken twice. Now exactly one wins and the others get the typed conflict (TEACHER_CONFLICT, ROOM_CONFLICT,
SLOT_CONFLICT). The requests go through the gateway at once (asyncio.gather), each on its own connection."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from scheduling_testkit import (
    CLASH_CREATE_LESSON,
    CLASH_OPEN_SLOT,
    GENERATE,
    OPEN_SLOTS_2027,
    RACED_MONTHS,
    Env,
    World,
    add_rule,
    create_group,
    create_room,
    generate_beside_a_lesson,
    lesson_input,
    lessons_of,
    make_world,
    ok,
    outcome,
)

MOVE = """mutation($id: ID!, $s: DateTime!, $e: DateTime!) { moveLesson(lessonId: $id, startsAt: $s, endsAt: $e) {
  lessons { id } errors { field code } } }"""
ROUNDS = 3  # each round is a fresh race; one double booking in any of them fails the test
RACERS = 8

pytestmark = pytest.mark.integration


async def race(env: Env, w: World, inputs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each (mutation, input) at once: createLesson or openSlot."""
    queries = {"createLesson": CLASH_CREATE_LESSON, "openSlot": CLASH_OPEN_SLOT}
    results = await asyncio.wait_for(asyncio.gather(*(
        env.gql(w.admin, queries[name], {"input": data}) for name, data in inputs)), timeout=60)
    return [outcome(r, name) for (name, _), r in zip(inputs, results, strict=True)]


async def test_open_slot_and_create_lesson_for_one_teacher_at_once_one_wins(env: Env) -> None:
    w = await make_world(env)
    for rnd in range(ROUNDS):
        hour = 8 + rnd * 3
        # Overlapping, not equal: 10:00-11:00, 10:05-11:05, ... - every pair overlaps.
        inputs = [("openSlot" if i % 2 else "createLesson", lesson_input(w.branch_id, w.teachers[0], hour, i * 5))
                  for i in range(RACERS)]
        got = await race(env, w, inputs)
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} <= {"TEACHER_CONFLICT", "SLOT_CONFLICT"}, got
    lessons = await lessons_of(env, w.admin, teacherId=w.teachers[0])
    slots = (await env.gql(w.admin, OPEN_SLOTS_2027, {"b": w.branch_id}))["data"]["openSlots"]
    assert len(lessons) + len(slots) == ROUNDS  # one a round: the teacher is never in two places


async def test_lessons_and_slots_of_different_teachers_in_one_room_at_once_one_wins(env: Env) -> None:
    w = await make_world(env, teachers=RACERS)
    room = await create_room(env, w)
    for rnd in range(ROUNDS):
        hour = 8 + rnd * 3
        inputs = [("openSlot" if i % 3 == 2 else "createLesson",
                   lesson_input(w.branch_id, w.teachers[i], hour, i * 5, room)) for i in range(RACERS)]
        got = await race(env, w, inputs)
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} <= {"ROOM_CONFLICT", "SLOT_CONFLICT"}, got
    in_room = [x for x in await lessons_of(env, w.admin, branchId=w.branch_id) if x["roomId"] == room]
    slots = (await env.gql(w.admin, OPEN_SLOTS_2027, {"b": w.branch_id}))["data"]["openSlots"]
    assert len(in_room) + len(slots) == ROUNDS


async def test_lessons_moved_into_one_teachers_time_at_once_one_moves(env: Env) -> None:
    """Lessons of one teacher, at different times, all moved at once to overlapping times (with a createLesson
    there too): one of them gets the time, the others are TEACHER_CONFLICT and stay where they were."""
    w = await make_world(env)
    for rnd in range(ROUNDS):
        day = 10 + rnd
        placed = [lesson_input(w.branch_id, w.teachers[0], day * 24 + 6 + i, 0) for i in range(RACERS - 1)]
        ids = [ok(await env.gql(w.admin, CLASH_CREATE_LESSON, {"input": x}), "createLesson")["lesson"]["id"]
               for x in placed]
        targets = [lesson_input(w.branch_id, w.teachers[0], day * 24 + 2, i * 5) for i in range(RACERS)]  # 02:00, ...
        calls = [env.gql(w.admin, MOVE, {"id": lid, "s": t["startsAt"], "e": t["endsAt"]})
                 for lid, t in zip(ids, targets, strict=False)]
        calls.append(env.gql(w.admin, CLASH_CREATE_LESSON, {"input": targets[-1]}))
        results = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
        got = [outcome(r, "moveLesson") for r in results[:-1]] + [outcome(results[-1], "createLesson")]
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} == {"TEACHER_CONFLICT"}, got
    lessons = await lessons_of(env, w.admin, teacherId=w.teachers[0])
    by_hour = Counter(x["startsAt"][:13] for x in lessons)
    assert [h for h, n in by_hour.items() if n > 1] == []  # never two lessons of the teacher in one hour


MOVE_SCOPED = """mutation($id: ID!, $s: DateTime!, $e: DateTime!, $scope: LessonScope!) {
  moveLesson(lessonId: $id, startsAt: $s, endsAt: $e, scope: $scope) { lessons { id } errors { field code } } }"""


async def test_a_move_of_this_and_following_and_a_move_of_a_later_one_at_once_both_go_through(env: Env) -> None:
    """"This and following" from the first Friday, and the third Friday alone, at once (no clash between them).
    The first move's row locks come before the timetable's turn, as the second's do: neither waits for the other
    in a cycle (PostgreSQL would abort one as a deadlock - an internal error)."""
    w = await make_world(env)
    g = await create_group(env, w)
    await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=FR", "10:00:00", 60, "2027-06-01")
    for month in ("2027-06", "2027-07", "2027-08"):
        ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}), "generateMonth")
    fridays = await lessons_of(env, w.admin, groupId=g)
    for first, third in ((fridays[0], fridays[2]), (fridays[4], fridays[6]), (fridays[8], fridays[10])):
        results = await asyncio.wait_for(asyncio.gather(
            env.gql(w.admin, MOVE_SCOPED, {"id": first["id"], "s": first["startsAt"].replace("T07:", "T08:"),
                                           "e": first["endsAt"].replace("T08:", "T09:"), "scope": "FOLLOWING"}),
            env.gql(w.admin, MOVE_SCOPED, {"id": third["id"], "s": third["startsAt"].replace("T07:", "T12:"),
                                           "e": third["endsAt"].replace("T08:", "T13:"), "scope": "THIS"})),
            timeout=60)
        assert [outcome(r, "moveLesson") for r in results] == ["ok", "ok"], results


async def test_generate_month_and_create_lesson_at_once_never_double_book_the_teacher(env: Env) -> None:
    """A month generated while a lesson is created over one of its occurrences: either the lesson is created and
    generation reports that occurrence (TEACHER_CONFLICT), or generation creates it and the lesson is refused."""
    w = await make_world(env)
    g = await create_group(env, w)
    await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, "2027-01-01")  # 07:00 UTC in Moscow
    for month, monday in RACED_MONTHS:
        over = {"branchId": w.branch_id, "teacherId": w.teachers[0], "lessonType": "individual",
                "startsAt": f"{monday}T07:30:00Z", "endsAt": f"{monday}T08:30:00Z", "price": "1500"}
        await generate_beside_a_lesson(env, w, month, monday, over, "TEACHER_CONFLICT")
    lessons = await lessons_of(env, w.admin, teacherId=w.teachers[0])
    assert [x["startsAt"][:10] for x in lessons].count("2027-09-06") == 1
    assert len({x["startsAt"][:10] for x in lessons}) == len(lessons)  # one lesson a day: never two at once
