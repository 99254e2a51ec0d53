"""Conflicts and capacity: a teacher, a room or a student in two lessons at once is refused with a typed error
naming the clash; capacity is enforced; a move or cancel of one or all following lessons."""

from __future__ import annotations

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    GENERATE,
    Env,
    add_rule,
    create_group,
    create_room,
    lessons_of,
    make_world,
    ok,
    user_error,
)

pytestmark = pytest.mark.integration

CREATE_LESSON = """mutation($input: CreateLessonInput!, $k: String) { createLesson(input: $input, idempotencyKey: $k) {
  lesson { id participants { studentId reason } } errors { field code message } } }"""
MOVE = """mutation($id: ID!, $s: DateTime!, $e: DateTime!, $scope: LessonScope! = THIS) {
  moveLesson(lessonId: $id, startsAt: $s, endsAt: $e, scope: $scope) {
  lessons { id startsAt } errors { field code message } } }"""
CANCEL = """mutation($id: ID!, $scope: LessonScope! = THIS) {
  cancelLesson(lessonId: $id, reason: "holiday", scope: $scope) {
  lessons { id status } errors { code } } }"""


GENERATE_REPORTING = """mutation($b: ID!, $m: String!) { generateMonth(branchId: $b, month: $m) {
  created existing conflicts { localDate groupId code message } errors { code } } }"""


def lesson_input(w: object, **kw: object) -> dict[str, object]:
    base = {"branchId": w.branch_id, "teacherId": w.teachers[0], "lessonType": "individual",  # type: ignore[attr-defined]
            "startsAt": "2027-06-07T14:00:00Z", "endsAt": "2027-06-07T15:00:00Z", "price": "1500"}
    base.update(kw)
    return base


async def test_teacher_room_and_student_clashes_are_refused_naming_the_clash(env: Env) -> None:
    w = await make_world(env, teachers=2, families=(1, 1))
    room = await create_room(env, w)
    s1, s2 = w.students(0)[0], w.students(1)[0]
    first = ok(await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(w, roomId=room, studentIds=[s1])}),
               "createLesson")["lesson"]["id"]

    teacher = await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(
        w, startsAt="2027-06-07T14:30:00Z", endsAt="2027-06-07T15:30:00Z", studentIds=[s2])})
    err = teacher["data"]["createLesson"]["errors"][0]
    assert err["code"] == "TEACHER_CONFLICT" and err["field"] == "teacherId"
    # The other lesson by what a person knows it as, with the branch-local time and the zone (not its UUID).
    teacher_name = f"T {w.teachers[0][:4]}"
    assert err["message"] == (f"The teacher already has an individual lesson with {teacher_name} at "
                              "2027-06-07 17:00–18:00 (Europe/Moscow)."), err

    room_clash = await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(
        w, teacherId=w.teachers[1], roomId=room, studentIds=[s2])})
    err = room_clash["data"]["createLesson"]["errors"][0]
    assert err["code"] == "ROOM_CONFLICT" and "17:00–18:00 (Europe/Moscow)" in err["message"]
    assert first not in err["message"]

    student = await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(w, teacherId=w.teachers[1],
                                                                           studentIds=[s1])})
    err = student["data"]["createLesson"]["errors"][0]
    assert err["code"] == "STUDENT_CONFLICT" and teacher_name in err["message"] and "(Europe/Moscow)" in err["message"]

    # Back to back is not a clash.
    ok(await env.gql(w.admin, CREATE_LESSON, {"input": lesson_input(
        w, roomId=room, studentIds=[s1], startsAt="2027-06-07T15:00:00Z", endsAt="2027-06-07T16:00:00Z")}),
       "createLesson")
    # Refused input changed nothing.
    assert len(await lessons_of(env, w.admin, branchId=w.branch_id)) == 2


