"""Flows that cross services, through the gateway, with all four services on PostgreSQL + RabbitMQ.

Each test drives the real mutations of the services involved (scheduling's month, learning's lesson sheet,
identity's registration and erasure, billing's subscriptions) and waits for the events to do the rest.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from billing.adapters.tables import students as billing_students
from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient, eventually, ok
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-flows", role=Role.OWNER)
MONTH = "2027-03"
CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id accessOpen students { id firstName } } errors { field code message } } }"""
CREATE_GROUP = """mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } errors { code message } } }"""
ADD_RULE = """mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) {
  recurringLesson { id } errors { code message } } }"""
ADD_MEMBER = """mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: "2027-03-01") {
  membership { id } errors { code message } } }"""
GENERATE = """mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-03") { created errors { code } } }"""
PUBLISH = """mutation($b: ID!) { publishMonth(branchId: $b, month: "2027-03") { published participants
  errors { code } } }"""
CHARGE_MODE = """mutation($b: ID!) { setBranchBillingSettings(input: {branchId: $b, chargeOn: AT_ATTENDANCE}) {
  settings { chargeOn } errors { code } } }"""
LESSONS = """query($f: ID!) { family(id: $f) { lessons(from: "2027-03-01T00:00:00Z", to: "2027-04-01T00:00:00Z",
  first: 100) { edges { node { id startsAt lessonType participants { studentId reason } } } } } }"""
SAVE_SHEET = """mutation($i: SaveLessonSheetInput!) { saveLessonSheet(input: $i) {
  sheet { revision } errors { code field } } }"""
STATEMENT = """query($f: ID!) { family(id: $f) { account { balance { amount } }
  statement(first: 200) { edges { node { kind amount { amount } lessonId studentId at
  balanceAfter { amount } } } } } }"""
CHARGES = """query($f: ID!) { family(id: $f) { account { balance { amount } } } }"""


@dataclass
class School:
    """A branch with a teacher, one family of two children, and a group on Mondays and Wednesdays."""

    stack: StackHandle
    branch: str
    teacher_id: str
    family: str
    masha: str
    petya: str
    group: str

    @property
    def admin(self) -> GraphQLClient:
        return self.stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({self.branch}),
                                           staff_id="adm"))

    @property
    def teacher(self) -> GraphQLClient:
        return self.stack.client(Principal(user_id="t", role=Role.TEACHER, staff_id=self.teacher_id,
                                           branch_ids=frozenset({self.branch})))

    @property
    def guardian(self) -> GraphQLClient:
        return self.stack.client(Principal(user_id="g", role=Role.GUARDIAN, family_id=self.family,
                                           student_ids=frozenset({self.masha, self.petya})))

    async def publish_month(self) -> None:
        await ok(self.admin, GENERATE, {"b": self.branch})
        await ok(self.admin, PUBLISH, {"b": self.branch})
        await self.stack.drain()

    async def group_lessons(self) -> list[str]:
        """The family's group lessons of the month, earliest first (learning knows them once drained)."""
        edges = (await ok(self.admin, LESSONS, {"f": self.family}))["family"]["lessons"]["edges"]
        nodes = sorted((e["node"] for e in edges if e["node"]["lessonType"] == "group"), key=lambda n: n["startsAt"])
        return [n["id"] for n in nodes]

    async def balance(self) -> Decimal:
        got = await ok(self.admin, CHARGES, {"f": self.family})
        return Decimal(got["family"]["account"]["balance"]["amount"])

    async def statement(self) -> list[dict[str, Any]]:
        got = await ok(self.admin, STATEMENT, {"f": self.family})
        return [e["node"] for e in got["family"]["statement"]["edges"]]

    async def wait_balance(self, amount: str, message: str) -> None:
        async def reached() -> bool:
            return await self.balance() == Decimal(amount)

        await eventually(reached, timeout_s=30, message=message)


