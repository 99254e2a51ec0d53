"""Student accounts and sign-in as a student (R-FAM-1), setPassword, the paginated families of a branch, and the
email confirmation page (GET /confirm-email). A code-only guardian's first password and staff opening a cabinet
by hand are unit tests of the use cases (tests/unit/test_sign_in_and_sessions.py, test_family_cabinet.py)."""

from __future__ import annotations

from identity_testkit import (
    COMPLETE_REG,
    OWNER,
    REQUEST_REG_CODE,
    SIGN_IN_PASSWORD,
    Env,
    admin_of,
    guardian_of,
    make_branch,
    make_family,
    new_phone,
)

SET_LOGIN = """mutation($s: ID!, $l: String!, $pw: String!) { setStudentLogin(input: {studentId: $s, login: $l,
  password: $pw}) { login student { id login } errors { field code } } }"""
SET_PASSWORD = """mutation($n: String!, $c: String) { setPassword(input: {newPassword: $n, currentPassword: $c}) {
  session { accessToken refreshToken role } errors { field code } } }"""
OPEN = """mutation($f: ID!) { openCabinetAccess(familyId: $f, reason: "contract signed") {
  family { id accessOpen } errors { code } } }"""
FAMILIES = """query($b: ID!, $first: Int!, $after: String) {
  branchFamilies(branchId: $b, first: $first, after: $after) {
  totalCount edges { cursor node { id students { firstName } } } pageInfo { hasNextPage endCursor } } }"""
REFRESH = """mutation($t: String!) { refreshSession(refreshToken: $t) { session { accessToken } errors { code } } }"""


async def test_a_child_signs_in_with_an_own_login_and_sees_only_itself(env: Env) -> None:
    branch = await make_branch(env)
    family = await make_family(env, branch, kids=2)
    kid, sibling = (s["id"] for s in family["students"])
    guardian = guardian_of(family["id"], [kid, sibling], user_id="g-login")
    login = f"masha.{new_phone()[-6:]}"
    bad = await env.gql(SET_LOGIN, {"s": kid, "l": "1abc", "pw": "child-password-1"}, guardian)
    assert bad["data"]["setStudentLogin"]["errors"][0]["code"] == "INVALID_LOGIN"
    got = await env.ok(SET_LOGIN, {"s": kid, "l": login.upper(), "pw": "child-password-1"}, guardian)
    assert got["setStudentLogin"]["login"] == login and got["setStudentLogin"]["student"]["login"] == login
    taken = await env.gql(SET_LOGIN, {"s": sibling, "l": login, "pw": "child-password-1"}, guardian)
    assert taken["data"]["setStudentLogin"]["errors"][0]["code"] == "LOGIN_TAKEN"

    closed = await env.gql(SIGN_IN_PASSWORD, {"l": login, "pw": "child-password-1"})
    assert closed["data"]["signInWithPassword"]["errors"][0]["code"] == "CABINET_NOT_OPEN"
    await env.ok(OPEN, {"f": family["id"]}, admin_of(branch))
    wrong = await env.gql(SIGN_IN_PASSWORD, {"l": login, "pw": "wrong-password-1"})
    assert wrong["data"]["signInWithPassword"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    session = (await env.ok(SIGN_IN_PASSWORD, {"l": login, "pw": "child-password-1"}))["signInWithPassword"]["session"]
    assert session["role"] == "student" and session["familyId"] == family["id"]
    token = session["accessToken"]
    me = await env.ok("{ me { role studentIds } }", who=token)
    assert me["me"] == {"role": "student", "studentIds": [kid]}
    assert (await env.ok("query($s: ID!) { student(id: $s) { id } }", {"s": kid}, token))["student"]["id"] == kid
    other = await env.gql("query($s: ID!) { student(id: $s) { id firstName } }", {"s": sibling}, token)
    assert other["data"]["student"] is None and other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A student may not manage the family.
    denied = await env.gql(SET_LOGIN, {"s": kid, "l": "another.login", "pw": "child-password-1"}, token)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The child changes the own password (the current one is needed); the old refresh token is over.
    changed = await env.gql(SET_PASSWORD, {"n": "child-password-2", "c": "wrong"}, token)
    assert changed["data"]["setPassword"]["errors"][0] == {"field": "currentPassword", "code": "INVALID_CREDENTIALS"}
    changed = await env.ok(SET_PASSWORD, {"n": "child-password-2", "c": "child-password-1"}, token)
    assert changed["setPassword"]["session"]["role"] == "student"
    old = await env.gql(REFRESH, {"t": session["refreshToken"]})
    assert old["data"]["refreshSession"]["errors"][0]["code"] == "INVALID_REFRESH_TOKEN"
    await env.ok(SIGN_IN_PASSWORD, {"l": login, "pw": "child-password-2"})

    # Erasure removes the login with the data: the child can no longer sign in.
    await env.ok("mutation($s: ID!) { eraseStudent(studentId: $s) { student { id } errors { code } } }",
                 {"s": kid}, guardian)
    gone = await env.gql(SIGN_IN_PASSWORD, {"l": login, "pw": "child-password-2"})
    assert gone["data"]["signInWithPassword"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_branch_families_come_a_page_at_a_time_without_repeats(env: Env) -> None:
    branch, other = await make_branch(env, "Tula"), await make_branch(env, "Orel")
    ids = [(await make_family(env, branch, kids=1))["id"] for _ in range(5)]
    await make_family(env, other, kids=1)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = (await env.ok(FAMILIES, {"b": branch, "first": 2, "after": after}, admin_of(branch)))["branchFamilies"]
        assert page["totalCount"] == 5
        seen += [e["node"]["id"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids and pages == 3
    bad = await env.gql(FAMILIES, {"b": branch, "first": 2, "after": "not-a-cursor"}, admin_of(branch))
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    too_many = await env.gql(FAMILIES, {"b": branch, "first": 1000}, admin_of(branch))
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    foreign = await env.gql(FAMILIES, {"b": branch, "first": 2}, admin_of(other))
    assert foreign["data"] is None and foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    everything = await env.ok(FAMILIES, {"b": branch, "first": 100}, OWNER)
    assert [e["node"]["id"] for e in everything["branchFamilies"]["edges"]] == ids


async def test_the_confirmation_link_opens_a_page_that_confirms_once(env: Env) -> None:
    phone, email = new_phone(), f"page.{new_phone()[1:]}@mail.ru"
    await env.ok(REQUEST_REG_CODE, {"p": phone})
    session = (await env.ok(COMPLETE_REG, {"i": {"phone": phone, "code": env.last_code(phone), "firstName": "Ira",
                                                 "lastName": "Page", "email": email}}))["completeRegistration"]
    link = env.last_message(email)
    assert "/services/identity/confirm-email?token=" in link  # identity's page, as mounted in the stack
    token = env.last_link_token(email)
    client = env.anon
    page = await client.get(f"/confirm-email?token={token}")
    assert page.status_code == 200 and "Email confirmed" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    me = await env.ok("{ me { guardian { emailConfirmed } } }", who=session["session"]["accessToken"])
    assert me["me"]["guardian"]["emailConfirmed"] is True
    again = await client.get(f"/confirm-email?token={token}")
    assert again.status_code == 400 and "Link not valid" in again.text
    forged = await client.get("/confirm-email?token=<script>alert(1)</script>")
    assert forged.status_code == 400 and "<script>" not in forged.text
    assert (await client.get("/confirm-email")).status_code == 400
