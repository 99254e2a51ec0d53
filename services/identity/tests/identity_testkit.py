"""Identity's test kit: the environment object, principals, GraphQL documents and set-up steps the tests share."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette

from identity.adapters.tables import notifications, outbox, sms_messages
from identity.bootstrap import IdentityRuntime, create_app
from identity.service.notify_sender import send_due
from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.testing.stack import GraphQLClient, eventually, gateway_headers, token_for
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER

_phones = itertools.count(1)


def new_phone() -> str:
    """A valid Russian mobile number no other test uses."""
    n = next(_phones)
    return f"+7916{uuid.uuid4().int % 1000:03d}{n:04d}"


class Env:
    def __init__(self, runtime: IdentityRuntime) -> None:
        self.runtime = runtime
        self.deps = runtime.deps
        self.mailbox = runtime.mailbox
        self.app = create_app(runtime=runtime, manage_runtime=False)
        self.anon = GraphQLClient(self.app)

    def as_(self, principal_or_token: Principal | str | None) -> GraphQLClient:
        if isinstance(principal_or_token, Principal):
            return self.anon.as_(token_for(self.runtime.signing_key, principal_or_token))
        return self.anon.as_(principal_or_token)

    async def gql(self, query: str, variables: dict[str, Any] | None = None,
                  who: Principal | str | None = None) -> dict[str, Any]:
        return await self.as_(who).execute(query, variables)

    async def ok(self, query: str, variables: dict[str, Any] | None = None,
                 who: Principal | str | None = None) -> dict[str, Any]:
        """Run and return data, failing on any GraphQL error or payload error."""
        got = await self.gql(query, variables, who)
        assert not got.get("errors"), got
        for value in (got.get("data") or {}).values():
            if isinstance(value, dict) and "errors" in value:
                assert value["errors"] == [], got
        return dict(got["data"])

    def last_message(self, to: str) -> str:
        assert self.mailbox is not None
        msg = self.mailbox.last_to(to)
        assert msg is not None, f"nothing was sent to {to}"
        return msg.text

    def messages_to(self, to: str) -> int:
        assert self.mailbox is not None
        return sum(1 for m in self.mailbox.messages if m.to == to)

    def last_code(self, phone: str) -> str:
        found = re.search(r"\b(\d{6})\b", self.last_message(phone))
        assert found, "no code in the SMS"
        return found.group(1)

    def last_link_token(self, email: str) -> str:
        found = re.search(r"token=([\w-]+)", self.last_message(email))
        assert found, "no link in the email"
        return found.group(1)

    async def events(self, routing_key: str) -> list[dict[str, Any]]:
        async with self.runtime.sessionmaker() as s:
            rows = (await s.execute(select(outbox.c.body).where(outbox.c.routing_key == routing_key)
                                    .order_by(outbox.c.seq))).all()
        return [Envelope.from_json(r.body.encode()).payload for r in rows]


COOKIE_MODE = {"x-kabinet-session": "cookie"}


class CookieBrowser:
    """Talks to an app's /graphql (identity's, or the gateway's) the way the web app does: in session-cookie
    mode, sending back the `kabinet_refresh` cookie it was given and nothing else."""

    def __init__(self, app: Starlette) -> None:
        # Identity's app is called as the gateway calls it (its secret); the gateway's app needs none.
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                        headers=gateway_headers(app))
        self.refresh_cookie: str | None = None
        self.last_set_cookie: list[str] = []
        self.last_headers = httpx.Headers()

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, cookie_mode: bool = True
                   ) -> dict[str, Any]:
        headers = dict(COOKIE_MODE) if cookie_mode else {}
        if self.refresh_cookie is not None:
            headers["cookie"] = f"kabinet_refresh={self.refresh_cookie}"
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                          headers=headers)
        self.last_set_cookie = response.headers.get_list("set-cookie")
        self.last_headers = response.headers
        for raw in self.last_set_cookie:
            morsel = SimpleCookie(raw).get("kabinet_refresh")
            if morsel is not None:
                self.refresh_cookie = morsel.value if morsel["max-age"] != "0" else None
        body: dict[str, Any] = response.json()
        return body

    def cookie_attributes(self) -> dict[str, str]:
        assert len(self.last_set_cookie) == 1, self.last_set_cookie
        attributes = {}
        for part in self.last_set_cookie[0].split(";")[1:]:
            name, _, value = part.strip().partition("=")
            attributes[name.lower()] = value
        return attributes


OWNER = Principal(user_id="owner-1", role=Role.OWNER, staff_id="owner-1")


def admin_of(branch_id: str, staff_id: str = "admin-1") -> Principal:
    return Principal(user_id=staff_id, role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch_id}), staff_id=staff_id)


def guardian_of(family_id: str, student_ids: list[str] | None = None, user_id: str = "g-1") -> Principal:
    return Principal(user_id=user_id, role=Role.GUARDIAN, family_id=family_id,
                     student_ids=frozenset(student_ids or []))



# -- GraphQL documents ------------------------------------------------------------------------------

CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) {
  branch { id name city timeZone address } errors { field code message } } }"""
