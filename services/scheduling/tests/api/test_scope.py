"""Regression tests for issue #10 (families and branches, points 6 and 7): every id a caller names is checked
against the caller's scope. Each case runs through the gateway (as a client would) and on scheduling's own
/graphql (the service defends itself)."""

from __future__ import annotations

from typing import Any

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    ADD_RULE,
    GENERATE,
    OWNER,
    PUBLISH,
    Env,
    World,
    add_rule,
    create_group,
    create_room,
    lessons_of,
    make_world,
    new_id,
    ok,
)

from kabinet.auth import Principal, Role

pytestmark = pytest.mark.integration

ISSUE_FEED = """mutation($s: ID, $t: ID) { issueCalendarFeed(studentId: $s, teacherId: $t) {
  feed { id url } errors { code } } }"""
REVOKE_FEED = "mutation($f: ID!) { revokeCalendarFeed(feedId: $f) { feed { id } errors { code } } }"
LESSON = "query($id: ID!) { lesson(id: $id) { id participants { studentId } } }"


def code(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None


async def both(env: Env, principal: Principal, query: str, variables: dict[str, Any]) -> list[dict[str, Any]]:
    """The same request through the gateway and on the subgraph."""
    return [await env.gql(principal, query, variables), await env.gql_service(principal, query, variables)]


async def _group_with_lessons(env: Env, w: World, teacher: int = 0, month: str = "2027-04") -> tuple[str, str]:
    group = await create_group(env, w, teacher=teacher)
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=WE", "15:00:00", 60, f"{month}-01")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": group}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": month, "g": group}), "publishMonth")
    lesson = (await lessons_of(env, w.admin, groupId=group))[0]["id"]
    return group, lesson


async def test_an_admin_cannot_put_another_branchs_student_into_own_groups_and_lessons(env: Env) -> None:
    a, b = await make_world(env), await make_world(env)
    group, lesson = await _group_with_lessons(env, a)
    theirs = b.students(0)[0]
    attempts: list[tuple[str, dict[str, Any]]] = [
        (ADD_MEMBER, {"g": group, "s": theirs, "f": "2027-04-01"}),
        ("mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) { errors { code } } }",
         {"l": lesson, "s": theirs}),
        ("mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) { errors { code } } }",
         {"l": lesson, "s": theirs}),
        ("mutation($l: ID!, $s: ID!) { createParallelMakeup(lessonId: $l, studentIds: [$s]) { errors { code } } }",
         {"l": lesson, "s": theirs}),
        ("mutation($i: CreateLessonInput!) { createLesson(input: $i) { errors { code } } }",
         {"i": {"branchId": a.branch_id, "teacherId": a.teachers[0], "lessonType": "individual",
                "startsAt": "2027-04-10T07:00:00Z", "endsAt": "2027-04-10T08:00:00Z", "price": "10",
                "studentIds": [theirs]}}),
    ]
    for query, variables in attempts:
        for result in await both(env, a.admin, query, variables):
            assert code(result) == "FORBIDDEN", (query, result)
    assert await lessons_of(env, OWNER, studentId=theirs) == []  # nothing of theirs in A's schedule


async def test_an_admin_cannot_book_another_branchs_slot(env: Env) -> None:
    a, b = await make_world(env), await make_world(env)
    slot = (await env.gql(b.admin, "mutation($i: OpenSlotInput!) { openSlot(input: $i) { slot { id } } }",
                          {"i": {"branchId": b.branch_id, "teacherId": b.teachers[0],
                                 "startsAt": "2027-06-01T07:00:00Z", "endsAt": "2027-06-01T08:00:00Z",
                                 "lessonType": "individual", "price": "1"}}))["data"]["openSlot"]["slot"]["id"]
    book = "mutation($x: ID!, $s: ID!) { bookSlot(slotId: $x, studentId: $s) { booking { id } errors { code } } }"
    for result in await both(env, a.admin, book, {"x": slot, "s": a.students(0)[0]}):
        assert code(result) == "FORBIDDEN", result
    assert await lessons_of(env, OWNER, studentId=a.students(0)[0]) == []


async def test_a_teacher_gets_no_feed_of_a_students_lessons_with_other_teachers(env: Env) -> None:
    w = await make_world(env, teachers=2)
    kid = w.students(0)[0]
    for teacher in (0, 1):
        group, _ = await _group_with_lessons(env, w, teacher=teacher, month="2027-0" + str(5 + teacher))
        ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": kid, "f": "2027-05-01"}), "addGroupMember")
    for result in await both(env, w.teacher(0), ISSUE_FEED, {"s": kid}):
        assert code(result) == "FORBIDDEN", result
    # The teacher's own feed is the one with their lessons with the student.
    ok(await env.gql(w.teacher(0), ISSUE_FEED, {"t": w.teachers[0]}), "issueCalendarFeed")


async def test_no_teacher_and_no_other_branch_revokes_a_familys_or_a_teachers_feed(env: Env) -> None:
    w, other = await make_world(env), await make_world(env)
    kid = w.students(0)[0]
    group, _ = await _group_with_lessons(env, w)
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": kid, "f": "2027-04-01"}), "addGroupMember")
    family_feed = ok(await env.gql(w.guardian(w.family_ids[0]), ISSUE_FEED, {"s": kid}), "issueCalendarFeed")["feed"]
    teacher_feed = ok(await env.gql(w.teacher(0), ISSUE_FEED, {"t": w.teachers[0]}), "issueCalendarFeed")["feed"]
    callers = [w.teacher(0), other.teacher(0), other.admin]  # the child's own teacher included
    for caller in callers:
        for result in await both(env, caller, REVOKE_FEED, {"f": family_feed["id"]}):
            assert code(result) == "FORBIDDEN", result
    for caller in (other.admin, other.teacher(0)):
        for result in await both(env, caller, REVOKE_FEED, {"f": teacher_feed["id"]}):
            assert code(result) == "FORBIDDEN", result
    for feed in (family_feed, teacher_feed):
        assert (await env.service.get("/calendar/" + feed["url"].rsplit("/", 1)[1])).status_code == 200


