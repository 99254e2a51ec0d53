"""Issue #10, points 4 and 5, on identity's own /graphql: nothing is attached to a family its caller cannot see
until the family's guardian confirms (a code to the family's phone, or an approval in the cabinet), and until
then the caller learns nothing of the family. The same flows through the gateway are in e2e/."""

from __future__ import annotations

from typing import Any

from identity_testkit import (
    COMPLETE_REG,
    CONFIRM_LINK,
    LINK,
    OWNER,
    REQUEST_REG_CODE,
    Env,
    admin_of,
    make_branch,
    make_family,
    new_phone,
)
from sqlalchemy import func, select, text

from identity.adapters.tables import students
from kabinet.auth import Principal, Role

REGISTER_STUDENT = """mutation($i: RegisterStudentInput!) { registerStudent(input: $i) {
  student { id familyId firstName } status confirmationSent confirmation { id expiresAt } errors { field code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id guardianPhone students { id firstName } guardians { firstName phone } }
  status confirmationSent confirmation { id } errors { field code } } }"""
CONFIRM_REGISTRATION = """mutation($c: ID!, $code: String!) { confirmFamilyRegistration(confirmationId: $c,
  code: $code) { family { id students { firstName branchId } } status errors { field code } } }"""
FAMILY = "query($f: ID!) { family(id: $f) { id students { firstName } } }"
PENDING = """{ myFamilyConfirmations { id kind status branchName children { firstName lastName birthDate } } }"""
APPROVE = """mutation($c: ID!) { approveFamilyConfirmation(confirmationId: $c) { request { id status }
  errors { code } } }"""
DECLINE = """mutation($c: ID!) { declineFamilyConfirmation(confirmationId: $c) { request { id status }
  errors { code } } }"""
OPEN = "mutation($f: ID!) { openCabinetAccess(familyId: $f) { family { accessOpen } errors { code } } }"


def code_of(result: dict[str, Any]) -> str | None:
    errors = result.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None


async def children_of(env: Env, family_id: str) -> int:
    async with env.runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(students).where(
            students.c.family_id == family_id))).scalar_one())


def guardian_of(family_id: str) -> Principal:
    return Principal(user_id=f"g-{family_id}", role=Role.GUARDIAN, family_id=family_id)


async def test_register_student_under_another_branchs_family_waits_for_the_guardians_code(env: Env) -> None:
    mine, theirs, third = await make_branch(env), await make_branch(env), await make_branch(env)
    fam = await make_family(env, theirs, kids=1)
    admin = admin_of(mine, "admin-mine")
    got = await env.ok(REGISTER_STUDENT, {"i": {"guardianPhone": fam["phone"], "firstName": "Ilya",
                                                "lastName": "Petrov", "birthDate": "2016-04-05"}}, admin)
    payload = got["registerStudent"]
    # The caller learns only that a confirmation was sent: no student, no family id, nothing attached.
    assert payload["student"] is None and payload["status"] == "PENDING_CONFIRMATION"
    assert payload["confirmationSent"] is True and fam["id"] not in str(got)
    assert await children_of(env, fam["id"]) == 1
    assert code_of(await env.gql(FAMILY, {"f": fam["id"]}, admin)) == "FORBIDDEN"
    code = env.last_code(fam["phone"])
    assert "Ilya Petrov" in env.last_message(fam["phone"])
    confirmation = payload["confirmation"]["id"]
    # Only the asking branch enters the code, and a wrong code counts as a try and attaches nothing.
    other_admin = await env.gql(CONFIRM_REGISTRATION, {"c": confirmation, "code": code}, admin_of(third, "a3"))
    assert code_of(other_admin) == "FORBIDDEN"
    wrong = await env.gql(CONFIRM_REGISTRATION, {"c": confirmation, "code": "000000" if code != "000000"
                                                 else "111111"}, admin)
    assert wrong["data"]["confirmFamilyRegistration"]["errors"][0]["code"] == "INVALID_CODE"
    assert await children_of(env, fam["id"]) == 1
    done = (await env.ok(CONFIRM_REGISTRATION, {"c": confirmation, "code": code}, admin))["confirmFamilyRegistration"]
    assert done["family"]["id"] == fam["id"]
    assert [(s["firstName"], s["branchId"]) for s in done["family"]["students"]][-1] == ("Ilya", mine)
    # Used once: the same code does not attach a second child.
    again = await env.gql(CONFIRM_REGISTRATION, {"c": confirmation, "code": code}, admin)
    assert code_of(again) == "FORBIDDEN" and await children_of(env, fam["id"]) == 2


