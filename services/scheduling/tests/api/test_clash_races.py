"""Clash checks under concurrency on PostgreSQL: requests sent at once for one teacher's (or one room's) time each
check, then write. Without taking turns all of them passed the check and all were written - a teacher booked twice,
a room taken twice. Now exactly one wins and the others get the typed conflict (TEACHER_CONFLICT, ROOM_CONFLICT,
SLOT_CONFLICT). The requests go through the gateway at once (asyncio.gather), each on its own connection."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from scheduling_testkit import GENERATE, Env, World, add_rule, create_group, create_room, lessons_of, make_world, ok

pytestmark = pytest.mark.integration

CREATE_LESSON = """mutation($input: CreateLessonInput!) { createLesson(input: $input) {
  lesson { id } errors { field code } } }"""
OPEN_SLOT = """mutation($input: OpenSlotInput!) { openSlot(input: $input) { slot { id } errors { field code } } }"""
MOVE = """mutation($id: ID!, $s: DateTime!, $e: DateTime!) { moveLesson(lessonId: $id, startsAt: $s, endsAt: $e) {
  lessons { id } errors { field code } } }"""
OPEN_SLOTS = """query($b: ID!) { openSlots(branchId: $b, from: "2027-01-01T00:00:00Z", to: "2027-12-01T00:00:00Z") {
  id teacherId startsAt } }"""

ROUNDS = 3  # each round is a fresh race; one double booking in any of them fails the test
RACERS = 8


def outcome(result: dict[str, Any], field_name: str) -> str:
    """"ok", or the typed error's code (an untyped error fails the test: no internal errors to clients)."""
    assert "errors" not in result, result
    payload = result["data"][field_name]
    if payload["errors"]:
        return str(payload["errors"][0]["code"])
    return "ok"


def lesson_input(w: World, teacher: int, hour: int, minute: int, room: str | None = None) -> dict[str, Any]:
    return {"branchId": w.branch_id, "teacherId": w.teachers[teacher], "lessonType": "individual",
            "startsAt": f"2027-04-{5 + hour // 24:02d}T{hour % 24:02d}:{minute:02d}:00Z",
            "endsAt": f"2027-04-{5 + hour // 24:02d}T{hour % 24 + 1:02d}:{minute:02d}:00Z",
            "price": "1500", "roomId": room}


async def race(env: Env, w: World, inputs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each (mutation, input) at once: createLesson or openSlot."""
    queries = {"createLesson": CREATE_LESSON, "openSlot": OPEN_SLOT}
    results = await asyncio.wait_for(asyncio.gather(*(
        env.gql(w.admin, queries[name], {"input": data}) for name, data in inputs)), timeout=60)
    return [outcome(r, name) for (name, _), r in zip(inputs, results, strict=True)]


async def test_open_slot_and_create_lesson_for_one_teacher_at_once_one_wins(env: Env) -> None:
    w = await make_world(env)
    for rnd in range(ROUNDS):
        hour = 8 + rnd * 3
        # Overlapping, not equal: 10:00-11:00, 10:05-11:05, ... - every pair overlaps.
        inputs = [("openSlot" if i % 2 else "createLesson", lesson_input(w, 0, hour, i * 5))
                  for i in range(RACERS)]
        got = await race(env, w, inputs)
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} <= {"TEACHER_CONFLICT", "SLOT_CONFLICT"}, got
    lessons = await lessons_of(env, w.admin, teacherId=w.teachers[0])
    slots = (await env.gql(w.admin, OPEN_SLOTS, {"b": w.branch_id}))["data"]["openSlots"]
    assert len(lessons) + len(slots) == ROUNDS  # one a round: the teacher is never in two places


async def test_lessons_and_slots_of_different_teachers_in_one_room_at_once_one_wins(env: Env) -> None:
    w = await make_world(env, teachers=RACERS)
    room = await create_room(env, w)
    for rnd in range(ROUNDS):
        hour = 8 + rnd * 3
        inputs = [("openSlot" if i % 3 == 2 else "createLesson", lesson_input(w, i, hour, i * 5, room))
                  for i in range(RACERS)]
        got = await race(env, w, inputs)
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} <= {"ROOM_CONFLICT", "SLOT_CONFLICT"}, got
    in_room = [x for x in await lessons_of(env, w.admin, branchId=w.branch_id) if x["roomId"] == room]
    slots = (await env.gql(w.admin, OPEN_SLOTS, {"b": w.branch_id}))["data"]["openSlots"]
    assert len(in_room) + len(slots) == ROUNDS


async def test_lessons_moved_into_one_teachers_time_at_once_one_moves(env: Env) -> None:
    """Lessons of one teacher, at different times, all moved at once to overlapping times (with a createLesson
    there too): one of them gets the time, the others are TEACHER_CONFLICT and stay where they were."""
    w = await make_world(env)
    for rnd in range(ROUNDS):
        day = 10 + rnd
        ids = [ok(await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(w, 0, day * 24 + 6 + i, 0)}),
                  "createLesson")["lesson"]["id"] for i in range(RACERS - 1)]
        targets = [lesson_input(w, 0, day * 24 + 2, i * 5) for i in range(RACERS)]  # 02:00, 02:05, ...
        calls = [env.gql(w.admin, MOVE, {"id": lid, "s": t["startsAt"], "e": t["endsAt"]})
                 for lid, t in zip(ids, targets, strict=False)]
        calls.append(env.gql(w.admin, CREATE_LESSON, {"input": targets[-1]}))
        results = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
        got = [outcome(r, "moveLesson") for r in results[:-1]] + [outcome(results[-1], "createLesson")]
        assert got.count("ok") == 1, got
        assert set(got) - {"ok"} == {"TEACHER_CONFLICT"}, got
    lessons = await lessons_of(env, w.admin, teacherId=w.teachers[0])
    by_hour = Counter(x["startsAt"][:13] for x in lessons)
    assert [h for h, n in by_hour.items() if n > 1] == []  # never two lessons of the teacher in one hour
