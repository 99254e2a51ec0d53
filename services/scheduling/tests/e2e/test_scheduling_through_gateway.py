"""Scheduling's key flows through the gateway, with all four services on PostgreSQL + RabbitMQ: identity's
branch, teacher and family reach scheduling as events; the admin builds a group, its regular schedule and a
month, publishes it and billing charges the family; the guardian sees the children's lessons beside
identity's fields (one federated query), books a trial, and subscribes to a child's calendar feed."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient, eventually
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-e2e", role=Role.OWNER)
CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id students { id firstName } } errors { field code message } } }"""
CREATE_GROUP = """mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } errors { code message } } }"""
ADD_RULE = """mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) {
  recurringLesson { id } errors { code message } } }"""
ADD_MEMBER = """mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: "2027-03-01") {
  membership { id } errors { code message } } }"""
GENERATE = """mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-03") { created errors { code } } }"""
PUBLISH = """mutation($b: ID!) { publishMonth(branchId: $b, month: "2027-03") { published participants
  errors { code } } }"""
CABINET = """query($f: ID!) { family(id: $f) { id students { id firstName bookedLessonsCount
  lessons(from: "2027-03-01T00:00:00Z", to: "2027-04-01T00:00:00Z") { totalCount
    edges { node { id localDate lessonType participants { studentId reason } } } } } } }"""
BOOK = """mutation($l: ID!, $s: ID!) { bookPlace(lessonId: $l, studentId: $s, idempotencyKey: "e2e-1") {
  booking { id } errors { code message } } }"""
FEED = """mutation($s: ID!) { issueCalendarFeed(studentId: $s) { feed { url } errors { code } } }"""


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


async def test_month_published_through_the_gateway_is_charged_and_seen_by_the_family(
        real_stack: StackHandle) -> None:
    owner = real_stack.client(OWNER)
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": "Center", "city": "Berlin", "timeZone": "Europe/Berlin",
                                                    "address": "Unter den Linden 1"}}))["createBranch"]["branch"]["id"]
    ident = real_stack.runtime("identity")
    async with ident.unit_of_work() as uow:
        teacher = await org.create_staff(org.CreateStaff(
            StaffRole.TEACHER, "teacher@sched-e2e.test", "Olga", "Teacher", (branch,), "teacher-password-1"),
            uow, OWNER)
    admin = real_stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch})))
    fam = (await ok(admin, REGISTER_CLIENT, {"i": {
        "phone": "+79001234567", "firstName": "Anna", "lastName": "Petrova", "branchId": branch,
        "consentSigned": True, "students": [{"firstName": "Masha", "lastName": "Petrova", "birthDate": "2015-04-01"},
                                            {"firstName": "Petya", "lastName": "Petrova", "birthDate": "2017-08-09"}]
    }}))["registerClient"]["family"]
    masha, petya = (s["id"] for s in fam["students"])
    await real_stack.drain()  # identity's branch, staff and student events are now in scheduling

    group = (await ok(admin, CREATE_GROUP, {"i": {"branchId": branch, "name": "Starters", "teacherId": teacher.id,
                                                  "capacity": 6, "price": "1000"}}))["createGroup"]["group"]["id"]
    await ok(admin, ADD_RULE, {"i": {"groupId": group, "rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "startTime": "17:00:00",
                                     "durationMinutes": 90, "validFrom": "2027-03-01"}})
    await ok(admin, ADD_RULE, {"i": {"branchId": branch, "teacherId": teacher.id, "lessonType": "trial",
                                     "rrule": "FREQ=WEEKLY;BYDAY=SA", "startTime": "12:00:00", "durationMinutes": 45,
                                     "validFrom": "2027-03-01", "price": "0", "capacity": 5}})
    await ok(admin, ADD_MEMBER, {"g": group, "s": masha})
    assert (await ok(admin, GENERATE, {"b": branch}))["generateMonth"]["created"] == 10 + 4
    published = (await ok(admin, PUBLISH, {"b": branch}))["publishMonth"]
    assert (published["published"], published["participants"]) == (14, 10)

    guardian = real_stack.client(Principal(user_id="g", role=Role.GUARDIAN, family_id=fam["id"],
                                           student_ids=frozenset({masha, petya})))
    cabinet = (await ok(guardian, CABINET, {"f": fam["id"]}))["family"]
    kids = {s["firstName"]: s for s in cabinet["students"]}
    assert kids["Masha"]["lessons"]["totalCount"] == 10 and kids["Petya"]["lessons"]["totalCount"] == 0

    # A trial place for the younger child, booked by the guardian from the child's profile.
    bookable = (await ok(guardian, """query($b: ID!) { bookableLessons(branchId: $b, from: "2027-03-01T00:00:00Z",
        to: "2027-04-01T00:00:00Z") { id lessonType } }""", {"b": branch}))["bookableLessons"]
    trial = next(x for x in bookable if x["lessonType"] == "trial")
    await ok(guardian, BOOK, {"l": trial["id"], "s": petya})
    cabinet = (await ok(guardian, CABINET, {"f": fam["id"]}))["family"]
    kids = {s["firstName"]: s for s in cabinet["students"]}
    assert kids["Petya"]["lessons"]["edges"][0]["node"]["participants"] == [{"studentId": petya, "reason": "TRIAL"}]

    # Billing charged the ten published group lessons from scheduling's events.
    async def charged() -> bool:
        got = await guardian.execute("{ myFamily { account { balance { amount } } } }")
        account = (got.get("data") or {}).get("myFamily", {}).get("account")
        return bool(account) and account["balance"]["amount"] == "-10000.00"

    await eventually(charged, timeout_s=30, message="billing charged the month")

    url = (await ok(guardian, FEED, {"s": masha}))["issueCalendarFeed"]["feed"]["url"]
    resp = await real_stack.service_client("scheduling").get("/calendar/" + url.rsplit("/", 1)[1])
    events = Calendar.from_ical(resp.content).walk("VEVENT")
    assert len(events) == 10