async def test_register_client_shows_nothing_of_another_family_and_its_guardian_approves_or_declines(
        env: Env) -> None:
    mine, theirs = await make_branch(env), await make_branch(env)
    fam = await make_family(env, theirs, kids=2, last_name="Orlova")
    admin = admin_of(mine, "admin-mine-2")
    client = {"phone": fam["phone"], "firstName": "Someone", "lastName": "Else", "branchId": mine,
              "consentSigned": True, "students": [{"firstName": "Vera", "lastName": "Orlova",
                                                   "birthDate": "2017-01-02"}]}
    got = await env.ok(REGISTER_CLIENT, {"i": client}, admin)
    payload = got["registerClient"]
    assert payload["family"] is None and payload["status"] == "PENDING_CONFIRMATION"
    for secret in [fam["id"], "Anna", *[s["id"] for s in fam["students"]]]:
        assert secret not in str(got)  # none of the family's guardians, children or ids
    guardian = guardian_of(fam["id"])
    requests = (await env.ok(PENDING, None, guardian))["myFamilyConfirmations"]
    assert [r["children"] for r in requests] == [[{"firstName": "Vera", "lastName": "Orlova",
                                                   "birthDate": "2017-01-02"}]]
    assert requests[0]["kind"] == "add_students"
    # Another family's guardian cannot decide it; the family's own guardian approves it.
    stranger = guardian_of((await make_family(env, mine, kids=1))["id"])
    assert code_of(await env.gql(APPROVE, {"c": requests[0]["id"]}, stranger)) == "FORBIDDEN"
    assert await children_of(env, fam["id"]) == 2
    approved = (await env.ok(APPROVE, {"c": requests[0]["id"]}, guardian))["approveFamilyConfirmation"]
    assert approved["request"]["status"] == "confirmed" and await children_of(env, fam["id"]) == 3
    # A second request, declined: nothing is attached.
    second = (await env.ok(REGISTER_CLIENT, {"i": {**client, "branchId": theirs, "students": [
        {"firstName": "Gleb", "lastName": "Orlov", "birthDate": "2018-01-02"}]}}, admin_of(theirs, "admin-3"))
              )["registerClient"]
    assert second["status"] == "DONE"  # the family's own branch sees it: no confirmation needed
    third = await make_branch(env)
    pending = (await env.ok(REGISTER_CLIENT, {"i": {**client, "branchId": third}}, admin_of(third, "admin-4"))
               )["registerClient"]["confirmation"]["id"]
    declined = (await env.ok(DECLINE, {"c": pending}, guardian))["declineFamilyConfirmation"]
    assert declined["request"]["status"] == "declined" and await children_of(env, fam["id"]) == 4
    assert (await env.ok(PENDING, None, guardian))["myFamilyConfirmations"] == []


async def test_the_owner_and_the_familys_own_branch_attach_without_a_confirmation(env: Env) -> None:
    branch = await make_branch(env)
    fam = await make_family(env, branch, kids=1)
    for who in (admin_of(branch, "admin-own"), OWNER):
        got = (await env.ok(REGISTER_STUDENT, {"i": {"guardianPhone": fam["phone"], "firstName": "Nina",
                                                     "lastName": "Petrova", "birthDate": "2018-02-03",
                                                     "branchId": branch}}, who))["registerStudent"]
        assert got["status"] == "DONE" and got["student"]["familyId"] == fam["id"]


async def _self_registered(env: Env, last_name: str) -> tuple[str, str]:
    phone = new_phone()
    await env.ok(REQUEST_REG_CODE, {"p": phone})
    session = (await env.ok(COMPLETE_REG, {"i": {"phone": phone, "code": env.last_code(phone),
                                                 "firstName": "Pavel", "lastName": last_name}}))
    return phone, session["completeRegistration"]["session"]["accessToken"]