async def test_generation_creates_what_does_not_clash_and_reports_each_clash(env: Env) -> None:
    """Issue #11 point 18: one clashing occurrence used to block the whole month (0 created)."""
    w = await make_world(env)
    g1 = await create_group(env, w, name="Starters")
    g2 = await create_group(env, w)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=MO", "17:00:00", 90, "2027-06-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=MO,WE", "18:00:00", 60, "2027-06-01")
    got = ok(await env.gql(w.admin, GENERATE_REPORTING, {"b": w.branch_id, "m": "2027-06"}), "generateMonth")
    # June 2027: four Mondays (Starters at 17:00 holds the teacher) and five Wednesdays (free).
    assert got["created"] == 4 + 5
    assert [(c["localDate"], c["groupId"], c["code"]) for c in got["conflicts"]] == [
        (d, g2, "TEACHER_CONFLICT") for d in ("2027-06-07", "2027-06-14", "2027-06-21", "2027-06-28")]
    first = got["conflicts"][0]["message"]
    assert "«Starters" in first and "2027-06-07 17:00–18:30 (Europe/Moscow)" in first, first
    assert len(await lessons_of(env, w.admin, branchId=w.branch_id)) == 9
    again = ok(await env.gql(w.admin, GENERATE_REPORTING, {"b": w.branch_id, "m": "2027-06"}), "generateMonth")
    assert again["created"] == 0 and len(again["conflicts"]) == 4


async def test_student_in_two_groups_at_once_and_capacity(env: Env) -> None:
    w = await make_world(env, teachers=2, families=(1, 1, 1))
    a, b, c = w.students(0)[0], w.students(1)[0], w.students(2)[0]
    g1 = await create_group(env, w, capacity=2)
    g2 = await create_group(env, w, teacher=1)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=TH", "17:00:00", 60, "2027-07-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=TH", "17:30:00", 60, "2027-07-01")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-07"}), "generateMonth")
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": a, "f": "2027-07-01"}), "addGroupMember")
    clash = await env.gql(w.admin, ADD_MEMBER, {"g": g2, "s": a, "f": "2027-07-01"})
    assert user_error(clash, "addGroupMember") == "STUDENT_CONFLICT"
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": b, "f": "2027-07-01"}), "addGroupMember")
    full = await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": c, "f": "2027-07-10"})
    assert user_error(full, "addGroupMember") == "CAPACITY_EXCEEDED"
    again = await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": a, "f": "2027-07-05"})
    assert user_error(again, "addGroupMember") == "ALREADY_MEMBER"


async def test_move_and_cancel_one_or_all_following(env: Env) -> None:
    w = await make_world(env)
    g = await create_group(env, w)
    await add_rule(env, w, g, "FREQ=WEEKLY;BYDAY=FR", "16:00:00", 60, "2027-08-01")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-08"}), "generateMonth")
    found = await lessons_of(env, w.admin, groupId=g)
    assert [x["localDate"] for x in found] == ["2027-08-06", "2027-08-13", "2027-08-20", "2027-08-27"]
    one = ok(await env.gql(w.admin, MOVE, {"id": found[0]["id"], "s": "2027-08-05T13:00:00Z",
                                           "e": "2027-08-05T14:00:00Z"}), "moveLesson")
    assert len(one["lessons"]) == 1
    following = ok(await env.gql(w.admin, MOVE, {"id": found[1]["id"], "s": "2027-08-13T14:00:00Z",
                                                 "e": "2027-08-13T15:30:00Z", "scope": "FOLLOWING"}), "moveLesson")
    assert len(following["lessons"]) == 3
    after = await lessons_of(env, w.admin, groupId=g)
    assert [x["startsAt"][11:16] for x in after] == ["13:00", "14:00", "14:00", "14:00"]
    cancelled = ok(await env.gql(w.admin, CANCEL, {"id": after[2]["id"], "scope": "FOLLOWING"}), "cancelLesson")
    assert [x["status"] for x in cancelled["lessons"]] == ["cancelled", "cancelled"]
    # Regenerating never resurrects a moved or cancelled occurrence.
    again = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-08"}), "generateMonth")
    assert again["created"] == 0