async def school(stack: StackHandle, *members: str, phone: str = "+79001112233") -> School:
    owner = stack.client(OWNER)
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": "Center", "city": "Kazan", "timeZone": "Europe/Moscow",
                                                    "address": "Baumana 1"}}))["createBranch"]["branch"]["id"]
    ident = stack.runtime("identity")
    async with ident.unit_of_work() as uow:
        teacher = await org.create_staff(org.CreateStaff(
            StaffRole.TEACHER, f"t-{uuid.uuid4().hex[:6]}@flows.test", "Olga", "Teacher", (branch,),
            "teacher-password-1"), uow, OWNER)
    admin = stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch})))
    fam = (await ok(admin, REGISTER_CLIENT, {"i": {
        "phone": phone, "firstName": "Anna", "lastName": "Petrova", "branchId": branch,
        "consentSigned": True, "students": [{"firstName": "Masha", "lastName": "Petrova", "birthDate": "2015-04-01"},
                                            {"firstName": "Petya", "lastName": "Petrova", "birthDate": "2017-08-09"}]
    }}))["registerClient"]["family"]
    kids = {s["firstName"]: s["id"] for s in fam["students"]}
    await stack.drain()
    group = (await ok(admin, CREATE_GROUP, {"i": {"branchId": branch, "name": "Starters", "teacherId": teacher.id,
                                                  "capacity": 6, "price": "1000"}}))["createGroup"]["group"]["id"]
    await ok(admin, ADD_RULE, {"i": {"groupId": group, "rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "startTime": "17:00:00",
                                     "durationMinutes": 90, "validFrom": "2027-03-01"}})
    for name in members:
        await ok(admin, ADD_MEMBER, {"g": group, "s": kids[name]})
    # The sheets of March 2027 may be filled now: learning's "opens before the start" window, widened.
    stack.runtime("learning").settings.sheet_open_before_start_min = 10 ** 7
    return School(stack, branch, teacher.id, fam["id"], kids["Masha"], kids["Petya"], group)


def sheet(lesson_id: str, key: str, **marks: str) -> dict[str, Any]:
    return {"i": {"lessonId": lesson_id, "summary": "Past Simple", "homework": "p. 12", "idempotencyKey": key,
                  "students": [{"studentId": s, "attendance": a} for s, a in marks.items()]}}


async def test_attendance_branch_charges_the_present_child_once(real_stack: StackHandle) -> None:
    """(a) R-BIL-7 at attendance: present is charged, excused is not; the same sheet again changes nothing."""
    s = await school(real_stack, "Masha", "Petya")
    await ok(s.admin, CHARGE_MODE, {"b": s.branch})
    await s.publish_month()
    lessons = await s.group_lessons()
    assert len(lessons) == 10  # March 2027: five Mondays and five Wednesdays
    assert await s.balance() == 0  # nothing is charged at publication in this branch
    # The second lesson: not either child's first (which would be the family's free trial, R-SCH-6).
    saved = (await ok(s.teacher, SAVE_SHEET, sheet(lessons[1], "sheet-1", **{s.masha: "PRESENT",
                                                                              s.petya: "EXCUSED"})))
    assert saved["saveLessonSheet"]["sheet"]["revision"] == 1
    await s.wait_balance("-1000.00", "billing charged the present child")
    again = await ok(s.teacher, SAVE_SHEET, sheet(lessons[1], "sheet-1", **{s.masha: "PRESENT",
                                                                            s.petya: "EXCUSED"}))
    assert again["saveLessonSheet"]["sheet"]["revision"] == 1
    await real_stack.drain()
    charges = [ln for ln in await s.statement() if ln["kind"] == "lesson_charge"]
    assert [(c["lessonId"], c["studentId"], c["amount"]["amount"]) for c in charges] == [
        (lessons[1], s.masha, "-1000.00")]
    assert await s.balance() == Decimal("-1000.00")