async def test_link_records_joins_another_family_only_after_its_guardian_confirms(env: Env) -> None:
    branch = await make_branch(env)
    fam = await make_family(env, branch, kids=1, last_name="Morozova")
    await env.ok(OPEN, {"f": fam["id"]}, admin_of(branch))
    phone, token = await _self_registered(env, "Morozov")
    right = {"phone": fam["phone"], "birthDate": "2010-01-10", "lastName": "Morozova"}
    got = (await env.ok(LINK, {"i": right}, token))["linkRecords"]
    # A birth date and a surname prove nothing: no tokens for the family, the caller stays where they were.
    assert got["session"] is None and got["status"] == "PENDING_CONFIRMATION" and got["confirmationSent"]
    assert not [e for e in await env.events("identity.guardian.linked.v1")
                if e["phone"] == phone and e["family_id"] == fam["id"]]
    assert "Pavel Morozov" in env.last_message(fam["phone"])
    wrong = await env.gql(CONFIRM_LINK, {"c": got["confirmation"]["id"], "code": "12345x"}, token)
    assert wrong["data"]["confirmLinkRecords"]["errors"][0]["code"] == "INVALID_CODE"
    linked = (await env.ok(CONFIRM_LINK, {"c": got["confirmation"]["id"], "code": env.last_code(fam["phone"])},
                           token))["confirmLinkRecords"]["session"]
    assert linked["familyId"] == fam["id"]
    events = [e for e in await env.events("identity.guardian.linked.v1") if e["phone"] == phone]
    assert [e["family_id"] for e in events][-1] == fam["id"]


async def test_link_records_never_opens_a_closed_cabinet_nor_takes_the_callers_own(env: Env) -> None:
    branch = await make_branch(env)
    closed = await make_family(env, branch, kids=1, last_name="Volkova")  # staff-registered: cabinet closed
    _, token = await _self_registered(env, "Volkov")
    got = await env.gql(LINK, {"i": {"phone": closed["phone"], "birthDate": "2010-01-10", "lastName": "Volkova"}},
                        token)
    assert got["data"]["linkRecords"]["errors"][0]["code"] == "CABINET_NOT_OPEN"
    assert (env.mailbox is not None and env.mailbox.last_to(closed["phone"]) is None) or \
        "join your family" not in env.last_message(closed["phone"])
    # The caller's own cabinet still works.
    me = await env.gql("{ myFamily { id } }", None, token)
    assert me["data"]["myFamily"]["id"] != closed["id"]


async def test_the_records_guardian_approves_a_link_in_the_cabinet(env: Env) -> None:
    branch = await make_branch(env)
    fam = await make_family(env, branch, kids=1, last_name="Lebedeva")
    await env.ok(OPEN, {"f": fam["id"]}, admin_of(branch))
    phone, token = await _self_registered(env, "Lebedev")
    got = (await env.ok(LINK, {"i": {"phone": fam["phone"], "birthDate": "2010-01-10", "lastName": "Lebedeva"}},
                        token))["linkRecords"]
    assert got["status"] == "PENDING_CONFIRMATION"
    guardian = guardian_of(fam["id"])
    requests = (await env.ok("{ myFamilyConfirmations { id kind requesterName children { firstName } } }", None,
                             guardian))["myFamilyConfirmations"]
    assert [(r["kind"], r["requesterName"], r["children"]) for r in requests] == [
        ("link_guardian", "Pavel Lebedev", [])]
    await env.ok(APPROVE, {"c": requests[0]["id"]}, guardian)
    events = [e for e in await env.events("identity.guardian.linked.v1") if e["phone"] == phone]
    assert events[-1]["family_id"] == fam["id"]
    # The requester's own code no longer works: the request is decided.
    late = await env.gql(CONFIRM_LINK, {"c": got["confirmation"]["id"], "code": env.last_code(fam["phone"])}, token)
    assert code_of(late) == "FORBIDDEN"


async def _confirmations_of(env: Env, family_id: str) -> int:
    async with env.runtime.sessionmaker() as s:
        return int((await s.execute(text("SELECT count(*) FROM family_confirmations WHERE family_id = :f"),
                                    {"f": family_id})).scalar_one())


async def _charged(env: Env, branch_id: str) -> tuple[int, list[str]]:
    """SMS counted today on the branch's cost cap, and the purposes logged as charged to it."""
    async with env.runtime.sessionmaker() as s:
        sent = (await s.execute(text("SELECT sent FROM sms_day_totals WHERE key = :k"),
                                {"k": f"branch:{branch_id}"})).scalar_one_or_none()
        logged = (await s.execute(text("SELECT purpose FROM sms_messages WHERE branch_id = :b"),
                                  {"b": branch_id})).scalars().all()
    return int(sent or 0), list(logged)


