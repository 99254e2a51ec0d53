"""R-SCH-1, R-SCH-3, R-SCH-4 through GraphQL on PostgreSQL: a free-standing trial rule, bad rules and months
refused, and join/leave/transfer following published lessons. Generation across DST and members by period with
publishing are unit tests of the use cases (tests/unit/test_month_generation.py)."""

from __future__ import annotations

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    GENERATE,
    PUBLISH,
    Env,
    add_rule,
    create_group,
    lessons_of,
    make_world,
    ok,
)

pytestmark = pytest.mark.integration


async def test_trial_type_regular_lesson_has_no_roster_and_bad_rules_are_refused(env: Env) -> None:
    w = await make_world(env)
    await add_rule(env, w, None, "FREQ=WEEKLY;BYDAY=SA", "12:00:00", 45, "2027-05-01", branchId=w.branch_id,
                   teacherId=w.teachers[0], lessonType="trial", price="0", capacity=6)
    holiday = """mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-05",
      skipDates: ["2027-05-01", "2027-05-08"]) { created errors { code } } }"""
    assert ok(await env.gql(w.admin, holiday, {"b": w.branch_id}), "generateMonth")["created"] == 3
    r = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-05"}), "generateMonth")
    assert r["created"] == 2  # without the holidays, the two skipped Saturdays are added
    found = await lessons_of(env, w.admin, branchId=w.branch_id)
    assert {x["lessonType"] for x in found} == {"trial"} and all(x["participants"] == [] for x in found)

    from scheduling_testkit import ADD_RULE, user_error

    bad = await env.gql(w.admin, ADD_RULE, {"input": {"branchId": w.branch_id, "teacherId": w.teachers[0],
                                                      "lessonType": "trial", "rrule": "FREQ=SOMETIMES",
                                                      "startTime": "10:00:00", "durationMinutes": 60,
                                                      "validFrom": "2027-05-01"}})
    assert user_error(bad, "addRecurringLesson") == "INVALID_RECURRENCE"
    bad_month = await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "May 2027"})
    assert user_error(bad_month, "generateMonth") == "INVALID_MONTH"


TRANSFER = """mutation($m: ID!, $g: ID!, $f: Date!) { transferGroupMember(membershipId: $m, toGroupId: $g, from: $f) {
  membership { id groupId startsOn endsOn } errors { code message } } }"""
END = """mutation($m: ID!, $d: Date!) { endGroupMembership(membershipId: $m, lastDay: $d) {
  membership { id endsOn } errors { code } } }"""
GROUP_MEMBERS = """query($b: ID!) { groups(branchId: $b) {
  id memberships { id studentId startsOn endsOn transferredTo } } }"""


async def test_join_leave_transfer_keep_history_and_follow_published_lessons(env: Env) -> None:
    w = await make_world(env, teachers=2, families=(1, 1))
    s1, s2 = w.students(0)[0], w.students(1)[0]
    g1 = await create_group(env, w)
    g2 = await create_group(env, w, teacher=1)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, "2027-06-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=FR", "10:00:00", 60, "2027-06-01")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-06"}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-06"}), "publishMonth")
    m1 = ok(await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": s1, "f": "2027-06-01"}), "addGroupMember")
    m2 = ok(await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": s2, "f": "2027-06-01"}), "addGroupMember")
    moved = ok(await env.gql(w.admin, TRANSFER, {"m": m1["membership"]["id"], "g": g2, "f": "2027-06-15"}),
               "transferGroupMember")["membership"]
    assert (moved["groupId"], moved["startsOn"], moved["endsOn"]) == (g2, "2027-06-15", None)
    ok(await env.gql(w.admin, END, {"m": m2["membership"]["id"], "d": "2027-06-21"}), "endGroupMembership")

    g1_roster = {x["localDate"]: [p["studentId"] for p in x["participants"]]
                 for x in await lessons_of(env, w.admin, groupId=g1)}
    assert g1_roster == {"2027-06-07": sorted([s1, s2]), "2027-06-14": sorted([s1, s2]), "2027-06-21": [s2],
                         "2027-06-28": []}
    g2_roster = {x["localDate"]: [p["studentId"] for p in x["participants"]]
                 for x in await lessons_of(env, w.admin, groupId=g2)}
    assert g2_roster == {"2027-06-04": [], "2027-06-11": [], "2027-06-18": [s1], "2027-06-25": [s1]}
    history = {g["id"]: g["memberships"] for g in (await env.gql(w.admin, GROUP_MEMBERS, {"b": w.branch_id})
                                                   )["data"]["groups"]}
    old = next(m for m in history[g1] if m["studentId"] == s1)
    assert (old["endsOn"], old["transferredTo"]) == ("2027-06-14", moved["id"])
    transferred = [e["payload"] for e in await env.outbox_events("scheduling.membership.transferred.v1")
                   if e["payload"]["student_id"] == s1]
    assert transferred == [{"membership_id": moved["id"], "group_id": g2, "student_id": s1,
                            "family_id": w.family_of(s1), "from": "2027-06-15", "to": None, "from_group_id": g1}]
    removed = [e["payload"] for e in await env.outbox_events("scheduling.participant.removed.v1")
               if e["payload"]["student_id"] in (s1, s2)]
    assert len(removed) == 3  # s1 from 21 and 28 June, s2 from 28 June: billing refunds those
