"""Student.upcomingLessonsCount: the lessons still to come a child is on, whatever put them there (a group's
member, a lesson made for them, a booking) - published, not cancelled, not yet started; under the child's access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scheduling_testkit import GENERATE, PUBLISH, Env, add_rule, create_group, lessons_of, make_world, ok

from kabinet.auth import Principal, Role

pytestmark = pytest.mark.integration

ADD_MEMBER = """mutation($g: ID!, $s: ID!, $f: Date!) { addGroupMember(groupId: $g, studentId: $s, from: $f) {
  errors { code } } }"""
CREATE = """mutation($input: CreateLessonInput!) { createLesson(input: $input) { lesson { id } errors { code } } }"""
CANCEL = """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "ill") { errors { code } } }"""
COUNTS = """query($ids: [_Any!]!) { _entities(representations: $ids) {
  ... on Student { id upcomingLessonsCount bookedLessonsCount } } }"""


def _at(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


async def test_counts_group_and_individual_lessons_to_come_for_the_whole_family(env: Env) -> None:
    w = await make_world(env, families=(2, 1))
    member, single = w.students(0)
    group = await create_group(env, w)
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, "2027-06-01")
    assert ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": member, "f": "2027-06-01"}),
              "addGroupMember")["errors"] == []
    for month in ("2027-06", "2027-07"):
        ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": month, "g": group}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-06", "g": group}), "publishMonth")  # July: drafts
    june = [x["id"] for x in await lessons_of(env, w.admin, groupId=group, **{"from": "2027-06-01T00:00:00Z",
                                                                              "to": "2027-07-01T00:00:00Z"})]
    assert len(june) == 4
    assert ok(await env.gql(w.admin, CANCEL, {"l": june[0]}), "cancelLesson")["errors"] == []
    for start in (60 * 24 * 3, -30):  # in three days; and one started half an hour ago (in progress: not to come)
        made = ok(await env.gql(w.admin, CREATE, {"input": {
            "branchId": w.branch_id, "teacherId": w.teachers[0], "lessonType": "individual", "startsAt": _at(start),
            "endsAt": _at(start + 60), "price": "1500", "studentIds": [single]}}), "createLesson")
        assert made["errors"] == [], made

    refs = {"ids": [{"__typename": "Student", "id": s} for s in (member, single)]}
    got = await env.gql_service(w.guardian(w.family_ids[0]), COUNTS, refs)
    assert "errors" not in got, got
    assert [(x["upcomingLessonsCount"], x["bookedLessonsCount"]) for x in got["data"]["_entities"]] == [(3, 3), (1, 1)]

    stranger = await env.gql_service(w.guardian(w.family_ids[1]), COUNTS, {"ids": refs["ids"][:1]})
    assert [e["extensions"]["code"] for e in stranger["errors"]] == ["FORBIDDEN"]
    nobody = await env.gql_service(Principal(user_id="x", role=Role.GUARDIAN, family_id="other"), COUNTS, refs)
    assert {e["extensions"]["code"] for e in nobody["errors"]} == {"FORBIDDEN"}