CREATE_STAFF = """mutation($i: CreateStaffInput!) { createStaff(input: $i) {
  staff { id role email branchIds } errors { field code message } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id guardianPhone accessOpen origin students { id firstName birthDate branchId consentRecorded } }
  errors { field code message } } }"""
REQUEST_CODE = """mutation($p: String!) { requestSignInCode(phone: $p) {
  ok expiresIn errors { field code message } } }"""
REQUEST_REG_CODE = """mutation($p: String!) { requestRegistrationCode(phone: $p) {
  ok expiresIn errors { field code message } } }"""
SIGN_IN_CODE = """mutation($p: String!, $c: String!) { signInWithCode(phone: $p, code: $c) {
  session { accessToken refreshToken expiresIn role familyId studentIds } errors { field code message } } }"""
SIGN_IN_PASSWORD = """mutation($l: String!, $pw: String!) { signInWithPassword(login: $l, password: $pw) {
  session { accessToken refreshToken role staffId familyId } errors { field code message } } }"""
REFRESH = """mutation($t: String!) { refreshSession(refreshToken: $t) {
  session { accessToken refreshToken } errors { code } } }"""
COMPLETE_REG = """mutation($i: CompleteRegistrationInput!) { completeRegistration(input: $i) {
  session { accessToken refreshToken role familyId } errors { field code message } } }"""
ADD_CHILD = """mutation($i: AddChildInput!) { addChild(input: $i) {
  student { id firstName lastName birthDate branchId consentRecorded } errors { field code message } } }"""
MY_FAMILY = """{ myFamily { id accessOpen origin guardianPhone students { id firstName lastName birthDate erased }
  guardians { id phone isPayer email emailConfirmed } } }"""
LINK = """mutation($i: LinkRecordsInput!) { linkRecords(input: $i) {
  session { accessToken familyId } status confirmationSent confirmation { id expiresAt }
  errors { field code message } } }"""
CONFIRM_LINK = """mutation($c: ID!, $code: String!) { confirmLinkRecords(confirmationId: $c, code: $code) {
  session { accessToken familyId } status errors { field code message } } }"""
INVITE = """mutation($p: String!) { inviteGuardian(phone: $p, firstName: "Oleg", lastName: "Second") {
  guardian { id phone isPayer } errors { field code message } } }"""
SET_CONSENT = """mutation($s: ID!, $g: Boolean!) { setChildConsent(studentId: $s, given: $g) {
  student { id consentRecorded } errors { field code message } } }"""
ERASE = """mutation($s: ID!) { eraseStudent(studentId: $s) {
  student { id firstName lastName birthDate erased } errors { code } } }"""
ASK = """mutation($i: AskQuestionInput!) { askQuestion(input: $i) {
  question { id status topic dueAt askedAt branchId overdue } errors { field code message } } }"""


# -- set-up steps ----------------------------------------------------------------------------------


async def make_branch(env: Env, name: str = "Moscow", tz: str = "Europe/Moscow") -> str:
    data = await env.ok(CREATE_BRANCH, {"i": {"name": name, "city": name, "timeZone": tz, "address": "Main 1"}},
                        OWNER)
    return str(data["createBranch"]["branch"]["id"])


async def make_branch_admin(env: Env, branch_id: str) -> Principal:
    """A new branch admin of the branch (a staff record identity knows, so staff's notices reach them)."""
    staff = await env.ok(CREATE_STAFF, {"i": {"role": "BRANCH_ADMIN", "email": f"a{uuid.uuid4().hex[:6]}@s.test",
                                              "firstName": "A", "lastName": "B", "branchIds": [branch_id]}}, OWNER)
    return admin_of(branch_id, staff["createStaff"]["staff"]["id"])


