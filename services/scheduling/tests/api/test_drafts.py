"""A generated month is a draft until published (generateMonth, then publishMonth): the branch's staff see and
change its lessons (``published: false``), families see and book none of them, on any read path - lists,
calendar, a lesson by id, the Student/Family/Lesson entity fields scheduling resolves, bookable lessons,
bookings and calendar feeds - until the month is published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from icalendar import Calendar
from scheduling_testkit import (
    ADD_MEMBER,
    GENERATE,
    OWNER,
    PUBLISH,
    Env,
    World,
    add_rule,
    create_group,
    lessons_of,
    make_world,
    ok,
    user_error,
)

from kabinet.auth import Principal, Role
from kabinet.testing.stack import eventually

pytestmark = pytest.mark.integration

MONTH, FROM, TO = "2027-09", "2027-09-01T00:00:00Z", "2027-10-01T00:00:00Z"
CALENDAR = """query($f: LessonsFilter!) { lessonCalendar(filter: $f, timeZone: "UTC") { date lessons { id } } }"""
LESSON = "query($id: ID!) { lesson(id: $id) { id published } }"
BOOKABLE = """query($b: ID!) { bookableLessons(branchId: $b, from: "2027-09-01T00:00:00Z",
  to: "2027-10-01T00:00:00Z") { id } }"""
BOOK_PLACE = """mutation($l: ID!, $s: ID!) { bookPlace(lessonId: $l, studentId: $s) {
  booking { id lessonId } errors { code message } } }"""
CANCEL = "mutation($b: ID!) { cancelBooking(bookingId: $b) { booking { id lesson { id } } errors { code } } }"
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Student { lessons(from: "2027-09-01T00:00:00Z", to: "2027-10-01T00:00:00Z") {
                     totalCount edges { node { id } } }
                   bookings { id lessonId lesson { id } } }
  ... on Family { lessons(from: "2027-09-01T00:00:00Z", to: "2027-10-01T00:00:00Z") {
                    totalCount edges { node { id } } } }
  ... on Lesson { id published } } }"""
ISSUE_FEED = """mutation($s: ID, $t: ID) { issueCalendarFeed(studentId: $s, teacherId: $t) {
  feed { id url } errors { code } } }"""


@dataclass
class Draft:
    w: World
    group: str
    lessons: list[str]  # the draft month's lessons, in start order; the family's child is a member of each
    kid: str  # a member of the group
    sibling: str  # kid's sibling, booked by the branch into the first lesson
    booking: str  # that booking
    other: str  # a child of another family, on no lesson

    @property
    def guardian(self) -> Principal:
        return self.w.guardian(self.w.family_of(self.kid))

    @property
    def child(self) -> Principal:
        """The kid's own login."""
        return Principal(user_id=f"s-{self.kid}", role=Role.STUDENT, family_id=self.w.family_of(self.kid),
                         student_ids=frozenset({self.kid}))

    @property
    def other_guardian(self) -> Principal:
        return self.w.guardian(self.w.family_of(self.other))

    async def publish(self, env: Env) -> None:
        ok(await env.gql(self.w.admin, PUBLISH, {"b": self.w.branch_id, "m": MONTH, "g": self.group}), "publishMonth")


async def draft_month(env: Env) -> Draft:
    """Four Monday lessons of a group generated and not published; the branch books the kid's sibling into the
    first (staff may book into a draft: the booking comes out with the month)."""
    w = await make_world(env, teachers=2, families=(2, 1))
    kid, sibling = w.students(0)
    other = w.students(1)[0]
    group = await create_group(env, w, capacity=4)
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=MO", "10:00:00", 60, f"{MONTH}-01")
    ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": kid, "f": f"{MONTH}-01"}), "addGroupMember")
    assert ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": MONTH, "g": group}),
              "generateMonth")["created"] == 4
    found = await lessons_of(env, w.admin, groupId=group)
    booking = ok(await env.gql(w.admin, BOOK_PLACE, {"l": found[0]["id"], "s": sibling}), "bookPlace")["booking"]
    return Draft(w, group, [x["id"] for x in found], kid, sibling, booking["id"], other)


def ids(found: list[dict[str, Any]]) -> set[str]:
    return {x["id"] for x in found}


