"""Issue #10, points 4 and 5, through the gateway (as a client would come): a branch admin cannot take over
another branch's family by its phone, and linkRecords cannot join a family by a birth date and a surname."""

from __future__ import annotations

from gateway_kit import Flow, error_code, ok
from identity_testkit import CONFIRM_LINK, LINK

from kabinet.testing.stack import eventually

REGISTER_STUDENT = """mutation($i: RegisterStudentInput!) { registerStudent(input: $i) {
  student { id familyId } status confirmationSent confirmation { id } errors { field code } } }"""
REGISTER_CLIENT_PENDING = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id guardians { firstName phone } students { id firstName } } status confirmationSent
  confirmation { id } errors { field code } } }"""
CONFIRM = """mutation($c: ID!, $code: String!) { confirmFamilyRegistration(confirmationId: $c, code: $code) {
  family { id students { firstName branchId } } errors { field code } } }"""
FAMILY = "query($f: ID!) { family(id: $f) { id students { firstName } } }"
BALANCE = """mutation($f: ID!) { adjustBalance(input: {familyId: $f, amount: "1000", reason: "takeover"}) {
  errors { code } } }"""
CREDIT = """mutation($f: ID!) { setCreditLimit(familyId: $f, limit: "100000") { errors { code } } }"""


async def test_an_admin_cannot_take_over_another_branchs_family_by_its_phone(flow: Flow) -> None:
    owner = await flow.owner()
    mine, theirs = await flow.branch(owner), await flow.branch(owner)
    _, my_admin = await flow.staff(owner, "BRANCH_ADMIN", mine)
    _, their_admin = await flow.staff(owner, "BRANCH_ADMIN", theirs)
    family = await flow.client_family(their_admin, theirs, (("Olya", "2014-04-04"),), last_name="Smirnova")
    got = await ok(my_admin, REGISTER_STUDENT, {"i": {"guardianPhone": family["phone"], "firstName": "Spy",
                                                      "lastName": "Kid", "birthDate": "2015-05-05"}})
    assert got["registerStudent"]["student"] is None
    assert got["registerStudent"]["status"] == "PENDING_CONFIRMATION" and family["id"] not in str(got)
    client = await ok(my_admin, REGISTER_CLIENT_PENDING, {"i": {
        "phone": family["phone"], "firstName": "X", "lastName": "Y", "branchId": mine, "consentSigned": True,
        "students": [{"firstName": "Spy", "lastName": "Kid", "birthDate": "2015-05-05"}]}})
    assert client["registerClient"]["family"] is None and "Olya" not in str(client)
    # So the family stays out of reach: not readable, and billing does not let the admin touch its money.
    await flow.stack.drain()
    assert error_code(await my_admin.execute(FAMILY, {"f": family["id"]})) == "FORBIDDEN"
    assert error_code(await my_admin.execute(BALANCE, {"f": family["id"]})) == "FORBIDDEN"
    assert error_code(await my_admin.execute(CREDIT, {"f": family["id"]})) == "FORBIDDEN"
    # With the code the family's guardian received (read out at the desk), the children join the family. Each
    # request has its own code: the latest SMS is the client registration's, and it does not confirm the other.
    code = flow.code(family["phone"])
    other = await my_admin.execute(CONFIRM, {"c": got["registerStudent"]["confirmation"]["id"], "code": code})
    assert other["data"]["confirmFamilyRegistration"]["errors"][0]["code"] == "INVALID_CODE"
    done = (await ok(my_admin, CONFIRM, {"c": client["registerClient"]["confirmation"]["id"], "code": code})
            )["confirmFamilyRegistration"]
    assert done["family"]["id"] == family["id"]
    assert ("Spy", mine) in [(s["firstName"], s["branchId"]) for s in done["family"]["students"]]


async def test_link_records_does_not_join_a_family_by_a_birth_date_and_a_surname(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    family = await flow.client_family(admin, branch, (("Gosha", "2012-02-02"),), last_name="Kozlov")
    await flow.open_cabinet(admin, family["id"])
    _, stranger = await flow.self_registered("Eve", "Kozlova")
    got = (await ok(stranger, LINK, {"i": {"phone": family["phone"], "birthDate": "2012-02-02",
                                           "lastName": "Kozlov"}}))["linkRecords"]
    assert got["session"] is None and got["status"] == "PENDING_CONFIRMATION"
    mine = (await ok(stranger, "{ myFamily { id students { firstName } } }"))["myFamily"]
    assert mine["id"] != family["id"] and mine["students"] == []
    assert error_code(await stranger.execute(FAMILY, {"f": family["id"]})) == "FORBIDDEN"
    # Guessing the code is capped like any code: five wrong tries lock the request.
    for _ in range(5):
        wrong = await stranger.execute(CONFIRM_LINK, {"c": got["confirmation"]["id"], "code": "999999"})
        assert wrong["data"]["confirmLinkRecords"]["session"] is None
    right = await stranger.execute(CONFIRM_LINK, {"c": got["confirmation"]["id"],
                                                  "code": flow.code(family["phone"])})
    assert right["data"]["confirmLinkRecords"]["session"] is None

    async def still_out() -> bool:
        return error_code(await stranger.execute(FAMILY, {"f": family["id"]})) == "FORBIDDEN"

    await eventually(still_out)