async def test_first_attendance_of_a_new_member_is_the_familys_trial(real_stack: StackHandle) -> None:
    """(b) R-SCH-6: the first attended lesson of a newly added student is the trial; a second one is refused."""
    s = await school(real_stack, "Masha")
    await ok(s.admin, ADD_RULE, {"i": {"branchId": s.branch, "teacherId": s.teacher_id, "lessonType": "trial",
                                       "rrule": "FREQ=WEEKLY;BYDAY=SA", "startTime": "12:00:00",
                                       "durationMinutes": 45, "validFrom": "2027-03-01", "price": "0",
                                       "capacity": 5}})
    await s.publish_month()
    lessons = await s.group_lessons()
    await s.wait_balance(f"-{len(lessons) * 1000}.00", "billing charged the published month")
    # Learning consumes the month apart from billing: its lessons must be there before the teacher's sheet.
    await real_stack.drain()
    await ok(s.teacher, SAVE_SHEET, sheet(lessons[0], "first", **{s.masha: "PRESENT"}))

    trial_q = """query($f: ID!) { family(id: $f) { trial { studentId lessonId source } } }"""

    async def trial_used() -> bool:
        got = await ok(s.admin, trial_q, {"f": s.family})
        return got["family"]["trial"] is not None

    await eventually(trial_used, timeout_s=30, message="scheduling marked the trial used")
    got = (await ok(s.admin, trial_q, {"f": s.family}))["family"]["trial"]
    assert got == {"studentId": s.masha, "lessonId": lessons[0], "source": "attendance"}
    # The trial is free: billing gives the member charge of that lesson back.
    await s.wait_balance(f"-{(len(lessons) - 1) * 1000}.00", "billing refunded the trial lesson")

    bookable = (await ok(s.admin, """query($b: ID!) { bookableLessons(branchId: $b, from: "2027-03-01T00:00:00Z",
        to: "2027-04-01T00:00:00Z") { id lessonType } }""", {"b": s.branch}))["bookableLessons"]
    trial_lesson = next(n["id"] for n in bookable if n["lessonType"] == "trial")
    refused = await s.admin.execute("""mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) {
        lesson { id } errors { code } } }""", {"l": trial_lesson, "s": s.petya})
    assert refused["data"]["recordTrial"] == {"lesson": None, "errors": [{"code": "TRIAL_ALREADY_USED"}]}
    await real_stack.drain()
    assert await s.balance() == Decimal(f"-{(len(lessons) - 1) * 1000}.00")


async def test_subscription_sold_on_credit_opens_the_cabinet(real_stack: StackHandle) -> None:
    """(c) R-FAM-7: a staff-registered family gets its cabinet when a non-trial subscription is sold, even on
    credit; a trial one opens nothing."""
    s = await school(real_stack)
    access_q = """query($f: ID!) { family(id: $f) { accessOpen } }"""
    assert (await ok(s.admin, access_q, {"f": s.family}))["family"]["accessOpen"] is False
    plan = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
      subscriptionPlan { id } errors { code message } } }"""
    sell = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { subscription { id }
      balanceAfter { amount } errors { code message } } }"""
    trial_plan = (await ok(s.admin, plan, {"i": {"name": "Trial", "lessons": 1, "validityDays": 7, "price": "0",
                                                 "lessonTypes": ["group"], "trial": True, "branchId": s.branch}})
                  )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    await ok(s.admin, sell, {"i": {"planId": trial_plan, "studentId": s.masha, "onCredit": True,
                                   "idempotencyKey": "trial-sale"}})
    await real_stack.drain()
    assert (await ok(s.admin, access_q, {"f": s.family}))["family"]["accessOpen"] is False
    month_plan = (await ok(s.admin, plan, {"i": {"name": "8 lessons", "lessons": 8, "validityDays": 31,
                                                 "price": "7200", "lessonTypes": ["group"], "branchId": s.branch}})
                  )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    sold = (await ok(s.admin, sell, {"i": {"planId": month_plan, "studentId": s.petya, "onCredit": True,
                                           "idempotencyKey": "month-sale"}}))["sellSubscription"]
    assert sold["balanceAfter"]["amount"] == "-7200.00"  # on credit: the family owes it

    async def opened() -> bool:
        return bool((await ok(s.admin, access_q, {"f": s.family}))["family"]["accessOpen"])

    await eventually(opened, timeout_s=30, message="identity opened the cabinet")