async def make_family(env: Env, branch_id: str, kids: int = 2, phone: str | None = None,
                      last_name: str = "Petrova") -> dict[str, Any]:
    phone = phone or new_phone()
    students = [{"firstName": f"Kid{i}", "lastName": last_name, "birthDate": f"201{i}-0{i + 1}-1{i}"}
                for i in range(kids)]
    data = await env.ok(REGISTER_CLIENT, {"i": {"phone": phone, "firstName": "Anna", "lastName": last_name,
                                                "branchId": branch_id, "consentSigned": True,
                                                "students": students}}, admin_of(branch_id))
    family = dict(data["registerClient"]["family"])
    family["phone"] = phone
    return family


async def sign_in_by_code(env: Env, phone: str) -> dict[str, Any]:
    await env.ok(REQUEST_CODE, {"p": phone})
    got = await env.gql(SIGN_IN_CODE, {"p": phone, "c": env.last_code(phone)})
    return dict(got["data"]["signInWithCode"])


RESET_BY_SMS = """mutation($l: String!) { requestPasswordReset(login: $l, channel: SMS) { ok errors { code } } }"""


async def _sms_logged_today(env: Env) -> int:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with env.runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(sms_messages)
                                    .where(sms_messages.c.created_at >= start))).scalar_one())


async def burst_against_the_sms_day_caps(env: Env, burst: int = 12, allowed: int = 3) -> None:
    """``burst`` code requests sent at once against the school's daily cap, then password SMS of one branch against
    its cost cap, each with room for ``allowed`` more: exactly ``allowed`` SMS go out, not one more."""
    original = env.deps.limits
    try:
        env.deps.limits = dataclasses.replace(original, global_daily=await _sms_logged_today(env) + allowed)
        phones = [new_phone() for _ in range(burst)]
        asked = await asyncio.gather(*[env.anon.execute(REQUEST_REG_CODE, {"p": p},
                                                        headers={CLIENT_ADDRESS_HEADER: f"198.51.100.{i}"})
                                       for i, p in enumerate(phones)])
        answers = [a["data"]["requestRegistrationCode"] for a in asked]
        assert sum(env.messages_to(p) for p in phones) == allowed, answers
        assert sum(a["ok"] for a in answers) == allowed
        assert {e["code"] for a in answers for e in a["errors"]} == {"SMS_NOT_AVAILABLE"}

        branch = await make_branch(env, f"Burst {uuid.uuid4().hex[:6]}")
        families = [await make_family(env, branch, kids=1) for _ in range(burst)]
        env.deps.limits = dataclasses.replace(original, branch_daily_cost_cap=str(env.deps.sms_cost * allowed))
        resets = await asyncio.gather(*[env.anon.execute(RESET_BY_SMS, {"l": f["phone"]},
                                                         headers={CLIENT_ADDRESS_HEADER: f"192.0.2.{i}"})
                                        for i, f in enumerate(families)])
        assert all(r["data"]["requestPasswordReset"]["ok"] for r in resets), resets  # the answer reveals nothing
        assert sum(env.messages_to(f["phone"]) for f in families) == allowed
    finally:
        env.deps.limits = original


# -- notifications sent by the sender (test_telegram, test_web_push) ---------------------------------------------
async def notification_rows(env: Env, person: str) -> list[Any]:
    async with env.runtime.sessionmaker() as s:
        return list((await s.execute(select(notifications).where(notifications.c.guardian_id == person)
                                     .order_by(notifications.c.created_at, notifications.c.channel))).all())


async def wait_notification_rows(env: Env, person: str, count: int) -> list[Any]:
    async def enough() -> bool:
        return len(await notification_rows(env, person)) >= count

    await eventually(enough)
    return await notification_rows(env, person)


async def drain_sender(env: Env) -> None:
    while await send_due(env.runtime.unit_of_work, env.deps):
        pass


def payment_received(family_id: str, amount: str = "900.00") -> Envelope:
    return Envelope(type="billing.payment.received", version=1, producer="billing",
                    payload={"payment_id": str(uuid.uuid4()), "family_id": family_id,
                             "amount": {"amount": amount, "currency": "RUB"}, "method": "cash"})
