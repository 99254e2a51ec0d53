"""Issue #11 through the gateway: one free trial per family for subscriptions too (point 10); a make-up is
charged only as the branch's rule says, and the line says which rule (point 15)."""

from __future__ import annotations

import uuid
from typing import Any

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import eventually

from .conftest import OWNER, Branch, ok
from .test_points_through_gateway import SELL, cabinet, create_lesson, lines, pay, plan, settled

ADD_MAKEUP = """mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) {
  lesson { id } errors { code message } } }"""
SETTINGS = """mutation($i: BranchBillingSettingsInput!) { setBranchBillingSettings(input: $i) {
  settings { chargeOn makeupCharge } errors { code } } }"""
LESSON_TYPE = """mutation($n: String!, $c: String!) { createLessonType(name: $n, kind: TRIAL,
  chargedByDefault: true, code: $c) { errors { code } } }"""
READ_SETTINGS = """query($b: ID!) { branchBillingSettings(branchId: $b) { makeupCharge } }"""


async def test_a_trial_subscription_is_sold_once_per_family(center: Branch) -> None:
    fam = await center.family(children=2)
    masha, petya = fam.student_ids
    trial = await plan(center, "Trial once", lessons=1, price="0", types=["trial", "group"], trial=True)
    first = (await ok(center.admin, SELL, {"i": {"planId": trial, "studentId": masha}}))["sellSubscription"]
    assert first["subscription"]["trial"]
    for student in (masha, petya):  # the same child again, or a sibling: the family's trial is used
        again = (await center.admin.execute(SELL, {"i": {"planId": trial, "studentId": student,
                                                         "idempotencyKey": str(uuid.uuid4())}}))
        payload = again["data"]["sellSubscription"]
        assert payload["subscription"] is None and [e["code"] for e in payload["errors"]] == ["TRIAL_ALREADY_USED"]
    paid = await plan(center, "Not a trial", lessons=4, price="0", types=["group"])
    assert (await ok(center.admin, SELL, {"i": {"planId": paid, "studentId": petya}}))["sellSubscription"]


async def test_makeup_is_charged_only_as_the_branch_rule_says(center: Branch) -> None:
    """A child with no package for the lesson's type is made up into another family's lesson: by the school's
    rule (the default) it is free — before, it was charged in money; a branch that says so charges it like any
    lesson."""
    fam = await center.family()
    (kid,) = fam.student_ids
    other = await center.family()
    await pay(center, fam, "5000.00")
    code = f"workshop{uuid.uuid4().hex[:6]}"
    await ok(center.admin, LESSON_TYPE, {"n": code, "c": code})
    assert (await ok(center.admin, READ_SETTINGS, {"b": center.id}))["branchBillingSettings"] == {
        "makeupCharge": "FROM_PACKAGE"}

    lesson, _ = await create_lesson(center, other.student_ids, lesson_type=code, price="1400")
    await ok(center.admin, ADD_MAKEUP, {"l": lesson, "s": kid})
    await settled(center, fam, "5000.00")
    assert not [x for x in lines(await cabinet(center, fam)) if x["lessonId"] == lesson]

    # Every event about this branch applied first: a branch event from identity arriving after the setting
    # must not be what the make-up is judged by (suspected cause of an intermittent failure here).
    await center.h.drain()
    await ok(center.admin, SETTINGS, {"i": {"branchId": center.id, "makeupCharge": "AS_LESSON"}})
    assert (await ok(center.admin, READ_SETTINGS, {"b": center.id}))["branchBillingSettings"] == {
        "makeupCharge": "AS_LESSON"}
    try:
        lesson2, _ = await create_lesson(center, other.student_ids, lesson_type=code, price="1400")
        await ok(center.admin, ADD_MAKEUP, {"l": lesson2, "s": kid})
        await settled(center, fam, "3600.00")
        (line,) = [x for x in lines(await cabinet(center, fam)) if x["lessonId"] == lesson2]
        assert line["description"].startswith("Make-up:") and "like any lesson" in line["description"]
    finally:
        await ok(center.admin, SETTINGS, {"i": {"branchId": center.id, "makeupCharge": "FROM_PACKAGE"}})


STATEMENT = """{ myFamily { statement(first: 50) { edges { node { kind amount { amount } studentName lessonType
  lessonStartsAt listPrice { amount } subscriptionName reason createdBy createdByName discount { name } } } } } }"""
ADJUST = """mutation($i: AdjustBalanceInput!) { adjustBalance(input: $i) { errors { code } } }"""


async def test_statement_lines_say_why(center: Branch) -> None:
    """Point 19: a lesson line names the child, the lesson, its price and the package; an adjustment names its
    reason and the staff member who made it (not their UUID)."""
    ident = center.h.runtime("identity")
    async with ident.unit_of_work() as uow:
        admin = await org.create_staff(org.CreateStaff(
            StaffRole.BRANCH_ADMIN, f"a-{uuid.uuid4().hex[:8]}@bill-gw.test", "Irina", "Adminova", (center.id,),
            "admin-password-1"), uow, OWNER)
    await center.h.drain()
    staff = center.h.client(Principal(user_id=admin.id, role=Role.BRANCH_ADMIN, branch_ids=frozenset({center.id}),
                                      staff_id=admin.id))
    fam = await center.family()
    (kid,) = fam.student_ids
    await pay(center, fam, "3000.00")
    await ok(staff, ADJUST, {"i": {"familyId": fam.id, "amount": "200.00", "reason": "Referred a friend",
                                   "branchId": center.id}})
    _, day = await create_lesson(center, (kid,), price="1500")
    await settled(center, fam, "1700.00")  # charged in money before any package is sold
    pack = await plan(center, "2 individual", lessons=2, price="0", types=["individual"])
    await ok(center.admin, SELL, {"i": {"planId": pack, "studentId": kid, "startsOn": day.isoformat()}})
    await create_lesson(center, (kid,), price="1500")

    async def statement() -> list[dict[str, Any]]:
        got = await ok(center.guardian(fam), STATEMENT)
        return [e["node"] for e in got["myFamily"]["statement"]["edges"]]

    async def charged_from_pack() -> bool:
        return len([n for n in await statement() if n["kind"] == "lesson_charge"]) == 2

    await center.h.drain()
    await eventually(charged_from_pack, timeout_s=30, message="the second lesson charged from the package")
    nodes = await statement()
    (adjusted,) = [n for n in nodes if n["kind"] == "adjustment"]
    assert adjusted["reason"] == "Referred a friend" and adjusted["createdByName"] == "Irina Adminova"
    money_line, pack_line = [n for n in nodes if n["kind"] == "lesson_charge"]
    assert money_line["studentName"] == "Kid0 Test" and money_line["lessonType"] == "individual"
    assert money_line["listPrice"] == {"amount": "1500.00"} and money_line["amount"] == {"amount": "-1500.00"}
    assert money_line["lessonStartsAt"].startswith(day.isoformat()) and money_line["subscriptionName"] is None
    assert pack_line["subscriptionName"] == "2 individual" and pack_line["studentName"] == "Kid0 Test"