async def test_a_student_reads_only_the_lessons_it_attends(env: Env) -> None:
    w = await make_world(env, families=(2,))
    kid, sibling = w.students(0)
    group, lesson = await _group_with_lessons(env, w)
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": sibling, "f": "2027-04-01"}), "addGroupMember")
    on_offer = ok(await env.gql(w.admin, "mutation($i: CreateLessonInput!) { createLesson(input: $i) "
                                         "{ lesson { id } errors { code } } }",
                                {"i": {"branchId": w.branch_id, "teacherId": w.teachers[0],
                                       "lessonType": "individual", "startsAt": "2027-04-20T07:00:00Z",
                                       "endsAt": "2027-04-20T08:00:00Z", "price": "10", "bookable": True,
                                       "capacity": 3}}), "createLesson")["lesson"]["id"]
    login = Principal(user_id=kid, role=Role.STUDENT, family_id=w.family_ids[0], student_ids=frozenset({kid}),
                      branch_ids=frozenset({w.branch_id}))
    sibling_login = Principal(user_id=sibling, role=Role.STUDENT, family_id=w.family_ids[0],
                              student_ids=frozenset({sibling}), branch_ids=frozenset({w.branch_id}))
    for lesson_id in (lesson, on_offer):  # the sibling's lesson, a lesson on offer in its branch
        for result in await both(env, login, LESSON, {"id": lesson_id}):
            assert code(result) == "FORBIDDEN", result
    for result in await both(env, sibling_login, LESSON, {"id": lesson}):
        assert result["data"]["lesson"]["id"] == lesson, result


async def test_an_admin_of_another_branch_does_not_read_a_familys_trial_through_entities(env: Env) -> None:
    w, other = await make_world(env), await make_world(env)
    _, lesson = await _group_with_lessons(env, w)
    kid = w.students(0)[0]
    ok(await env.gql(w.admin, "mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) "
                              "{ errors { code } } }", {"l": lesson, "s": kid}), "recordTrial")
    trial = """query($f: ID!) { _entities(representations: [{__typename: "Family", id: $f}]) {
      ... on Family { trial { studentId lessonId } } } }"""
    family = w.family_of(kid)
    refused = await env.gql_service(other.admin, trial, {"f": family})
    assert code(refused) == "FORBIDDEN" and kid not in str(refused.get("data"))
    mine = await env.gql_service(w.admin, trial, {"f": family})
    assert mine["data"]["_entities"][0]["trial"]["studentId"] == kid
    guardian = await env.gql_service(w.guardian(family), trial, {"f": family})
    assert guardian["data"]["_entities"][0]["trial"]["lessonId"] == lesson


async def test_a_regular_lesson_names_only_its_own_branchs_room_and_a_known_course(env: Env) -> None:
    """addRecurringLesson checks every id it stores: a group's rule with another branch's room (or a room that
    does not exist), a free-standing rule with a course that does not exist: a typed error, nothing stored, and
    no lesson generated in the other branch's room."""
    a, b = await make_world(env), await make_world(env)
    group, their_room = await create_group(env, a), await create_room(env, b)
    rule = {"rrule": "FREQ=WEEKLY;BYDAY=TU", "startTime": "10:00:00", "durationMinutes": 60,
            "validFrom": "2027-08-01"}
    free_standing = {**rule, "branchId": a.branch_id, "teacherId": a.teachers[0], "lessonType": "trial"}
    attempts = [({**rule, "groupId": group, "roomId": their_room}, "WRONG_BRANCH"),
                ({**rule, "groupId": group, "roomId": new_id()}, "ROOM_NOT_FOUND"),
                ({**free_standing, "courseId": new_id()}, "COURSE_NOT_FOUND")]
    for rule_input, want in attempts:
        for result in await both(env, a.admin, ADD_RULE, {"input": rule_input}):
            assert "errors" not in result, result
            payload = result["data"]["addRecurringLesson"]
            assert payload["recurringLesson"] is None and [e["code"] for e in payload["errors"]] == [want], result
    ok(await env.gql(a.admin, GENERATE, {"b": a.branch_id, "m": "2027-08"}), "generateMonth")
    assert await lessons_of(env, OWNER, branchId=a.branch_id) == []


async def test_a_lesson_that_is_not_there_answers_as_one_that_is_not_yours(env: Env) -> None:
    """lesson(id) was null for an unknown id and FORBIDDEN for another branch's or family's lesson: the answer
    told that the lesson exists. Both are FORBIDDEN now, through the gateway and on the subgraph; the owner, who
    sees every lesson, still gets null for an unknown one."""
    a, b = await make_world(env, families=(1,)), await make_world(env, families=(1,))
    _, lesson = await _group_with_lessons(env, a)
    # (a group's lesson is on offer to every guardian: a child's own login sees only the lessons it attends)
    child = Principal(user_id="kid", role=Role.STUDENT, family_id=a.family_ids[0], student_ids=frozenset(a.students(0)))
    for who in (b.admin, b.teacher(), child):
        for lesson_id in (lesson, new_id()):
            for result in await both(env, who, LESSON, {"id": lesson_id}):
                assert code(result) == "FORBIDDEN" and not (result.get("data") or {}).get("lesson"), (who, result)
    for result in await both(env, OWNER, LESSON, {"id": new_id()}):
        assert result["data"] == {"lesson": None} and code(result) is None, result