async def test_cancelled_lesson_is_refunded_and_leaves_the_sheet_list(real_stack: StackHandle,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """(d) R-BIL-7: cancelling a charged lesson refunds it; learning no longer asks for its sheet."""
    import learning.schema.queries as learning_queries

    # Learning's clock after the month, so its lessons have ended and their sheets are due.
    monkeypatch.setattr(learning_queries, "_now", lambda: datetime.fromisoformat("2027-04-15T12:00:00+00:00"))
    s = await school(real_stack, "Masha")
    await s.publish_month()
    lessons = await s.group_lessons()
    await s.wait_balance(f"-{len(lessons) * 1000}.00", "billing charged the month")
    unfilled_q = "{ unfilledSheets(first: 100) { id } }"
    unfilled = {x["id"] for x in (await ok(s.teacher, unfilled_q))["unfilledSheets"]}
    assert unfilled == set(lessons)

    cancelled = await ok(s.admin, """mutation($l: ID!) { cancelLesson(lessonId: $l, reason: "teacher ill") {
        lessons { id status } errors { code } } }""", {"l": lessons[0]})
    assert [x["id"] for x in cancelled["cancelLesson"]["lessons"]] == [lessons[0]]
    await s.wait_balance(f"-{(len(lessons) - 1) * 1000}.00", "billing refunded the cancelled lesson")
    await real_stack.drain()
    unfilled = {x["id"] for x in (await ok(s.teacher, unfilled_q))["unfilledSheets"]}
    assert unfilled == set(lessons[1:])
    refused = await s.teacher.execute(SAVE_SHEET, sheet(lessons[0], "late", **{s.masha: "PRESENT"}))
    assert refused["data"]["saveLessonSheet"]["errors"][0]["code"] == "LESSON_CANCELLED"
    lines = [ln for ln in await s.statement() if ln["lessonId"] == lessons[0]]
    assert sorted((ln["kind"], ln["amount"]["amount"]) for ln in lines) == [
        ("lesson_charge", "-1000.00"), ("lesson_refund", "1000.00")]


async def test_erased_student_is_pseudonymised_everywhere_but_money_is_kept(real_stack: StackHandle) -> None:
    """(e) Erasure: every service drops the child's name; billing keeps the amounts and dates."""
    s = await school(real_stack, "Masha")
    await s.publish_month()
    lessons = await s.group_lessons()
    await s.wait_balance(f"-{len(lessons) * 1000}.00", "billing charged the month")
    await ok(s.teacher, SAVE_SHEET, {"i": {"lessonId": lessons[1], "idempotencyKey": "c", "students": [
        {"studentId": s.masha, "attendance": "PRESENT", "comment": "Masha read aloud very well"}]}})
    before = await s.statement()

    erased = await ok(s.guardian, """mutation($s: ID!) { eraseStudent(studentId: $s) { student { id firstName }
        errors { code } } }""", {"s": s.masha})
    assert "Masha" not in str(erased)
    await real_stack.drain()

    from billing.adapters import tables as billing_tables
    from identity.adapters import tables as identity_tables
    from learning.adapters import tables as learning_tables
    from scheduling.adapters import tables as scheduling_tables

    async def row(service: str, table: Any) -> dict[str, Any]:
        async with real_stack.runtime(service).sessionmaker() as session:
            got = (await session.execute(select(table).where(table.c.id == s.masha))).first()
        assert got is not None, service
        return dict(got._mapping)

    assert "Masha" not in str(await row("identity", identity_tables.students))
    assert "Masha" not in str(await row("scheduling", scheduling_tables.students))
    assert (await row("billing", billing_tables.students))["display_name"] == ""
    assert (await row("learning", learning_tables.students))["erased"] is True
    async with real_stack.runtime("learning").sessionmaker() as session:
        comments = (await session.execute(select(learning_tables.sheet_marks.c.comment).where(
            learning_tables.sheet_marks.c.student_id == s.masha))).scalars().all()
    assert comments and all(c is None for c in comments)
    # The money stays: the same lines, amounts and dates.
    assert await s.statement() == before
    assert await s.balance() == Decimal(f"-{len(lessons) * 1000}.00")


async def test_a_marks_charge_and_trial_reach_the_cache_by_their_own_events(cached_stack: StackHandle) -> None:
    """A mark drops learning's cached answers only. What billing and scheduling make of it - a charge at attendance,
    the family's trial - their own events (lesson.charged and balance.changed; participant.removed and .added)
    drop from the gateway's cache: the next reads are fresh well within the entries' 30 s of age."""
    s = await school(cached_stack, "Masha")
    await ok(s.admin, CHARGE_MODE, {"b": s.branch})
    await s.publish_month()
    lessons = await s.group_lessons()
    family_q = """query($f: ID!) { family(id: $f) { account { balance { amount } } trial { lessonId } } }"""

    async def family() -> dict[str, Any]:
        got: dict[str, Any] = (await ok(s.admin, family_q, {"f": s.family}))["family"]
        return got

    def hits() -> float:  # whole answers kept, and the subgraphs' answers under them
        return sum(REGISTRY.get_sample_value(f"gateway_{layer}_cache_lookups_total", {"result": "hit"}) or 0.0
                   for layer in ("response", "entity"))

    before = hits()
    for _ in range(2):
        assert await family() == {"account": {"balance": {"amount": "0.00"}}, "trial": None}
    assert hits() > before  # served from the cache

    async def fresh(check: Callable[[dict[str, Any]], bool]) -> None:
        async with asyncio.timeout(10):
            while not check(await family()):
                await asyncio.sleep(0.05)

    # Not Masha's first lesson in the group: charged at attendance, not her trial.
    await ok(s.teacher, SAVE_SHEET, sheet(lessons[1], "second", **{s.masha: "PRESENT"}))
    await fresh(lambda f: f["account"]["balance"]["amount"] == "-1000.00")
    # Her first: scheduling makes it the family's trial.
    await ok(s.teacher, SAVE_SHEET, sheet(lessons[0], "first", **{s.masha: "PRESENT"}))
    await fresh(lambda f: f["trial"] == {"lessonId": lessons[0]})


async def test_a_read_before_billing_applied_a_rename_is_dropped_when_it_has(cached_stack: StackHandle) -> None:
    """The race `<service>.events.applied` closes. A child renamed at identity: the gateway drops billing's answers
    on identity's event, but billing has not applied it yet (its student's row is held here), so the statement read
    then is the old name and is cached. When billing commits the rename it announces it: the next read is fresh
    well within the entries' 30 s."""
    s = await school(cached_stack, "Masha")
    await s.publish_month()
    guardian = s.guardian
    names_q = """query($f: ID!) { family(id: $f) { statement(first: 3) { edges { node { studentName } } } } }"""

    async def names() -> set[str | None]:
        got = await ok(guardian, names_q, {"f": s.family})
        return {e["node"]["studentName"] for e in got["family"]["statement"]["edges"]}

    assert await names() == {"Masha Petrova"}
    feed = cached_stack.stack.gateway.state.gateway.feed
    renamed_seen = asyncio.Event()
    consumers = feed._consumers

    def watching(handle: Any) -> Any:
        async def watch(envelope: Any) -> None:
            await handle(envelope)
            if envelope.type == "identity.student.updated":
                renamed_seen.set()
        return watch

    feed._consumers = [(b, watching(h)) for b, h in consumers]
    try:
        async with cached_stack.runtime("billing").sessionmaker() as hold:
            await hold.execute(select(billing_students.c.id).where(billing_students.c.id == s.masha).with_for_update())
            renamed = await cached_stack.service_client("identity", OWNER).execute(
                """mutation($i: UpdateStudentInput!) { updateStudent(input: $i) { errors { code } } }""",
                {"i": {"studentId": s.masha, "firstName": "Maria"}})
            assert renamed["data"]["updateStudent"]["errors"] == [], renamed
            async with asyncio.timeout(10):
                await renamed_seen.wait()  # billing's answers dropped; billing waits on the row
            assert await names() == {"Masha Petrova"}  # read before billing applied it: the old name, cached
            assert await names() == {"Masha Petrova"}
            await hold.rollback()  # billing applies the rename and commits
    finally:
        feed._consumers = consumers
    async with asyncio.timeout(10):
        while await names() != {"Maria Petrova"}:
            await asyncio.sleep(0.05)
