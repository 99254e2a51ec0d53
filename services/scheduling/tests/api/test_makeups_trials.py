"""R-SCH-5 make-ups (three ways) and R-SCH-6 one free trial per family."""

from __future__ import annotations

import uuid

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    GENERATE,
    PUBLISH,
    Env,
    add_rule,
    create_group,
    create_room,
    lessons_of,
    make_world,
    ok,
)

from kabinet.events import Envelope
from kabinet.testing.stack import eventually

pytestmark = pytest.mark.integration

MAKEUP = """mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) {
  lesson { id participants { studentId reason } } errors { code message } } }"""
PARALLEL = """mutation($l: ID!, $s: [ID!]!) { createParallelMakeup(lessonId: $l, studentIds: $s) {
  lesson { id lessonType roomId teacherId startsAt parallelOf participants { studentId reason } }
  errors { code message } } }"""
TRIAL = """mutation($l: ID!, $s: ID!, $g: Boolean! = false) { recordTrial(lessonId: $l, studentId: $s, addToGroup: $g) {
  lesson { id participants { studentId reason price { amount } } } errors { code message } } }"""
FAMILY_TRIAL = """query($f: ID!) { _entities(representations: [{__typename: "Family", id: $f}]) {
  ... on Family { trial { studentId source lessonId } } } }"""


async def _published_group_month(env: Env, w: object, month: str, day: str, **kw: object) -> tuple[str, list[dict]]:
    g = await create_group(env, w, room_id=await create_room(env, w), **kw)  # type: ignore[arg-type]
    await add_rule(env, w, g, f"FREQ=WEEKLY;BYDAY={day}", "17:00:00", 60, f"{month}-01")  # type: ignore[arg-type]
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": g}), "generateMonth")  # type: ignore[attr-defined]
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": month, "g": g}), "publishMonth")  # type: ignore[attr-defined]
    return g, await lessons_of(env, w.admin, groupId=g)  # type: ignore[attr-defined]


async def test_three_ways_to_make_up_a_lesson(env: Env) -> None:
    w = await make_world(env, teachers=2, families=(1, 1, 1))
    a, b, c = w.students(0)[0], w.students(1)[0], w.students(2)[0]
    g, lessons = await _published_group_month(env, w, "2027-09", "WE")

    # 1. Into another group's lesson, as a make-up.
    r = ok(await env.gql(w.admin, MAKEUP, {"l": lessons[0]["id"], "s": a}), "addMakeupParticipant")
    assert {"studentId": a, "reason": "MAKEUP"} in r["lesson"]["participants"]
    added = [e["payload"] for e in await env.outbox_events("scheduling.participant.added.v1")
             if e["payload"]["lesson_id"] == lessons[0]["id"]]
    assert added[0]["reason"] == "makeup" and added[0]["student_id"] == a
    # The place carries the make-up type, so billing charges it only if a subscription covers make-ups.
    assert (added[0]["lesson_type"], added[0]["charged_by_default"]) == ("makeup", False)

    # 2. A parallel make-up lesson: same time and teacher, no room.
    r = ok(await env.gql(w.admin, PARALLEL, {"l": lessons[1]["id"], "s": [b]}), "createParallelMakeup")["lesson"]
    assert (r["lessonType"], r["roomId"], r["parallelOf"]) == ("makeup", None, lessons[1]["id"])
    assert r["startsAt"] == lessons[1]["startsAt"] and r["teacherId"] == w.teachers[0]
    scheduled = [e["payload"] for e in await env.outbox_events("scheduling.lesson.scheduled.v1")
                 if e["payload"]["lesson_id"] == r["id"]]
    assert scheduled[0]["lesson_type"] == "makeup" and scheduled[0]["charged_by_default"] is False
    assert scheduled[0]["participants"][0]["reason"] == "makeup"

    # 3. A one-day membership.
    day = lessons[2]["localDate"]
    m = ok(await env.gql(w.admin, ADD_MEMBER, {"g": g, "s": c, "f": day, "t": day, "m": True}), "addGroupMember")
    assert (m["membership"]["startsOn"], m["membership"]["endsOn"], m["membership"]["reason"]) == (day, day, "MAKEUP")
    after = {x["localDate"]: x for x in await lessons_of(env, w.admin, groupId=g)}
    assert {"studentId": c, "reason": "MAKEUP", "price": {"amount": "1000.00"}} in after[day]["participants"]
    assert all(p["studentId"] != c for d, x in after.items() if d != day for p in x["participants"])
    one_day = [e["payload"] for e in await env.outbox_events("scheduling.participant.added.v1")
               if e["payload"]["student_id"] == c]
    assert [(x["lesson_id"], x["lesson_type"], x["reason"]) for x in one_day] == [
        (after[day]["id"], "makeup", "makeup")]


