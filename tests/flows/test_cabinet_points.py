"""What a newcomer met in the family cabinet (issue #11), through the gateway on PostgreSQL + RabbitMQ."""

from __future__ import annotations

from kabinet.auth import Principal, Role
from kabinet_stack.testing import StackHandle

from .test_cross_service_flows import ok, school

ADD_CHILD = """mutation($i: AddChildInput!) { addChild(input: $i) {
  student { id firstName familyBalance { amount } remainingLessons familyRemainingLessons subscriptions { id }
            bookedLessonsCount bookings { id }
            lessons(from: "2027-03-01T00:00:00Z", to: "2027-04-01T00:00:00Z") { edges { node { id } } } }
  errors { code field message } } }"""
CHILD = {"firstName": "Dasha", "lastName": "Petrova", "birthDate": "2019-01-20", "consent": True}
COUNTS = """query($f: ID!) { family(id: $f) { students { firstName bookedLessonsCount } } }"""


async def test_added_child_is_readable_at_once_and_a_duplicate_needs_confirmation(real_stack: StackHandle) -> None:
    """Point 9: the new child's billing and scheduling fields answer in addChild's own payload (their
    projections of the child have not arrived yet), and the same child again is DUPLICATE_CHILD."""
    s = await school(real_stack)
    guardian = real_stack.client(Principal(user_id="g", role=Role.GUARDIAN, family_id=s.family,
                                           student_ids=frozenset({s.masha, s.petya})))
    got = await guardian.execute(ADD_CHILD, {"i": CHILD})
    assert "errors" not in got, got
    added = got["data"]["addChild"]
    assert added["errors"] == []
    child = added["student"]
    assert child["familyBalance"] == {"amount": "0.00"} and child["subscriptions"] == []
    assert child["bookedLessonsCount"] == 0 and child["lessons"]["edges"] == [] and child["bookings"] == []

    again = (await guardian.execute(ADD_CHILD, {"i": CHILD}))["data"]["addChild"]
    assert again["student"] is None and [e["code"] for e in again["errors"]] == ["DUPLICATE_CHILD"]
    spelled = (await guardian.execute(ADD_CHILD, {"i": {**CHILD, "firstName": " dasha "}}))["data"]["addChild"]
    assert [e["code"] for e in spelled["errors"]] == ["DUPLICATE_CHILD"]
    twin = (await guardian.execute(ADD_CHILD, {"i": {**CHILD, "confirmDuplicate": True}}))["data"]["addChild"]
    assert twin["errors"] == [] and twin["student"]["id"] != child["id"]

    stranger = real_stack.client(Principal(user_id="x", role=Role.GUARDIAN, family_id="another-family"))
    other = await stranger.execute("""query($f: ID!) { family(id: $f) { id } }""", {"f": s.family})
    assert other["data"]["family"] is None


async def test_booked_lessons_count_counts_every_upcoming_lesson(real_stack: StackHandle) -> None:
    """Point 16: a child who is a group's member has upcoming lessons, none of them booked: the count shows them."""
    s = await school(real_stack, "Masha")
    await s.publish_month()  # March 2027: in the future
    got = await ok(s.guardian, COUNTS, {"f": s.family})
    counts = {x["firstName"]: x["bookedLessonsCount"] for x in got["family"]["students"]}
    assert counts["Masha"] >= 8 and counts["Petya"] == 0, counts
