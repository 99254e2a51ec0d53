"""docs/web.md API gaps: a lesson's room name and the moment a family may still cancel, readable by whoever may see
the lesson (its families, its teacher, its branch) and by nobody else — through the gateway and on the subgraph."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scheduling_testkit import Env, World, create_room, make_world, ok

from kabinet.auth import Principal, Role

pytestmark = pytest.mark.integration

OPEN_SLOT = """mutation($input: OpenSlotInput!) { openSlot(input: $input) { slot { id } errors { code } } }"""
BOOK_SLOT = """mutation($slot: ID!, $s: ID!) { bookSlot(slotId: $slot, studentId: $s) {
  booking { lessonId } errors { code } } }"""
POLICY = """mutation($b: ID!, $h: Int!, $l: LateCancellation!) { setBookingPolicy(branchId: $b, noticeHours: $h,
  lateCancellation: $l) { errors { code } } }"""
CANCEL_LESSON = """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "ill") { errors { code } } }"""
LESSON = """query($id: ID!) { lesson(id: $id) { startsAt room { id name } cancellableUntil } }"""
ENTITY = """query($id: ID!) { _entities(representations: [{__typename: "Lesson", id: $id}]) {
  ... on Lesson { room { name } cancellableUntil } } }"""
START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


async def _booked_lesson(env: Env, w: World) -> tuple[str, str]:
    room = await create_room(env, w, name="Кабинет 7")
    r = await env.gql(w.admin, OPEN_SLOT, {"input": {
        "branchId": w.branch_id, "teacherId": w.teachers[0], "startsAt": START.isoformat(),
        "endsAt": (START + timedelta(hours=1)).isoformat(), "lessonType": "individual", "price": "2000",
        "roomId": room}})
    slot = ok(r, "openSlot")["slot"]["id"]
    lesson = ok(await env.gql(w.guardian(w.family_ids[0]), BOOK_SLOT, {"slot": slot, "s": w.students(0)[0]}),
                "bookSlot")["booking"]["lessonId"]
    return str(lesson), room


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_the_lessons_readers_see_its_room_and_cancellation_deadline(env: Env) -> None:
    w = await make_world(env, families=(1, 1))
    lesson, room = await _booked_lesson(env, w)
    for reader in (w.guardian(w.family_ids[0]), w.teacher(), w.admin):
        got = (await env.gql(reader, LESSON, {"id": lesson}))["data"]["lesson"]
        assert got["room"]["id"] == room and got["room"]["name"].startswith("Кабинет 7")  # the kit numbers names
        # the default policy: 24 h notice, later cancellations refused
        assert _at(got["cancellableUntil"]) == _at(got["startsAt"]) - timedelta(hours=24)

    ok(await env.gql(w.admin, POLICY, {"b": w.branch_id, "h": 6, "l": "CHARGE"}), "setBookingPolicy")
    charged = (await env.gql(w.guardian(w.family_ids[0]), LESSON, {"id": lesson}))["data"]["lesson"]
    assert _at(charged["cancellableUntil"]) == _at(charged["startsAt"])  # late ones allowed until the start
    ok(await env.gql(w.admin, POLICY, {"b": w.branch_id, "h": 6, "l": "REFUSE"}), "setBookingPolicy")
    entity = await env.gql_service(w.guardian(w.family_ids[0]), ENTITY, {"id": lesson})
    got = entity["data"]["_entities"][0]
    assert got["room"]["name"].startswith("Кабинет 7")
    assert _at(got["cancellableUntil"]) == START - timedelta(hours=6)

    ok(await env.gql(w.admin, CANCEL_LESSON, {"l": lesson}), "cancelLesson")
    gone = (await env.gql(w.guardian(w.family_ids[0]), LESSON, {"id": lesson}))["data"]["lesson"]
    assert gone["cancellableUntil"] is None and gone["room"]["id"] == room


async def test_callers_who_cannot_see_the_lesson_learn_nothing_of_it(env: Env) -> None:
    w, other = await make_world(env, families=(1, 1)), await make_world(env)
    lesson, _ = await _booked_lesson(env, w)
    strangers = [w.guardian(w.family_ids[1]), other.admin, other.teacher(),
                 Principal(user_id="x", role=Role.GUARDIAN, family_id="other-family")]
    for stranger in strangers:
        through_gateway = await env.gql(stranger, LESSON, {"id": lesson})
        assert through_gateway["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "Кабинет" not in str(through_gateway) and "cancellableUntil" not in str(through_gateway.get("data"))
        on_subgraph = await env.gql_service(stranger, ENTITY, {"id": lesson})
        assert on_subgraph["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "Кабинет" not in str(on_subgraph)
