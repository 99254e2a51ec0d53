"""Identity's key flows end to end through the gateway, with all four services on PostgreSQL + RabbitMQ:
staff sign-in, branch and client registration, a trial sale that opens nothing and a sale on credit that
opens the cabinet (R-FAM-7), the family's sign-in by code, its cabinet with billing's account, add a child,
a support question; and self-registration with immediate access (R-FAM-5)."""

from __future__ import annotations

from typing import Any

from identity_testkit import (
    ADD_CHILD,
    ASK,
    COMPLETE_REG,
    CREATE_BRANCH,
    REGISTER_CLIENT,
    REQUEST_CODE,
    REQUEST_REG_CODE,
    SIGN_IN_CODE,
    SIGN_IN_PASSWORD,
    new_phone,
)

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient, eventually
from kabinet_stack.testing import StackHandle

PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code message } } }"""
SELL = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { errors { code message } } }"""
CABINET = """{ myFamily { id accessOpen students { id firstName } account { balance { amount currency } } } }"""


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


def last_code(stack: StackHandle, phone: str) -> str:
    import re

    msg = stack.runtime("identity").deps.mailbox.last_to(phone)
    return re.search(r"\b(\d{6})\b", msg.text).group(1)  # type: ignore[union-attr]


async def test_staff_registered_family_gets_its_cabinet_when_a_real_subscription_is_sold(
        real_stack: StackHandle) -> None:
    ident = real_stack.runtime("identity")
    async with ident.uow() as uow:
        await org.create_staff(ident.deps, uow, Principal(user_id="bootstrap", role=Role.OWNER), org.CreateStaff(
            StaffRole.OWNER, "owner@e2e.test", "Olga", "Owner", (), "owner-password-1"))
    gateway = real_stack.client()
    session = (await ok(gateway, SIGN_IN_PASSWORD, {"l": "owner@e2e.test", "pw": "owner-password-1"})
               )["signInWithPassword"]["session"]
    owner = gateway.as_(session["accessToken"])
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": "Center", "city": "Moscow", "timeZone": "Europe/Moscow",
                                                    "address": "Tverskaya 1"}}))["createBranch"]["branch"]["id"]
    phone = new_phone()
    family = (await ok(owner, REGISTER_CLIENT, {"i": {
        "phone": phone, "firstName": "Anna", "lastName": "Petrova", "branchId": branch, "consentSigned": True,
        "students": [{"firstName": "Masha", "lastName": "Petrova", "birthDate": "2015-04-01"},
                     {"firstName": "Petya", "lastName": "Petrova", "birthDate": "2017-08-09"}]}}))["registerClient"]
    family_id = family["family"]["id"]
    masha = family["family"]["students"][0]["id"]
    await real_stack.drain()

    trial = (await ok(owner, PLAN, {"i": {"name": "Trial", "lessons": 1, "validityDays": 14, "price": "0",
                                          "lessonTypes": ["trial"], "trial": True}})
             )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    monthly = (await ok(owner, PLAN, {"i": {"name": "Month", "lessons": 8, "validityDays": 30, "price": "8000",
                                            "lessonTypes": ["group"]}})
               )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    await ok(owner, SELL, {"i": {"planId": trial, "studentId": masha}})
    await real_stack.drain()
    await ok(gateway, REQUEST_CODE, {"p": phone})
    closed = await gateway.execute(SIGN_IN_CODE, {"p": phone, "c": last_code(real_stack, phone)})
    assert closed["data"]["signInWithCode"]["errors"][0]["code"] == "CABINET_NOT_OPEN"  # a trial opens nothing

    await ok(owner, SELL, {"i": {"planId": monthly, "studentId": masha, "onCredit": True}})
    await real_stack.drain()

    async def signed_in() -> bool:
        await gateway.execute(REQUEST_CODE, {"p": phone})
        got = await gateway.execute(SIGN_IN_CODE, {"p": phone, "c": last_code(real_stack, phone)})
        signed_in.session = got["data"]["signInWithCode"]["session"]  # type: ignore[attr-defined]
        return got["data"]["signInWithCode"]["session"] is not None

    await eventually(signed_in, timeout_s=10, interval_s=0.3)
    guardian = gateway.as_(signed_in.session["accessToken"])  # type: ignore[attr-defined]
    cabinet = (await ok(guardian, CABINET))["myFamily"]
    assert cabinet["id"] == family_id and cabinet["accessOpen"] is True
    assert [s["firstName"] for s in cabinet["students"]] == ["Masha", "Petya"]
    assert cabinet["account"]["balance"]["currency"] == "RUB"

    bad = await guardian.execute(ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Petrova",
                                                   "birthDate": "2019-02-30", "consent": True}})
    assert bad["data"]["addChild"]["errors"][0]["code"] == "INVALID_BIRTH_DATE"
    await ok(guardian, ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Petrova", "birthDate": "2019-02-28",
                                         "consent": True}})
    await ok(owner, """mutation { setQuestionTopic(input: {code: "billing", title: "Billing",
        responseWorkingDays: 1}) { topic { code } errors { code } } }""")
    asked = (await ok(guardian, ASK, {"i": {"topic": "billing", "text": "Why on credit?", "studentId": masha}})
             )["askQuestion"]["question"]
    assert asked["branchId"] == branch and asked["status"] == "open"


async def test_a_self_registered_family_has_its_cabinet_at_once(real_stack: StackHandle) -> None:
    gateway = real_stack.client()
    phone = new_phone()
    await ok(gateway, REQUEST_REG_CODE, {"p": phone})
    session = (await ok(gateway, COMPLETE_REG, {"i": {"phone": phone, "code": last_code(real_stack, phone),
                                                      "firstName": "Ira", "lastName": "Online"}})
               )["completeRegistration"]["session"]
    guardian = gateway.as_(session["accessToken"])
    cabinet = (await ok(guardian, "{ myFamily { id accessOpen students { id } } }"))["myFamily"]
    assert cabinet["accessOpen"] is True and cabinet["students"] == []
    # Identity's tokens are verified by the other services too, through the gateway (no call back to identity).
    refreshed = await ok(gateway, """mutation($t: String!) { refreshSession(refreshToken: $t) {
        session { accessToken } errors { code } } }""", {"t": session["refreshToken"]})
    assert refreshed["refreshSession"]["session"]["accessToken"]