async def test_a_confirmation_sms_goes_through_the_sms_caps_and_is_charged_to_a_branch(env: Env, limits: Any) -> None:
    """A family confirmation SMS is sent like a code or an invitation (identity.service.sms): past the school's daily
    total or the paying branch's cost cap it is SMS_NOT_AVAILABLE and nothing is stored or sent (it was counted in
    the school's total but never stopped, and charged to no branch's cap). The asking branch pays for its
    registration; a link request is paid by the records' family's branch (the asker has no branch: no children)."""
    mine, theirs = await make_branch(env), await make_branch(env)
    fam = await make_family(env, theirs, kids=1, last_name="Sokolova")
    admin = admin_of(mine, "admin-sms")
    child = {"i": {"guardianPhone": fam["phone"], "firstName": "Lev", "lastName": "Sokolov",
                   "birthDate": "2016-04-05"}}
    for cap in ({"global_daily": 0}, {"branch_daily_cost_cap": "0.00"}):
        limits(**cap)
        refused = (await env.gql(REGISTER_STUDENT, child, admin))["data"]["registerStudent"]
        assert [e["code"] for e in refused["errors"]] == ["SMS_NOT_AVAILABLE"], (cap, refused)
        assert refused["confirmation"] is None
        assert await _confirmations_of(env, fam["id"]) == 0 and env.messages_to(fam["phone"]) == 0
        assert await _charged(env, mine) == (0, [])
    limits()
    env.deps.sms_available = False  # no SMS channel: refused as a code request is, before anything is stored
    try:
        refused = (await env.gql(REGISTER_STUDENT, child, admin))["data"]["registerStudent"]
    finally:
        env.deps.sms_available = True
    assert [e["code"] for e in refused["errors"]] == ["DELIVERY_UNAVAILABLE"]
    assert await _confirmations_of(env, fam["id"]) == 0
    sent = (await env.ok(REGISTER_STUDENT, child, admin))["registerStudent"]
    assert sent["status"] == "PENDING_CONFIRMATION" and env.messages_to(fam["phone"]) == 1
    assert await _charged(env, mine) == (1, ["family_confirm"])
    assert await children_of(env, fam["id"]) == 1

    await env.ok(OPEN, {"f": fam["id"]}, admin_of(theirs))
    _, token = await _self_registered(env, "Sokolov")
    link = {"i": {"phone": fam["phone"], "birthDate": "2010-01-10", "lastName": "Sokolova"}}
    assert (await env.ok(LINK, link, token))["linkRecords"]["status"] == "PENDING_CONFIRMATION"
    assert await _charged(env, theirs) == (1, ["family_confirm"])


async def test_a_link_requests_code_entered_as_a_registration_is_refused_and_links_nothing(env: Env) -> None:
    """confirmFamilyRegistration is for the children staff registered: a guardian's link request's code entered
    there is refused before its transaction commits, so the guardian is not linked by it."""
    branch = await make_branch(env)
    fam = await make_family(env, branch, kids=1, last_name="Sokolova")
    await env.ok(OPEN, {"f": fam["id"]}, admin_of(branch))
    phone, token = await _self_registered(env, "Sokolov")
    got = (await env.ok(LINK, {"i": {"phone": fam["phone"], "birthDate": "2010-01-10", "lastName": "Sokolova"}},
                        token))["linkRecords"]
    wrong_door = await env.gql(CONFIRM_REGISTRATION, {"c": got["confirmation"]["id"],
                                                      "code": env.last_code(fam["phone"])}, token)
    assert code_of(wrong_door) == "FORBIDDEN"
    assert not [e for e in await env.events("identity.guardian.linked.v1")
                if e["phone"] == phone and e["family_id"] == fam["id"]]
    # The request is still open: entered where it belongs, it links.
    linked = (await env.ok(CONFIRM_LINK, {"c": got["confirmation"]["id"], "code": env.last_code(fam["phone"])},
                           token))["confirmLinkRecords"]["session"]
    assert linked["familyId"] == fam["id"]
