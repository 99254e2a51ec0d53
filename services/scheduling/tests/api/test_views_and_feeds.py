"""R-SCH-8, R-SCH-9: lessons of a student, family, teacher, group and branch as a paginated list and by day;
private iCalendar feeds per student and per teacher that parse with `icalendar` and can be revoked."""

from __future__ import annotations

import pytest
from icalendar import Calendar
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

CALENDAR = """query($f: LessonsFilter!, $tz: String!) { lessonCalendar(filter: $f, timeZone: $tz) {
  date lessons { id startsAt } } }"""
ISSUE = """mutation($s: ID, $t: ID) { issueCalendarFeed(studentId: $s, teacherId: $t) {
  feed { id url } errors { code } } }"""
REVOKE = """mutation($id: ID!) { revokeCalendarFeed(feedId: $id) { feed { id } errors { code } } }"""
TEACHER_LESSONS = """query($id: ID!) { _entities(representations: [{__typename: "Staff", id: $id}]) {
  ... on Staff { lessons(from: "2027-01-01T00:00:00Z", to: "2027-12-01T00:00:00Z", first: 3) {
    totalCount pageInfo { hasNextPage } edges { node { id teacherId } } } } } }"""


async def test_views_for_each_viewer_paginated_and_by_day(env: Env) -> None:
    w = await make_world(env, time_zone="Asia/Yekaterinburg", teachers=2, families=(2, 1))
    a, b = w.students(0)
    c = w.students(1)[0]
    g1 = await create_group(env, w)
    g2 = await create_group(env, w, teacher=1)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=MO,TH", "17:00:00", 60, "2027-03-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=TU", "09:00:00", 60, "2027-03-01")
    for g, s in [(g1, a), (g2, b), (g2, c)]:
        ok(await env.gql(w.admin, ADD_MEMBER, {"g": g, "s": s, "f": "2027-03-01"}), "addGroupMember")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-03"}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-03"}), "publishMonth")

    g1_lessons = await lessons_of(env, w.admin, groupId=g1)
    g2_lessons = await lessons_of(env, w.admin, groupId=g2)
    assert (len(g1_lessons), len(g2_lessons)) == (9, 5)
    assert len(await lessons_of(env, w.admin, branchId=w.branch_id)) == 14
    family = w.guardian(w.family_ids[0])
    assert len(await lessons_of(env, family)) == 14  # both children: 9 + 5
    assert len(await lessons_of(env, family, studentId=a)) == 9
    assert len(await lessons_of(env, w.teacher(1))) == 5
    assert len(await lessons_of(env, w.guardian(w.family_ids[1]))) == 5
    # A family sees only its own children in a shared lesson.
    shared = (await lessons_of(env, w.guardian(w.family_ids[1]), groupId=None))[0]
    assert [p["studentId"] for p in shared["participants"]] == [c]

    page = await env.gql_service(w.teacher(0), TEACHER_LESSONS, {"id": w.teachers[0]})
    conn = page["data"]["_entities"][0]["lessons"]
    assert conn["totalCount"] == 9 and conn["pageInfo"]["hasNextPage"] and len(conn["edges"]) == 3

    days = await env.gql(family, CALENDAR, {"f": {"from": "2027-03-01T00:00:00Z", "to": "2027-03-08T00:00:00Z"},
                                            "tz": w.time_zone})
    by_day = {d["date"]: len(d["lessons"]) for d in days["data"]["lessonCalendar"]}
    assert by_day == {"2027-03-01": 1, "2027-03-02": 1, "2027-03-04": 1}


async def test_ical_feed_has_exactly_the_students_lessons_and_can_be_revoked(env: Env) -> None:
    w = await make_world(env, families=(1, 1))
    a, other = w.students(0)[0], w.students(1)[0]
    g1, g2 = await create_group(env, w), await create_group(env, w)
    await add_rule(env, w, g1, "FREQ=WEEKLY;BYDAY=WE", "15:00:00", 60, "2027-04-01")
    await add_rule(env, w, g2, "FREQ=WEEKLY;BYDAY=FR", "15:00:00", 60, "2027-04-01")
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g1, "s": a, "f": "2027-04-01", "t": "2027-04-20"}), "addGroupMember")
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": g2, "s": other, "f": "2027-04-01"}), "addGroupMember")
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-04"}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-04"}), "publishMonth")  # drafts: test_drafts
    expected = {x["id"] for x in await lessons_of(env, w.admin, studentId=a)}
    assert len(expected) == 2  # Wednesdays 7 and 14 (a member until the 20th), not 21 or 28

    guardian = w.guardian(w.family_ids[0])
    feed = ok(await env.gql(guardian, ISSUE, {"s": a}), "issueCalendarFeed")["feed"]
    assert feed["url"].startswith("https://kabinet.test/services/scheduling/calendar/") and feed["url"].endswith(".ics")
    path = "/calendar/" + feed["url"].rsplit("/", 1)[1]
    resp = await env.service.get(path)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(resp.content)
    events = cal.walk("VEVENT")
    assert {str(e["UID"]).split("@")[0] for e in events} == expected
    assert all(e.decoded("DTSTART").tzinfo is not None for e in events)

    denied = await env.gql(w.guardian(w.family_ids[1]), ISSUE, {"s": a})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    teacher_feed = ok(await env.gql(w.teacher(0), ISSUE, {"t": w.teachers[0]}), "issueCalendarFeed")["feed"]
    tcal = Calendar.from_ical((await env.service.get("/calendar/" + teacher_feed["url"].rsplit("/", 1)[1])).content)
    assert len(tcal.walk("VEVENT")) == 9

    ok(await env.gql(guardian, REVOKE, {"id": feed["id"]}), "revokeCalendarFeed")
    assert (await env.service.get(path)).status_code == 404
    assert (await env.service.get("/calendar/not-a-token.ics")).status_code == 404


async def test_erasure_from_identity_blanks_the_name_and_stops_the_feeds(env: Env) -> None:
    from sqlalchemy import select

    from kabinet.testing.stack import eventually
    from scheduling.adapters.tables import students

    w = await make_world(env, families=(1,))
    s = w.students(0)[0]
    feed = ok(await env.gql(w.guardian(w.family_ids[0]), ISSUE, {"s": s}), "issueCalendarFeed")["feed"]
    path = "/calendar/" + feed["url"].rsplit("/", 1)[1]
    assert (await env.service.get(path)).status_code == 200
    await env.identity_event("identity.student.erased", {"student_id": s, "family_id": w.family_ids[0]})

    async def erased() -> bool:
        async with env.runtime.sessionmaker() as session:
            row = (await session.execute(select(students).where(students.c.id == s))).one()
        return bool(row.erased) and row.first_name == "" and row.last_name == ""

    await eventually(erased)
    assert (await env.service.get(path)).status_code == 404
