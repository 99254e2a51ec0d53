"""Issue #10, sign-in points 8-10 and 15, where a client goes: the gateway in front of the four services.

Identity's own defences are tested on the subgraph in services/identity/tests/api/test_sign_in_hardening.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from gateway.client_address import parse_networks
from kabinet.auth import Principal, Role
from kabinet_stack.embedded import Stack
from kabinet_stack.services import SERVICE_NAMES
from kabinet_stack.testing import StackHandle

REQUEST_CODE = "mutation($p: String!) { requestSignInCode(phone: $p) { ok errors { code } } }"
SIGN_IN = ("mutation($l: String!, $pw: String!) { signInWithPassword(login: $l, password: $pw) "
           "{ session { role expiresIn } errors { code } } }")
CREATE_STAFF = ("mutation($i: CreateStaffInput!) { createStaff(input: $i) { staff { id } errors { code } } }")
CREATE_BRANCH = ("mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }")
OWNER = Principal(user_id="owner-e2e", role=Role.OWNER, staff_id="owner-e2e")


def _behind_proxy(stack: StackHandle) -> None:
    """As behind a load balancer at 127.0.0.0/8 (the test client's address): X-Forwarded-For is believed."""
    stack.stack.gateway.state.gateway.settings.trusted_proxies = parse_networks("127.0.0.0/8")


async def test_subgraphs_under_services_answer_only_the_gateway(embedded_stack: StackHandle) -> None:
    """Point 15: /services/<name>/graphql is no way around the gateway's limits, introspection or console."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded_stack.stack.app),
                                 base_url="http://kabinet.test") as client:
        for name in SERVICE_NAMES:
            posted = await client.post(f"/services/{name}/graphql",
                                       json={"query": "{ __schema { types { name } } }"},
                                       headers={"X-Forwarded-For": "203.0.113.1"})
            assert posted.status_code == 403, name
            assert posted.json()["errors"][0]["extensions"]["code"] == "GATEWAY_ONLY"
            console = await client.get(f"/services/{name}/graphql", headers={"Accept": "text/html"})
            assert console.status_code == 403 and "graphiql" not in console.text.lower(), name
        # Through the gateway the same schema is served, and the public routes under /services still are.
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).json()["data"]
        assert (await client.get("/services/identity/.well-known/jwks.json")).json()["keys"]
        assert (await client.get("/services/scheduling/calendar/not-a-token")).status_code in (401, 403, 404)
        webhook = await client.post("/services/billing/webhooks/payments/local", content=b"{}")
        assert webhook.status_code != 403 or "GATEWAY_ONLY" not in webhook.text


async def test_per_address_code_caps_count_the_client_not_the_gateway(stack: StackHandle) -> None:
    """Point 9: twenty code requests from one client do not lock everyone else out."""
    _behind_proxy(stack)
    gateway = stack.client()
    cap = stack.runtime("identity").deps.limits.per_ip
    noisy, other = f"203.0.113.{uuid.uuid4().int % 200}", f"198.51.100.{uuid.uuid4().int % 200}"

    async def request(address: str) -> dict[str, object]:
        phone = f"+7916{uuid.uuid4().int % 10_000_000:07d}"
        got = await gateway.execute(REQUEST_CODE, {"p": phone}, headers={"X-Forwarded-For": address})
        return dict(got["data"]["requestSignInCode"])

    answers = [await request(noisy) for _ in range(cap)]
    assert all(a["ok"] for a in answers), answers
    assert (await request(noisy))["errors"] == [{"code": "TOO_MANY_REQUESTS"}]
    assert (await request(other))["ok"] is True  # another family, behind the same gateway, is not locked out


async def test_a_stranger_cannot_lock_staff_out_through_the_gateway(stack: StackHandle) -> None:
    """Point 10 where clients go: ten wrong passwords from a stranger's address leave the staff member's own
    sign-in working, whatever spelling of the login the stranger used."""
    _behind_proxy(stack)
    owner = stack.client(OWNER)
    branch = (await owner.execute(CREATE_BRANCH, {"i": {"name": f"B {uuid.uuid4().hex[:4]}", "city": "Moscow",
                                                        "timeZone": "Europe/Moscow", "address": "Main 1"}}))
    branch_id = branch["data"]["createBranch"]["branch"]["id"]
    email = f"admin.{uuid.uuid4().hex[:8]}@e2e.test"
    made = await owner.execute(CREATE_STAFF, {"i": {"role": "BRANCH_ADMIN", "email": email, "firstName": "Ada",
                                                    "lastName": "Min", "branchIds": [branch_id],
                                                    "password": "a-long-staff-password"}})
    assert made["data"]["createStaff"]["errors"] == []
    gateway = stack.client()
    stranger = {"X-Forwarded-For": "203.0.113.250"}
    for i in range(10):
        login = email.upper() if i % 2 else f"  {email}  "
        got = await gateway.execute(SIGN_IN, {"l": login, "pw": "guessing"}, headers=stranger)
        assert got["data"]["signInWithPassword"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    locked = await gateway.execute(SIGN_IN, {"l": email, "pw": "a-long-staff-password"}, headers=stranger)
    assert locked["data"]["signInWithPassword"]["errors"] == [{"code": "TOO_MANY_REQUESTS"}]
    mine = await gateway.execute(SIGN_IN, {"l": email, "pw": "a-long-staff-password"},
                                 headers={"X-Forwarded-For": "192.0.2.10"})
    session = mine["data"]["signInWithPassword"]["session"]
    assert session["role"] == "branch_admin" and 0 < session["expiresIn"] < 60  # point 12: short-lived


async def test_the_development_mailbox_is_off_unless_enabled(tmp_path: Path) -> None:
    """Point 8: a stack that does not ask for the mailbox serves no codes or links anonymously."""
    for enabled, status in ((False, 404), (True, 200)):
        stack = Stack(tmp_path / str(enabled), dev_mailbox=enabled)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://t") as client:
            assert (await client.get("/services/identity/dev/messages")).status_code == status
        for runtime in stack.runtimes.values():
            await runtime.engine.dispose()