async def test_one_free_trial_per_family_across_children(env: Env) -> None:
    w = await make_world(env, families=(2, 1))
    older, younger = w.students(0)
    family = w.family_ids[0]
    g, lessons = await _published_group_month(env, w, "2027-10", "TU")

    r = ok(await env.gql(w.admin, TRIAL, {"l": lessons[0]["id"], "s": older}), "recordTrial")
    assert {"studentId": older, "reason": "TRIAL", "price": {"amount": "0.00"}} in r["lesson"]["participants"]
    second = await env.gql(w.admin, TRIAL, {"l": lessons[1]["id"], "s": younger, "g": True})
    err = second["data"]["recordTrial"]["errors"][0]
    assert err["code"] == "TRIAL_ALREADY_USED" and "one per family" in err["message"]
    # Refused: the younger child was not added to the group either.
    assert all(p["studentId"] != younger for x in await lessons_of(env, w.admin, groupId=g) for p in x["participants"])

    seen = await env.gql_service(w.guardian(family), FAMILY_TRIAL, {"f": family})
    assert seen["data"]["_entities"][0]["trial"] == {"studentId": older, "source": "recorded",
                                                     "lessonId": lessons[0]["id"]}
    # Another family still has its own trial, and may join the group with it.
    other = w.students(1)[0]
    r = ok(await env.gql(w.admin, TRIAL, {"l": lessons[1]["id"], "s": other, "g": True}), "recordTrial")
    later = {x["id"]: x for x in await lessons_of(env, w.admin, groupId=g)}
    trial_place = {"studentId": other, "reason": "TRIAL", "price": {"amount": "0.00"}}
    assert trial_place in later[lessons[1]["id"]]["participants"]
    assert any(p["studentId"] == other and p["reason"] == "MEMBER" for p in later[lessons[2]["id"]]["participants"])


async def test_first_attendance_of_a_new_member_is_the_family_trial(env: Env) -> None:
    w = await make_world(env, families=(1,))
    s = w.students(0)[0]
    g = await create_group(env, w)
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g, "s": s, "f": "2027-11-01"}), "addGroupMember")
    await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=MO", "17:00:00", 60, "2027-11-01")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-11", "g": g}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-11", "g": g}), "publishMonth")
    lessons = await lessons_of(env, w.admin, groupId=g)
    for lesson in lessons[:2]:  # learning marks two attendances (and a duplicate delivery of the first)
        env_ = Envelope(type="learning.attendance.marked", version=1, producer="learning", payload={
            "lesson_id": lesson["id"], "branch_id": w.branch_id, "student_id": s, "family_id": w.family_ids[0],
            "status": "present", "lesson_type": "group", "revision": 1, "marked_at": "2027-11-01T18:00:00Z"})
        await env.identity.publish(env_)
        if lesson is lessons[0]:
            await env.identity.publish(env_)

    async def trial_used() -> bool:
        r = await env.gql_service(w.admin, FAMILY_TRIAL, {"f": w.family_ids[0]})
        return r["data"]["_entities"][0]["trial"] is not None

    await eventually(trial_used)
    r = await env.gql_service(w.admin, FAMILY_TRIAL, {"f": w.family_ids[0]})
    assert r["data"]["_entities"][0]["trial"] == {"studentId": s, "source": "attendance", "lessonId": lessons[0]["id"]}
    after = await lessons_of(env, w.admin, groupId=g)
    assert [p["reason"] for x in after for p in x["participants"]][:2] == ["TRIAL", "MEMBER"]
    removed = [e["payload"] for e in await env.outbox_events("scheduling.participant.removed.v1")
               if e["payload"]["lesson_id"] == lessons[0]["id"]]
    assert [x["reason"] for x in removed] == ["member"]
    _ = uuid
