"""What a newcomer met in the family cabinet (issue #11), through the gateway on PostgreSQL + RabbitMQ."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime

from kabinet.auth import Principal, Role
from kabinet.testing.stack import eventually
from kabinet_stack.testing import StackHandle
from scheduling.service.lesson_status import mark_missed_lessons

from .test_cross_service_flows import SAVE_SHEET, ok, school, sheet

ADD_CHILD = """mutation($i: AddChildInput!) { addChild(input: $i) {
  student { id firstName familyBalance { amount } remainingLessons familyRemainingLessons subscriptions { id }
            bookedLessonsCount bookings { id } pastLessons { totalCount } homework { text }
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
    assert child["pastLessons"] == {"totalCount": 0} and child["homework"] == []

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


LESSON_STATUS = """query($l: ID!) { lesson(id: $l) { status } }"""
CANCEL = """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "ill") { errors { code } } }"""
DEADLINE = """mutation($b: ID!, $h: Int!) { setSheetDeadline(branchId: $b, hours: $h) { hours errors { code } } }"""


async def test_a_lessons_status_follows_what_happened(real_stack: StackHandle) -> None:
    """Point 14: conducted once its sheet is saved (learning's event), missed when no sheet came within the
    branch's limit (the job), conducted after all when the sheet comes late; cancelled stays cancelled."""
    s = await school(real_stack, "Masha")
    await s.publish_month()
    first, second, third, *_ = await s.group_lessons()
    assert (await ok(s.admin, DEADLINE, {"b": s.branch, "h": 24}))["setSheetDeadline"]["hours"] == 24
    bad = (await s.admin.execute(DEADLINE, {"b": s.branch, "h": 0}))["data"]["setSheetDeadline"]
    assert [e["code"] for e in bad["errors"]] == ["INVALID_INPUT"]
    await ok(s.teacher, SAVE_SHEET, sheet(first, "k1", **{s.masha: "PRESENT"}))
    await ok(s.admin, CANCEL, {"l": third})
    await real_stack.drain()

    async def status(lesson: str) -> str:
        return str((await ok(s.admin, LESSON_STATUS, {"l": lesson}))["lesson"]["status"])

    await eventually(lambda: _is(status(first), "conducted"), timeout_s=20, message="conducted")
    assert await status(second) == "scheduled"
    # The month is over and a day more: the job marks what has no sheet as missed.
    marked = await mark_missed_lessons(real_stack.runtime("scheduling").uow, datetime(2027, 4, 3, tzinfo=UTC))
    assert marked >= 5
    assert (await status(first), await status(second), await status(third)) == ("conducted", "missed", "cancelled")
    await ok(s.teacher, SAVE_SHEET, sheet(second, "k2", **{s.masha: "LATE"}))
    await real_stack.drain()
    await eventually(lambda: _is(status(second), "conducted"), timeout_s=20, message="late sheet: conducted")


async def _is(value: Awaitable[str], expected: str) -> bool:
    return await value == expected