def code(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None


async def test_lesson_lists_and_calendar_show_drafts_to_staff_only(env: Env) -> None:
    d = await draft_month(env)
    drafts = set(d.lessons)
    # Staff review the draft: the branch's admin, the owner, the group's teacher - marked as drafts.
    for staff in (d.w.admin, d.w.teacher(0)):
        found = await lessons_of(env, staff, groupId=d.group, **{"from": FROM, "to": TO})
        assert ids(found) == drafts and not any(x["published"] for x in found)
    assert drafts <= ids(await lessons_of(env, OWNER, branchId=d.w.branch_id, **{"from": FROM, "to": TO}))
    assert not drafts & ids(await lessons_of(env, d.w.teacher(1), **{"from": FROM, "to": TO}))  # not theirs

    async def family_sees() -> list[set[str]]:
        window = {"from": FROM, "to": TO}
        days = await env.gql(d.guardian, CALENDAR, {"f": window})
        assert "errors" not in days, days
        return [ids(await lessons_of(env, d.guardian, **window)),
                ids(await lessons_of(env, d.guardian, studentId=d.kid, **window)),
                ids(await lessons_of(env, d.child, **window)),
                {x["id"] for day in days["data"]["lessonCalendar"] for x in day["lessons"]}]

    assert await family_sees() == [set(), set(), set(), set()]
    assert code(await env.gql(d.guardian, LESSON, {"id": d.lessons[0]})) == "FORBIDDEN"
    assert code(await env.gql(d.child, LESSON, {"id": d.lessons[0]})) == "FORBIDDEN"
    admin_view = await env.gql(d.w.admin, LESSON, {"id": d.lessons[0]})
    assert admin_view["data"]["lesson"] == {"id": d.lessons[0], "published": False}

    await d.publish(env)

    async def published() -> bool:  # the gateway's cached lists drop on scheduling.lesson.scheduled.v1
        return await family_sees() == [drafts] * 4

    await eventually(published, message="the family sees the published month")
    assert (await env.gql(d.guardian, LESSON, {"id": d.lessons[0]}))["data"]["lesson"]["published"] is True


async def test_entity_fields_resolved_by_scheduling_hide_drafts_from_families(env: Env) -> None:
    d = await draft_month(env)
    reps = [{"__typename": "Student", "id": d.kid}, {"__typename": "Student", "id": d.sibling},
            {"__typename": "Family", "id": d.w.family_of(d.kid)}]
    lesson_rep = [{"__typename": "Lesson", "id": d.lessons[0]}]

    def seen(result: dict[str, Any]) -> list[Any]:
        assert "errors" not in result, result
        kid, sibling, family = result["data"]["_entities"]
        return [kid["lessons"]["totalCount"], {x["node"]["id"] for x in kid["lessons"]["edges"]},
                [b["id"] for b in sibling["bookings"]], family["lessons"]["totalCount"]]

    assert seen(await env.gql_service(d.guardian, ENTITIES, {"reps": reps})) == [0, set(), [], 0]
    assert code(await env.gql_service(d.guardian, ENTITIES, {"reps": lesson_rep})) == "FORBIDDEN"
    staff = await env.gql_service(d.w.admin, ENTITIES, {"reps": reps})
    assert seen(staff) == [4, set(d.lessons), [d.booking], 4]  # the sibling is on the kid's first
    assert staff["data"]["_entities"][1]["bookings"][0]["lesson"] == {"id": d.lessons[0]}
    assert (await env.gql_service(d.w.admin, ENTITIES, {"reps": lesson_rep}))["data"]["_entities"] == [
        {"id": d.lessons[0], "published": False}]

    await d.publish(env)
    assert seen(await env.gql_service(d.guardian, ENTITIES, {"reps": reps})) == [4, set(d.lessons), [d.booking], 4]
    assert (await env.gql_service(d.guardian, ENTITIES, {"reps": lesson_rep}))["data"]["_entities"] == [
        {"id": d.lessons[0], "published": True}]


async def test_a_booking_of_a_draft_does_not_show_the_family_its_lesson(env: Env) -> None:
    d = await draft_month(env)
    cancelled = ok(await env.gql(d.guardian, CANCEL, {"b": d.booking}), "cancelBooking")["booking"]
    assert cancelled == {"id": d.booking, "lesson": None}


async def test_families_are_offered_and_may_book_only_published_lessons(env: Env) -> None:
    d = await draft_month(env)
    target = d.lessons[1]
    offered = await env.gql(d.other_guardian, BOOKABLE, {"b": d.w.branch_id})
    assert "errors" not in offered and offered["data"]["bookableLessons"] == []
    other_child = Principal(user_id=f"s-{d.other}", role=Role.STUDENT, family_id=d.w.family_of(d.other),
                            student_ids=frozenset({d.other}))
    for family in (d.other_guardian, other_child):
        refused = await env.gql(family, BOOK_PLACE, {"l": target, "s": d.other})
        assert user_error(refused, "bookPlace") == "NOT_BOOKABLE"
        assert refused["data"]["bookPlace"]["booking"] is None
    # Nothing changed: not on the lesson, no booking, no booking.created event.
    roster = next(x for x in await lessons_of(env, d.w.admin, groupId=d.group) if x["id"] == target)
    assert [p["studentId"] for p in roster["participants"]] == [d.kid]
    other_rep = [{"__typename": "Student", "id": d.other}]
    mine = await env.gql_service(d.w.admin, ENTITIES, {"reps": other_rep})
    assert mine["data"]["_entities"][0]["bookings"] == []
    assert not [e for e in await env.outbox_events("scheduling.booking.created.v1")
                if e["payload"]["student_id"] == d.other]

    await d.publish(env)
    offered = await env.gql(d.other_guardian, BOOKABLE, {"b": d.w.branch_id})
    assert set(d.lessons) == ids(offered["data"]["bookableLessons"])
    booked = ok(await env.gql(d.other_guardian, BOOK_PLACE, {"l": target, "s": d.other}), "bookPlace")["booking"]
    assert booked["lessonId"] == target


async def test_a_students_calendar_feed_has_no_drafts_a_teachers_marks_them_tentative(env: Env) -> None:
    d = await draft_month(env)
    student_feed = ok(await env.gql(d.guardian, ISSUE_FEED, {"s": d.kid}), "issueCalendarFeed")["feed"]
    teacher_feed = ok(await env.gql(d.w.teacher(0), ISSUE_FEED, {"t": d.w.teachers[0]}), "issueCalendarFeed")["feed"]

    async def events(feed: dict[str, Any]) -> dict[str, str]:
        resp = await env.service.get("/calendar/" + feed["url"].rsplit("/", 1)[1])
        assert resp.status_code == 200
        return {str(e["UID"]).split("@")[0]: str(e["STATUS"]) for e in Calendar.from_ical(resp.content).walk("VEVENT")}

    assert await events(student_feed) == {}
    assert await events(teacher_feed) == dict.fromkeys(d.lessons, "TENTATIVE")
    await d.publish(env)
    assert await events(student_feed) == dict.fromkeys(d.lessons, "CONFIRMED")
    assert await events(teacher_feed) == dict.fromkeys(d.lessons, "CONFIRMED")
