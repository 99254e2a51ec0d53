"""Conflicts through GraphQL on PostgreSQL: a clash reaches the client as a typed error with its field and message,
generation reports each clash, and "this and all following" moves and cancels the later lessons of a rule (the SQL
`busy`/`following` queries and the LessonScope enum). The rules themselves (which clash, capacity, membership,
messages) are unit tests of the use cases: tests/unit/test_conflicts.py."""

from __future__ import annotations

import pytest
from scheduling_testkit import (
    GENERATE,
    Env,
    add_rule,
    create_group,
    lessons_of,
    make_world,
    ok,
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


async def test_clashes_reach_the_client_typed_and_following_lessons_move_and_cancel_together(env: Env) -> None:
    w = await make_world(env)
    g1 = await create_group(env, w, name="Starters")
    g2 = await create_group(env, w)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=FR", "16:00:00", 60, "2027-08-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=FR", "16:30:00", 60, "2027-08-01")
    got = ok(await env.gql(w.admin, GENERATE_REPORTING, {"b": w.branch_id, "m": "2027-08"}), "generateMonth")
    assert got["created"] == 4 and [(c["localDate"], c["groupId"], c["code"]) for c in got["conflicts"]] == [
        (d, g2, "TEACHER_CONFLICT") for d in ("2027-08-06", "2027-08-13", "2027-08-20", "2027-08-27")]
    assert "«Starters" in got["conflicts"][0]["message"]
    found = await lessons_of(env, w.admin, groupId=g1)
    assert [x["localDate"] for x in found] == ["2027-08-06", "2027-08-13", "2027-08-20", "2027-08-27"]
    clash = await env.gql(w.admin, CREATE_LESSON, {"input": {
        "branchId": w.branch_id, "teacherId": w.teachers[0], "lessonType": "individual",
        "startsAt": "2027-08-06T13:30:00Z", "endsAt": "2027-08-06T14:30:00Z", "price": "1500"}})
    err = clash["data"]["createLesson"]["errors"][0]
    assert clash["data"]["createLesson"]["lesson"] is None
    assert (err["code"], err["field"]) == ("TEACHER_CONFLICT", "teacherId") and "(Europe/Moscow)" in err["message"]
    following = ok(await env.gql(w.admin, MOVE, {"id": found[1]["id"], "s": "2027-08-13T14:00:00Z",
                                                 "e": "2027-08-13T15:30:00Z", "scope": "FOLLOWING"}), "moveLesson")
    assert len(following["lessons"]) == 3
    after = await lessons_of(env, w.admin, groupId=g1)
    assert [x["startsAt"][11:16] for x in after] == ["13:00", "14:00", "14:00", "14:00"]
    cancelled = ok(await env.gql(w.admin, CANCEL, {"id": after[2]["id"], "scope": "FOLLOWING"}), "cancelLesson")
    assert [x["status"] for x in cancelled["lessons"]] == ["cancelled", "cancelled"]
    # Regenerating never resurrects a cancelled occurrence; the days it freed now take the other group's lessons.
    again = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-08"}), "generateMonth")
    assert again["created"] == 2 and len(await lessons_of(env, w.admin, groupId=g1)) == 4  # no new ones
