"""Billing's key flows through the gateway, with all four services on PostgreSQL + RabbitMQ: identity's family
reaches billing as events; staff record a payment (retried with the same key) and sell a subscription; a month
of lessons published by scheduling is charged from the subscription first, then in money down into recorded
debt; the guardian's one federated query shows the shared balance on every child, the remaining lessons and
a statement that says what each line was for; another family's guardian sees none of it."""

from __future__ import annotations

import uuid
from typing import Any

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient, eventually
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-bill-e2e", role=Role.OWNER)
CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id students { id firstName } } errors { field code message } } }"""
CREATE_GROUP = """mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } errors { code message } } }"""
ADD_RULE = """mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) {
  recurringLesson { id } errors { code message } } }"""
ADD_MEMBER = """mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: "2027-03-01") {
  membership { id } errors { code message } } }"""
GENERATE = """mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-03") { created errors { code } } }"""
PUBLISH = """mutation($b: ID!) { publishMonth(branchId: $b, month: "2027-03") { published errors { code } } }"""
PAY = """mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { id amount { amount } }
  balanceAfter { amount } errors { code } } }"""
PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code message } } }"""
SELL = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { subscription { id lessonsLeft }
  balanceAfter { amount } errors { code message } } }"""
CABINET = """{ myFamily { id account { balance { amount currency } inDebt }
  statement(first: 100) { edges { node { kind description amount { amount } lessonId subscriptionId debt } } }
  students { firstName remainingLessons familyBalance { amount } } } }"""


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


async def test_payment_subscription_and_lesson_charges_through_the_gateway(real_stack: StackHandle) -> None:
    owner = real_stack.client(OWNER)
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": "Center", "city": "Kazan", "timeZone": "Europe/Moscow",
                                                    "address": "Baumana 1"}}))["createBranch"]["branch"]["id"]
    ident = real_stack.runtime("identity")
    async with ident.unit_of_work() as uow:
        teacher = await org.create_staff(org.CreateStaff(
            StaffRole.TEACHER, "teacher@bill-e2e.test", "Olga", "Teacher", (branch,), "teacher-password-1"), uow, OWNER)
    admin = real_stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch}),
                                        staff_id="adm"))
    fam = (await ok(admin, REGISTER_CLIENT, {"i": {
        "phone": "+79007654321", "firstName": "Anna", "lastName": "Petrova", "branchId": branch,
        "consentSigned": True, "students": [{"firstName": "Masha", "lastName": "Petrova", "birthDate": "2015-04-01"},
                                            {"firstName": "Petya", "lastName": "Petrova", "birthDate": "2017-08-09"}]
    }}))["registerClient"]["family"]
    masha, petya = (s["id"] for s in fam["students"])
    other = (await ok(admin, REGISTER_CLIENT, {"i": {
        "phone": "+79007654322", "firstName": "Ivan", "lastName": "Sidorov", "branchId": branch,
        "consentSigned": True, "students": [{"firstName": "Lena", "lastName": "Sidorova", "birthDate": "2016-01-01"}]
    }}))["registerClient"]["family"]
    await real_stack.drain()  # the families reached billing: accounts opened

    key = str(uuid.uuid4())
    payment = {"familyId": fam["id"], "amount": "5000.00", "method": "CARD", "idempotencyKey": key,
               "branchId": branch}
    first = (await ok(admin, PAY, {"i": payment}))["recordPayment"]
    retried = (await ok(admin, PAY, {"i": payment}))["recordPayment"]
    assert first == retried and first["balanceAfter"]["amount"] == "5000.00"
    plan = (await ok(admin, PLAN, {"i": {"name": "4 group lessons", "lessons": 4, "validityDays": 31,
                                         "price": "4000", "lessonTypes": ["group"], "branchId": branch}})
            )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    sold = (await ok(admin, SELL, {"i": {"planId": plan, "studentId": masha, "startsOn": "2027-03-01",
                                         "idempotencyKey": str(uuid.uuid4())}}))["sellSubscription"]
    assert sold["subscription"]["lessonsLeft"] == 4 and sold["balanceAfter"]["amount"] == "1000.00"

    group = (await ok(admin, CREATE_GROUP, {"i": {"branchId": branch, "name": "Starters", "teacherId": teacher.id,
                                                  "capacity": 6, "price": "1000"}}))["createGroup"]["group"]["id"]
    await ok(admin, ADD_RULE, {"i": {"groupId": group, "rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "startTime": "17:00:00",
                                     "durationMinutes": 90, "validFrom": "2027-03-01"}})
    await ok(admin, ADD_MEMBER, {"g": group, "s": masha})
    await ok(admin, GENERATE, {"b": branch})
    assert (await ok(admin, PUBLISH, {"b": branch}))["publishMonth"]["published"] == 10

    guardian = real_stack.client(Principal(user_id="g", role=Role.GUARDIAN, family_id=fam["id"],
                                           student_ids=frozenset({masha, petya})))

    async def charged() -> bool:
        got = await guardian.execute("{ myFamily { account { balance { amount } } } }")
        account: dict[str, Any] = ((got.get("data") or {}).get("myFamily") or {}).get("account") or {}
        return bool(account) and account["balance"]["amount"] == "-5000.00"

    # 10 lessons: 4 from the subscription, 6 × 1000 in money: 1000 − 6000 = −5000, recorded as debt.
    await eventually(charged, timeout_s=30, message="billing charged the month")
    cabinet = (await ok(guardian, CABINET))["myFamily"]
    assert cabinet["account"] == {"balance": {"amount": "-5000.00", "currency": "RUB"}, "inDebt": True}
    kids = {s["firstName"]: s for s in cabinet["students"]}
    assert kids["Masha"]["remainingLessons"] == 0 and kids["Petya"]["remainingLessons"] == 0
    assert kids["Masha"]["familyBalance"] == kids["Petya"]["familyBalance"] == {"amount": "-5000.00"}  # R-BIL-1
    lines = [e["node"] for e in cabinet["statement"]["edges"]]
    assert [ln["kind"] for ln in lines[:2]] == ["payment", "subscription_sale"]
    lessons = [ln for ln in lines if ln["kind"] == "lesson_charge"]
    assert len(lessons) == 10 and all(ln["lessonId"] for ln in lessons)
    assert sum(1 for ln in lessons if ln["subscriptionId"]) == 4
    assert any(ln["debt"] for ln in lessons)

    stranger = real_stack.client(Principal(user_id="g2", role=Role.GUARDIAN, family_id=other["id"]))
    peek = await stranger.execute("query($f: ID!) { family(id: $f) { account { balance { amount } } } }",
                                  {"f": fam["id"]})
    assert peek.get("errors") and "-5000" not in str(peek.get("data"))
    own = (await ok(stranger, "{ myFamily { account { balance { amount } } } }"))["myFamily"]
    assert own["account"]["balance"]["amount"] == "0.00"
