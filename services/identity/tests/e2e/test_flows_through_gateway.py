"""Identity's flows of issue #3, points 1-6, through the gateway with all four services on PostgreSQL + RabbitMQ.

Every request goes to the gateway's /graphql; every token comes from identity's own sign-in mutations (except
where a test forges one on purpose). Each test makes its own branch, phones and emails on the shared stack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
from gateway_kit import Flow, error_code, ok, payload_error
from identity_testkit import (
    ADD_CHILD,
    ASK,
    COMPLETE_REG,
    CONFIRM_LINK,
    CREATE_BRANCH,
    INVITE,
    LINK,
    MY_FAMILY,
    REFRESH,
    REGISTER_CLIENT,
    REQUEST_CODE,
    REQUEST_REG_CODE,
    SIGN_IN_PASSWORD,
    new_phone,
)

from kabinet.auth import SigningKey
from kabinet.testing.stack import eventually

FAMILY = """query($f: ID!) { family(id: $f) { id guardianPhone accessOpen
  students { id firstName lastName birthDate branchId consentRecorded } guardians { phone isPayer } } }"""
REGISTER_STUDENT = """mutation($i: RegisterStudentInput!) { registerStudent(input: $i) {
  student { id familyId } status confirmationSent confirmation { id } errors { field code } } }"""
PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code message } } }"""
SELL = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { errors { code message } } }"""


# -- 1. people and organisation; the family cabinet lists every child (R-FAM-1, 2, 4) ---------------------
async def test_staff_branches_guardians_and_students_make_one_family_cabinet(flow: Flow) -> None:
    owner = await flow.owner()
    bad_tz = await owner.execute(CREATE_BRANCH, {"i": {"name": "X", "city": "X", "timeZone": "Mars/Olympus",
                                                       "address": "1"}})
    assert payload_error(bad_tz, "createBranch") == "INVALID_TIME_ZONE"
    branch = await flow.branch(owner, "Yekaterinburg", "Asia/Yekaterinburg")
    branches = (await ok(owner, "{ branches { id timeZone } }"))["branches"]
    assert {"id": branch, "timeZone": "Asia/Yekaterinburg"} in branches
    admin_id, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    teacher_id, _teacher = await flow.staff(owner, "TEACHER", branch)
    members = (await ok(admin, "query($b: ID!) { staffMembers(branchId: $b) { id role } }", {"b": branch})
               )["staffMembers"]
    assert {m["id"]: m["role"] for m in members} == {admin_id: "branch_admin", teacher_id: "teacher"}

    # One client (the payer) with two children by hand, then a third child under the same phone: one family.
    family = await flow.client_family(admin, branch, (("Masha", "2014-05-12"), ("Petya", "2016-09-03")))
    third = await ok(admin, REGISTER_STUDENT, {"i": {"guardianPhone": family["phone"], "firstName": "Dasha",
                                                     "lastName": "Petrova", "birthDate": "2019-01-20"}})
    assert third["registerStudent"]["student"]["familyId"] == family["id"]
    seen = (await ok(admin, FAMILY, {"f": family["id"]}))["family"]
    assert [s["firstName"] for s in seen["students"]] == ["Masha", "Petya", "Dasha"]
    assert all(s["branchId"] == branch and s["consentRecorded"] for s in seen["students"])
    assert seen["guardians"] == [{"phone": family["phone"], "isPayer": True}]

    # The client's one phone opens one cabinet with every child; switching a child is one query by id.
    await flow.open_cabinet(admin, family["id"])
    guardian = await flow.guardian(family["phone"])
    cabinet = (await ok(guardian, MY_FAMILY))["myFamily"]
    assert [s["firstName"] for s in cabinet["students"]] == ["Masha", "Petya", "Dasha"]
    petya = cabinet["students"][1]["id"]
    child = await ok(guardian, "query($s: ID!) { student(id: $s) { firstName branch { city timeZone } } }",
                     {"s": petya})
    assert child["student"] == {"firstName": "Petya", "branch": {"city": "Yekaterinburg",
                                                                 "timeZone": "Asia/Yekaterinburg"}}


# -- 2. sign-in: code, password, refresh rotation and reuse; forged tokens ---------------------------------
async def test_sign_in_by_code_and_password_refresh_rotation_and_reuse_revocation(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    family = await flow.client_family(admin, branch, (("Kira", "2015-02-02"),))
    await flow.open_cabinet(admin, family["id"])

    # Known and unknown phones get the same answer; only the known one gets an SMS.
    stranger = new_phone()
    known = await ok(flow.gateway, REQUEST_CODE, {"p": family["phone"]})
    unknown = await ok(flow.gateway, REQUEST_CODE, {"p": stranger})
    assert known == unknown
    assert flow.identity.mailbox.last_to(stranger) is None
    wrong = await flow.gateway.execute("""mutation($p: String!) { signInWithCode(phone: $p, code: "000000") {
        session { accessToken } errors { code } } }""", {"p": family["phone"]})
    assert payload_error(wrong, "signInWithCode") == "INVALID_CODE"
    session = (await flow.sign_in_code(family["phone"]))["session"]
    assert session["role"] == "guardian" and session["familyId"] == family["id"]

    # Rotation: each refresh gives a new pair; presenting a spent token revokes the whole chain.
    second = (await ok(flow.gateway, REFRESH, {"t": session["refreshToken"]}))["refreshSession"]["session"]
    assert second["refreshToken"] != session["refreshToken"]
    reused = await flow.gateway.execute(REFRESH, {"t": session["refreshToken"]})
    assert payload_error(reused, "refreshSession") == "INVALID_REFRESH_TOKEN"
    after_theft = await flow.gateway.execute(REFRESH, {"t": second["refreshToken"]})
    assert payload_error(after_theft, "refreshSession") == "INVALID_REFRESH_TOKEN"

    # Staff sign in by email + password; a wrong password and an unknown email get the same answer.
    wrong_pw = await flow.gateway.execute(SIGN_IN_PASSWORD, {"l": "owner@e2e.test", "pw": "not-the-password"})
    no_one = await flow.gateway.execute(SIGN_IN_PASSWORD, {"l": "nobody@e2e.test", "pw": "not-the-password"})
    assert wrong_pw["data"] == no_one["data"]
    assert payload_error(wrong_pw, "signInWithPassword") == "INVALID_CREDENTIALS"

    # The gateway and the services accept only identity's EdDSA tokens with the right iss/aud, unexpired.
    good = jwt.decode(session["accessToken"], options={"verify_signature": False})
    key = flow.identity.signing_key
    header = {"kid": key.kid}
    forged = {
        "alg=none": _unsigned(good),
        "HS256 with the public key": _hs256_with_public_key(good, key),
        "wrong aud": jwt.encode({**good, "aud": "elsewhere"}, key.private_key, algorithm="EdDSA", headers=header),
        "wrong iss": jwt.encode({**good, "iss": "evil"}, key.private_key, algorithm="EdDSA", headers=header),
        "expired": jwt.encode({**good, "exp": int((datetime.now(UTC) - timedelta(hours=1)).timestamp())},
                              key.private_key, algorithm="EdDSA", headers=header),
        "another key": jwt.encode(good, SigningKey.generate().private_key, algorithm="EdDSA", headers=header),
    }
    for why, token in forged.items():
        got = await flow.as_token(token).execute(MY_FAMILY)
        assert got.get("data") is None or got["data"].get("myFamily") is None, why
        assert error_code(got) == "UNAUTHENTICATED", why
    assert (await ok(flow.as_token(session["accessToken"]), MY_FAMILY))["myFamily"]["id"] == family["id"]


def _part(value: dict[str, object] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unsigned(claims: dict[str, object]) -> str:
    return f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(claims)}."


def _hs256_with_public_key(claims: dict[str, object], key: SigningKey) -> str:
    """The algorithm-confusion attack: an HMAC 'signed' with the (public) verification key."""
    signing_input = f"{_part({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{_part(claims)}"
    public = str(key.public_jwk()["x"]).encode()
    return f"{signing_input}.{_part(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())}"


# -- 3. registration flows ------------------------------------------------------------------------------
async def test_self_registration_confirmation_page_add_child_and_second_guardian(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    phone, email = new_phone(), f"ira.{new_phone()[1:]}@mail.ru"
    await ok(flow.gateway, REQUEST_REG_CODE, {"p": phone})
    session = (await ok(flow.gateway, COMPLETE_REG, {"i": {
        "phone": phone, "code": flow.code(phone), "firstName": "Ira", "lastName": "Online", "email": email,
        "password": "family-password-1"}}))["completeRegistration"]["session"]
    guardian = flow.as_token(session["accessToken"])
    cabinet = (await ok(guardian, MY_FAMILY))["myFamily"]
    assert cabinet["accessOpen"] is True and cabinet["students"] == []  # the cabinet opens at once (R-FAM-5)

    # The emailed link opens identity's page (mounted in the stack under /services/identity/).
    link = flow.message(email)
    path = link[link.index("/services/identity/confirm-email"):].split()[0]
    page = await flow.stack._client._client.get(path)
    assert page.status_code == 200 and "Email confirmed" in page.text
    assert (await ok(guardian, MY_FAMILY))["myFamily"]["guardians"][0]["emailConfirmed"] is True
    by_email = await ok(flow.gateway, SIGN_IN_PASSWORD, {"l": email, "pw": "family-password-1"})
    assert by_email["signInWithPassword"]["session"]["familyId"] == cabinet["id"]

    # Add a child: a date that does not exist is a typed error and nothing is created (R-FAM-3).
    for bad in ("2019-02-30", "2019-13-01", "2019-02", "20.01.2019"):
        got = await guardian.execute(ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Online", "birthDate": bad,
                                                       "consent": True, "branchId": branch}})
        assert payload_error(got, "addChild") == "INVALID_BIRTH_DATE", bad
    no_consent = await guardian.execute(ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Online",
                                                          "birthDate": "2019-02-28", "consent": False}})
    assert payload_error(no_consent, "addChild") == "CONSENT_REQUIRED"
    assert (await ok(guardian, MY_FAMILY))["myFamily"]["students"] == []
    added = (await ok(guardian, ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Online",
                                                  "birthDate": "2019-02-28", "consent": True, "branchId": branch,
                                                  "idempotencyKey": "add-dasha"}}))["addChild"]["student"]
    assert added["birthDate"] == "2019-02-28" and added["consentRecorded"] is True
    retried = (await ok(guardian, ADD_CHILD, {"i": {"firstName": "Dasha", "lastName": "Online",
                                                    "birthDate": "2019-02-28", "consent": True, "branchId": branch,
                                                    "idempotencyKey": "add-dasha"}}))["addChild"]["student"]
    assert retried["id"] == added["id"]

    # A second guardian, invited by phone, signs in with a code to the same cabinet with the same children.
    second_phone = new_phone()
    invited = (await ok(guardian, INVITE, {"p": second_phone}))["inviteGuardian"]["guardian"]
    assert invited["isPayer"] is False
    second = await flow.guardian(second_phone)
    theirs = (await ok(second, MY_FAMILY))["myFamily"]
    assert theirs["id"] == cabinet["id"] and [s["id"] for s in theirs["students"]] == [added["id"]]
    again = (await ok(guardian, INVITE, {"p": second_phone}))["inviteGuardian"]["guardian"]
    assert again["id"] == invited["id"]  # already in the family: the same guardian, no error
    # Another family's number answers like a new one (issue #10 point 11: no PHONE_TAKEN oracle).
    owner = await flow.owner()
    other_family = (await flow.client_family(owner, branch, (("Ivo", "2014-01-01"),)))["phone"]
    taken = await guardian.execute(INVITE, {"p": other_family})
    fresh = await guardian.execute(INVITE, {"p": new_phone()})
    assert taken["data"]["inviteGuardian"]["errors"] == fresh["data"]["inviteGuardian"]["errors"] == []


async def test_link_records_answers_a_mismatch_and_an_unknown_record_alike(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    family = await flow.client_family(admin, branch, (("Lev", "2013-03-03"),), last_name="Tolstov")
    await flow.open_cabinet(admin, family["id"])
    # The father registers himself online with his own phone, then links the records the branch keeps.
    phone, father = await flow.self_registered("Nikolai", "Tolstov")
    wrong_surname = await father.execute(LINK, {"i": {"phone": family["phone"], "birthDate": "2013-03-03",
                                                      "lastName": "Tolstoy"}})
    unknown_phone = await father.execute(LINK, {"i": {"phone": new_phone(), "birthDate": "2013-03-03",
                                                      "lastName": "Tolstov"}})
    wrong_date = await father.execute(LINK, {"i": {"phone": family["phone"], "birthDate": "2013-02-31",
                                                   "lastName": "Tolstov"}})
    assert wrong_surname["data"] == unknown_phone["data"] == wrong_date["data"]
    assert payload_error(wrong_surname, "linkRecords") == "RECORD_NOT_MATCHED"
    assert "branch" in wrong_surname["data"]["linkRecords"]["errors"][0]["message"]
    # Knowing the child's birth date and surname is not enough: the records' guardian gets a code (issue #10).
    pending = (await ok(father, LINK, {"i": {"phone": family["phone"], "birthDate": "2013-03-03",
                                             "lastName": "tolstov"}}))["linkRecords"]
    assert pending["session"] is None and pending["status"] == "PENDING_CONFIRMATION"
    linked = (await ok(father, CONFIRM_LINK, {"c": pending["confirmation"]["id"], "code": flow.code(family["phone"])}
                       ))["confirmLinkRecords"]["session"]
    assert linked["familyId"] == family["id"]
    cabinet = (await ok(flow.as_token(linked["accessToken"]), MY_FAMILY))["myFamily"]
    assert [s["firstName"] for s in cabinet["students"]] == ["Lev"]
    assert {g["phone"] for g in cabinet["guardians"]} == {family["phone"], phone}


async def test_cabinet_access_follows_billing_trial_opens_nothing_a_sale_on_credit_opens_it(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    family = await flow.client_family(admin, branch, (("Masha", "2015-04-01"), ("Petya", "2017-08-09")))
    masha = family["students"][0]["id"]
    await flow.stack.drain()
    trial = (await ok(owner, PLAN, {"i": {"name": "Trial", "lessons": 1, "validityDays": 14, "price": "0",
                                          "lessonTypes": ["trial"], "trial": True}})
             )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    monthly = (await ok(owner, PLAN, {"i": {"name": "Month", "lessons": 8, "validityDays": 30, "price": "8000",
                                            "lessonTypes": ["group"]}})
               )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    await ok(admin, SELL, {"i": {"planId": trial, "studentId": masha}})
    await flow.stack.drain()
    closed = await flow.sign_in_code(family["phone"])
    assert closed["session"] is None and closed["errors"][0]["code"] == "CABINET_NOT_OPEN"

    await ok(admin, SELL, {"i": {"planId": monthly, "studentId": masha, "onCredit": True}})
    await flow.stack.drain()

    async def opened() -> bool:
        return bool((await flow.sign_in_code(family["phone"]))["session"])

    await eventually(opened, timeout_s=10, interval_s=0.3)
    guardian = await flow.guardian(family["phone"])
    cabinet = (await ok(guardian, """{ myFamily { id accessOpen students { firstName }
        account { balance { amount currency } } } }"""))["myFamily"]
    assert cabinet["accessOpen"] is True and [s["firstName"] for s in cabinet["students"]] == ["Masha", "Petya"]
    assert cabinet["account"]["balance"] == {"amount": "-8000.00", "currency": "RUB"}  # sold on credit


# -- 4. consent and erasure: the name disappears everywhere -----------------------------------------------
async def test_erasure_removes_the_childs_names_from_identity_and_the_other_services(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    no_consent = await admin.execute(REGISTER_CLIENT, {"i": {
        "phone": new_phone(), "firstName": "Anna", "lastName": "Nocons", "branchId": branch, "consentSigned": False,
        "students": [{"firstName": "Zoe", "lastName": "Nocons", "birthDate": "2015-01-01"}]}})
    assert payload_error(no_consent, "registerClient") == "CONSENT_REQUIRED"
    assert "Nocons" not in json.dumps(await ok(admin, "query($b: ID!) { students(branchId: $b) { lastName } }",
                                               {"b": branch}))

    family = await flow.client_family(admin, branch, (("Rosalind", "2014-06-06"), ("Boris", "2016-06-06")),
                                      last_name="Quixotova")
    rosalind = family["students"][0]["id"]
    await flow.stack.drain()
    plan = (await ok(owner, PLAN, {"i": {"name": "Month", "lessons": 8, "validityDays": 30, "price": "5000",
                                         "lessonTypes": ["group"]}})
            )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    await ok(admin, SELL, {"i": {"planId": plan, "studentId": rosalind, "onCredit": True}})
    await flow.stack.drain()
    debtors_q = "query($b: ID!) { debtors(branchId: $b) { familyId balance { amount } studentNames } }"

    async def billing_knows_names() -> bool:
        found = (await ok(admin, debtors_q, {"b": branch}))["debtors"]
        return any("Rosalind" in " ".join(d["studentNames"]) for d in found)

    await eventually(billing_knows_names, timeout_s=10, interval_s=0.2)
    guardian = await flow.guardian(family["phone"])
    erased = (await ok(guardian, """mutation($s: ID!) { eraseStudent(studentId: $s) {
        student { id firstName lastName birthDate erased } errors { code } } }""", {"s": rosalind}))
    assert erased["eraseStudent"]["student"] == {"id": rosalind, "firstName": "—", "lastName": "—",
                                                 "birthDate": None, "erased": True}
    await flow.stack.drain()

    async def billing_forgot() -> bool:
        found = (await ok(admin, debtors_q, {"b": branch}))["debtors"]
        mine = [d for d in found if d["familyId"] == family["id"]]
        # The debt stays (accounting law); the name goes.
        return bool(mine) and mine[0]["balance"]["amount"] == "-5000.00" and \
            "Rosalind" not in json.dumps(mine)

    await eventually(billing_forgot, timeout_s=10, interval_s=0.2)
    views = [
        await ok(guardian, """{ myFamily { students { id firstName lastName birthDate
            remainingLessons subscriptions { id } } account { balance { amount } } } }"""),
        await ok(admin, FAMILY, {"f": family["id"]}),
        await ok(admin, "query($b: ID!) { students(branchId: $b) { firstName lastName } }", {"b": branch}),
        await ok(admin, debtors_q, {"b": branch}),
        await ok(owner, "query($s: ID!) { student(id: $s) { firstName lastName birthDate } }", {"s": rosalind}),
    ]
    text = json.dumps(views, ensure_ascii=False)
    assert "Rosalind" not in text and "2014-06-06" not in text
    assert "Boris" in text  # the sibling is untouched


# -- 5. access rules through the gateway (own vs foreign, incl. the _entities path) ------------------------
async def test_access_rules_hold_through_the_gateway_and_its_entity_fetches(flow: Flow) -> None:
    owner = await flow.owner()
    own_b, far_b = await flow.branch(owner, "Omsk"), await flow.branch(owner, "Tomsk")
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", own_b)
    _, far_admin = await flow.staff(owner, "BRANCH_ADMIN", far_b)
    teacher_id, teacher = await flow.staff(owner, "TEACHER", own_b)
    _, other_teacher = await flow.staff(owner, "TEACHER", own_b)
    mine = await flow.client_family(admin, own_b, (("Gleb", "2014-01-01"),), last_name="Ownova")
    theirs = await flow.client_family(far_admin, far_b, (("Yana", "2014-01-01"),), last_name="Farova")
    for fam, adm in ((mine, admin), (theirs, far_admin)):
        await flow.open_cabinet(adm, fam["id"])
    guardian = await flow.guardian(mine["phone"])
    gleb, yana = mine["students"][0]["id"], theirs["students"][0]["id"]
    await flow.stack.drain()

    # A lesson of the own teacher with Gleb: scheduling publishes it; identity learns who teaches whom and
    # learning builds the sheet whose rows the gateway completes with identity's Student (_entities).
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    lesson = await ok(admin, """mutation($i: CreateLessonInput!) { createLesson(input: $i) {
        lesson { id } errors { code message } } }""", {"i": {
        "branchId": own_b, "teacherId": teacher_id, "lessonType": "individual", "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=1)).isoformat(), "price": "1000", "studentIds": [gleb]}})
    lesson_id = lesson["createLesson"]["lesson"]["id"]
    await flow.stack.drain()
    sheet_q = """query($l: ID!) { lessonSheet(lessonId: $l) {
        students { studentId student { firstName lastName } } } }"""

    async def sheet_ready() -> bool:
        got = await teacher.execute(sheet_q, {"l": lesson_id})
        rows = ((got.get("data") or {}).get("lessonSheet") or {}).get("students") or []
        return any(r["student"] and r["student"]["firstName"] == "Gleb" for r in rows)

    await eventually(sheet_ready, timeout_s=15, interval_s=0.3)
    own_students = (await ok(teacher, "{ students { id } }"))["students"]
    assert [s["id"] for s in own_students] == [gleb]
    for who in (other_teacher, far_admin):
        got = await who.execute(sheet_q, {"l": lesson_id})
        assert "Gleb" not in json.dumps(got) and "Ownova" not in json.dumps(got)
    assert (await ok(other_teacher, "{ students { id } }"))["students"] == []

    secrets = ["Farova", "Yana", theirs["phone"]]
    checks = [
        (guardian, FAMILY, {"f": theirs["id"]}),
        (guardian, "query($s: ID!) { student(id: $s) { firstName } }", {"s": yana}),
        (teacher, "query($s: ID!) { student(id: $s) { firstName } }", {"s": yana}),
        (admin, FAMILY, {"f": theirs["id"]}),
        (admin, "query($b: ID!) { students(branchId: $b) { firstName } }", {"b": far_b}),
        (admin, "query($b: ID!) { branchFamilies(branchId: $b) { edges { node { guardianPhone } } } }",
         {"b": far_b}),
        (teacher, FAMILY, {"f": mine["id"]}),
    ]
    for who, query, variables in checks:
        got = await who.execute(query, variables)
        assert error_code(got) == "FORBIDDEN", (query, got)
        assert not any(s in json.dumps(got.get("data")) for s in secrets), got
    # Own objects are visible to whom the rules grant them; the owner sees all.
    assert (await ok(guardian, "query($s: ID!) { student(id: $s) { firstName } }", {"s": gleb}))["student"]
    assert (await ok(teacher, "query($s: ID!) { student(id: $s) { firstName } }", {"s": gleb}))["student"]
    page = (await ok(admin, "query($b: ID!) { branchFamilies(branchId: $b) { totalCount } }", {"b": own_b}))
    assert page["branchFamilies"]["totalCount"] == 1
    assert (await ok(owner, FAMILY, {"f": theirs["id"]}))["family"]["id"] == theirs["id"]

    # The exact _entities fetch the gateway sends identity, with a foreign representation: nothing leaks.
    entities = """query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Student { id firstName lastName } ... on Family { id guardianPhone } } }"""
    for token_of in (guardian, teacher, admin):
        direct = flow.stack.service_client("identity").as_(token_of.token)
        got = await direct.execute(entities, {"r": [{"__typename": "Student", "id": yana},
                                                    {"__typename": "Family", "id": theirs["id"]}]})
        assert error_code(got) == "FORBIDDEN"
        assert not any(s in json.dumps(got.get("data")) for s in secrets), got


# -- 6. support questions end to end, with overdue ---------------------------------------------------------
async def test_a_question_becomes_a_task_with_a_deadline_and_its_answer_reaches_the_family(flow: Flow) -> None:
    owner = await flow.owner()
    branch, far = await flow.branch(owner, "Samara", "Europe/Samara"), await flow.branch(owner, "Perm")
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    _, far_admin = await flow.staff(owner, "BRANCH_ADMIN", far)
    _, teacher = await flow.staff(owner, "TEACHER", branch)
    family = await flow.client_family(admin, branch, (("Ilya", "2015-05-05"),))
    await flow.open_cabinet(admin, family["id"])
    guardian = await flow.guardian(family["phone"])
    await ok(admin, """mutation($b: ID!) { setQuestionTopic(input: {code: "schedule", title: "Schedule",
        responseHours: 4, branchId: $b}) { topic { code } errors { code } } }""", {"b": branch})
    topics = (await ok(guardian, "query($b: ID!) { questionTopics(branchId: $b) { code responseHours } }",
                       {"b": branch}))["questionTopics"]
    assert {"code": "schedule", "responseHours": 4} in topics
    ilya = family["students"][0]["id"]
    unknown = await guardian.execute(ASK, {"i": {"topic": "astrology", "text": "?", "studentId": ilya}})
    assert payload_error(unknown, "askQuestion") == "UNKNOWN_TOPIC"
    asked = (await ok(guardian, ASK, {"i": {"topic": "schedule", "text": "Can Ilya move to Tuesday?",
                                            "studentId": ilya}}))["askQuestion"]["question"]
    due = datetime.fromisoformat(asked["dueAt"])
    assert due - datetime.fromisoformat(asked["askedAt"]) == timedelta(hours=4)
    assert asked["branchId"] == branch and asked["status"] == "open" and asked["overdue"] is False

    tasks_q = """query($b: ID!, $o: Boolean!) { branchQuestions(branchId: $b, overdueOnly: $o) {
        id status overdue text } }"""
    tasks = (await ok(admin, tasks_q, {"b": branch, "o": False}))["branchQuestions"]
    assert [t["id"] for t in tasks] == [asked["id"]]
    assert (await ok(admin, tasks_q, {"b": branch, "o": True}))["branchQuestions"] == []
    for who in (far_admin, teacher):
        got = await who.execute(tasks_q, {"b": branch, "o": False})
        assert error_code(got) == "FORBIDDEN" and "Tuesday" not in json.dumps(got.get("data"))

    deps = flow.identity.deps
    real_clock = deps.clock
    deps.clock = lambda: real_clock() + timedelta(hours=5)  # five hours later, nobody answered
    try:
        overdue = (await ok(admin, tasks_q, {"b": branch, "o": True}))["branchQuestions"]
        assert [(t["id"], t["overdue"]) for t in overdue] == [(asked["id"], True)]
    finally:
        deps.clock = real_clock

    foreign = await far_admin.execute("""mutation($q: ID!) { answerQuestion(questionId: $q, answer: "No") {
        question { id } errors { code } } }""", {"q": asked["id"]})
    assert error_code(foreign) == "FORBIDDEN"
    await ok(admin, """mutation($q: ID!) { answerQuestion(questionId: $q, answer: "Yes, from next week.") {
        question { status } errors { code } } }""", {"q": asked["id"]})
    mine = (await ok(guardian, "{ myQuestions { id status answer overdue } }"))["myQuestions"]
    assert mine == [{"id": asked["id"], "status": "answered", "answer": "Yes, from next week.", "overdue": False}]
    closed = await ok(guardian, """mutation($q: ID!) { closeQuestion(questionId: $q) { question { status }
        errors { code } } }""", {"q": asked["id"]})
    assert closed["closeQuestion"]["question"]["status"] == "closed"
    assert (await ok(admin, "query($b: ID!) { branchQuestions(branchId: $b, openOnly: true) { id } }",
                     {"b": branch}))["branchQuestions"] == []


# -- R-FAM-1: a child's own account, through the gateway ---------------------------------------------------
async def test_a_child_with_an_own_login_sees_the_own_profile_through_the_gateway(flow: Flow) -> None:
    owner = await flow.owner()
    branch = await flow.branch(owner)
    _, admin = await flow.staff(owner, "BRANCH_ADMIN", branch)
    family = await flow.client_family(admin, branch, (("Vera", "2012-12-12"), ("Yuri", "2014-04-04")))
    await flow.open_cabinet(admin, family["id"])
    guardian = await flow.guardian(family["phone"])
    vera, yuri = (s["id"] for s in family["students"])
    login = f"vera.{new_phone()[-6:]}"
    await ok(guardian, """mutation($s: ID!, $l: String!) { setStudentLogin(input: {studentId: $s, login: $l,
        password: "vera-password-1"}) { login errors { code } } }""", {"s": vera, "l": login})
    session = (await ok(flow.gateway, SIGN_IN_PASSWORD, {"l": login, "pw": "vera-password-1"}))[
        "signInWithPassword"]["session"]
    child = flow.as_token(session["accessToken"])
    own = await ok(child, "query($s: ID!) { student(id: $s) { firstName account: branch { city } } }", {"s": vera})
    assert own["student"]["firstName"] == "Vera"
    sibling = await child.execute("query($s: ID!) { student(id: $s) { firstName } }", {"s": yuri})
    assert error_code(sibling) == "FORBIDDEN" and "Yuri" not in json.dumps(sibling.get("data"))
    password = await ok(child, """mutation { setPassword(input: {currentPassword: "vera-password-1",
        newPassword: "vera-password-2"}) { session { role } errors { code } } }""")
    assert password["setPassword"]["session"]["role"] == "student"


# -- the client's address behind the gateway (documented in services/identity/README.md) ----------------------
async def test_a_client_sent_forwarded_for_never_chooses_the_address_identity_counts(flow: Flow) -> None:
    """Issue #10 point 9: the address identity counts is the one the gateway saw (or its trusted proxy's)."""
    from sqlalchemy import select

    from gateway.client_address import parse_networks
    from identity.adapters.tables import throttle_events
    from kabinet.testing.stack import GraphQLClient

    async def counted_ips() -> set[str]:
        async with flow.identity.sessionmaker() as s:
            rows = (await s.execute(select(throttle_events.c.key).where(throttle_events.c.bucket == "code_ip"))).all()
        return {r.key for r in rows}

    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    await flow.gateway.execute(REQUEST_CODE, {"p": new_phone()}, headers=spoofed)
    # No trusted proxy: the socket's peer counts (the test client's 127.0.0.1), never the client's header.
    assert "203.0.113.7" not in await counted_ips() and "127.0.0.1" in await counted_ips()
    settings = flow.stack.stack.gateway.state.gateway.settings
    try:
        # Behind a trusted proxy (the peer) the gateway believes X-Forwarded-For, up to the first untrusted hop.
        settings.trusted_proxies = parse_networks("127.0.0.0/8")
        await flow.gateway.execute(REQUEST_CODE, {"p": new_phone()},
                                   headers={"X-Forwarded-For": "198.51.100.66, 203.0.113.9, 127.0.0.5"})
        assert "203.0.113.9" in await counted_ips() and "198.51.100.66" not in await counted_ips()
    finally:
        settings.trusted_proxies = []
    # Straight to identity: refused without the gateway's secret; with it, a client-written header is ignored.
    outsider = GraphQLClient(flow.stack.stack.apps["identity"], as_gateway=False)
    refused = await outsider.execute(REQUEST_CODE, {"p": new_phone()}, headers=spoofed)
    assert refused["_status"] == 403 and refused["errors"][0]["extensions"]["code"] == "GATEWAY_ONLY"
    direct = flow.stack.service_client("identity")
    await direct.execute(REQUEST_CODE, {"p": new_phone()}, headers=spoofed)
    assert "203.0.113.7" not in await counted_ips()
