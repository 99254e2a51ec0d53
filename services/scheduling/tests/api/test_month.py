"""R-SCH-1, R-SCH-3, R-SCH-4: a group's regular rule generates a month of lessons (DST-safe, idempotent,
holidays skipped), members by their periods, and publishing emits one priced event per lesson."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("zone", "utc_hours"), [
    ("Europe/Berlin", {16, 15}),  # CET 17:00 = 16:00Z; after 28 March (CEST) 17:00 = 15:00Z
    ("Asia/Novosibirsk", {10}),  # no DST: 17:00 is always 10:00Z
])
async def test_month_across_dst_keeps_wall_clock_time(env: Env, zone: str, utc_hours: set[int]) -> None:
    w = await make_world(env, time_zone=zone, families=(1,))
    group = await create_group(env, w, room_id=await create_room(env, w))
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=MO,WE", "17:00:00", 90, "2027-03-01")
    r = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-03"}), "generateMonth")
    assert r["created"] == 10  # Mondays 1..29 and Wednesdays 3..31 of March 2027

    found = await lessons_of(env, w.admin, groupId=group)
    tz = ZoneInfo(zone)
    starts = [datetime.fromisoformat(x["startsAt"]) for x in found]
    assert len(found) == 10
    assert {s.astimezone(tz).strftime("%H:%M") for s in starts} == {"17:00"}
    assert {s.astimezone(ZoneInfo("UTC")).hour for s in starts} == utc_hours
    assert all((datetime.fromisoformat(x["endsAt"]) - datetime.fromisoformat(x["startsAt"])).seconds == 5400
               for x in found)
    assert sorted(x["localDate"] for x in found)[0] == "2027-03-01"

    again = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-03"}), "generateMonth")
    assert (again["created"], again["existing"]) == (0, 10)
    assert len(await lessons_of(env, w.admin, groupId=group)) == 10


async def test_members_by_period_holidays_and_publishing(env: Env) -> None:
    w = await make_world(env, families=(2, 1))
    s1, s2 = w.students(0)
    s3 = w.students(1)[0]
    group = await create_group(env, w, price="1200.00")
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=TU", "10:00:00", 60, "2027-04-01", skipDates=["2027-04-13"])
    for sid, frm, to in [(s1, "2027-04-01", None), (s2, "2027-04-01", "2027-04-10"), (s3, "2027-04-20", "2027-04-20")]:
        ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": sid, "f": frm, "t": to}), "addGroupMember")

    r = ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-04", "g": group}), "generateMonth")
    assert r["created"] == 3  # Tuesdays 6, 20, 27 (13 is a holiday)
    found = {x["localDate"]: x for x in await lessons_of(env, w.admin, groupId=group)}
    roster = {d: sorted(p["studentId"] for p in x["participants"]) for d, x in found.items()}
    assert roster == {"2027-04-06": sorted([s1, s2]), "2027-04-20": sorted([s1, s3]), "2027-04-27": [s1]}
    assert all(not x["published"] for x in found.values())

    pub = ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-04", "g": group}), "publishMonth")
    assert (pub["published"], pub["participants"]) == (3, 5)
    events = [e for e in await env.outbox_events("scheduling.lesson.scheduled.v1")
              if e["payload"]["group_id"] == group]
    assert len(events) == 3
    by_lesson = {e["payload"]["lesson_id"]: e["payload"] for e in events}
    first = by_lesson[found["2027-04-06"]["id"]]
    assert first["price"] == {"amount": "1200.00", "currency": "RUB"}
    assert first["lesson_type"] == "group" and first["charged_by_default"] is True
    assert sorted((p["student_id"], p["family_id"], p["reason"], p["price"]["amount"])
                  for p in first["participants"]) == sorted(
        [(s1, w.family_of(s1), "member", "1200.00"), (s2, w.family_of(s2), "member", "1200.00")])
    again = ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-04", "g": group}), "publishMonth")
    assert again["published"] == 0  # nothing is published twice


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
