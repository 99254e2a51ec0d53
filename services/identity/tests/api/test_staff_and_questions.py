"""Branches and staff, staff sign-in (argon2id, rehash), password reset by email and by SMS (paid, capped per
branch, R-FAM-8), and support questions with topic deadlines (R-CAB-2)."""

from __future__ import annotations

from datetime import datetime, timedelta

from identity_testkit import (
    ASK,
    CREATE_BRANCH,
    CREATE_STAFF,
    OWNER,
    SIGN_IN_PASSWORD,
    Env,
    admin_of,
    make_branch,
    make_family,
    sign_in_by_code,
)
from sqlalchemy import func, select

from identity.adapters.passwords import PasswordHasher
from identity.adapters.tables import sms_messages, staff
from kabinet.events import Envelope
from kabinet.testing.stack import eventually

RESET = """mutation($l: String!, $c: ResetChannel!) { requestPasswordReset(login: $l, channel: $c) {
  ok errors { code } } }"""
DO_RESET = """mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { ok errors { field code } } }"""


async def test_owner_opens_branches_and_creates_staff_who_sign_in_with_argon2id(env: Env) -> None:
    bad_tz = await env.gql(CREATE_BRANCH, {"i": {"name": "X", "city": "X", "timeZone": "Mars/Olympus",
                                                 "address": "-"}}, OWNER)
    assert bad_tz["data"]["createBranch"]["errors"][0]["code"] == "INVALID_TIME_ZONE"
    branch = await make_branch(env, "Yekaterinburg", "Asia/Yekaterinburg")
    created = [e for e in await env.events("identity.branch.created.v1") if e["branch_id"] == branch]
    assert created and created[0]["time_zone"] == "Asia/Yekaterinburg"
    admin = (await env.ok(CREATE_STAFF, {"i": {"role": "BRANCH_ADMIN", "email": "Admin.Ekb@School.ru",
                                               "firstName": "Adm", "lastName": "Ekb", "branchIds": [branch],
                                               "password": "admin-password-1"}}, OWNER))["createStaff"]["staff"]
    assert admin["email"] == "admin.ekb@school.ru" and admin["branchIds"] == [branch]
    async with env.runtime.sessionmaker() as s:
        stored = (await s.execute(select(staff.c.password_hash).where(staff.c.id == admin["id"]))).scalar_one()
    assert stored.startswith("$argon2id$")
    got = (await env.ok(SIGN_IN_PASSWORD, {"l": "admin.ekb@school.ru", "pw": "admin-password-1"}))
    session = got["signInWithPassword"]["session"]
    assert session["role"] == "branch_admin" and session["staffId"] == admin["id"]
    me = await env.ok("{ me { role branchIds staff { id email } } }", who=session["accessToken"])
    assert me["me"]["branchIds"] == [branch] and me["me"]["staff"]["email"] == "admin.ekb@school.ru"
    # The admin creates a teacher for the own branch, but not an admin, and nothing in another branch.
    admin_token = session["accessToken"]
    teacher = await env.ok(CREATE_STAFF, {"i": {"role": "TEACHER", "email": "t1@school.ru", "firstName": "T",
                                                "lastName": "One", "branchIds": [branch]}}, admin_token)
    assert teacher["createStaff"]["staff"]["role"] == "teacher"
    assert "token=" in env.last_message("t1@school.ru")
    other = await make_branch(env, "Kaliningrad", "Europe/Kaliningrad")
    for role, branches in (("BRANCH_ADMIN", [branch]), ("TEACHER", [other])):
        denied = await env.gql(CREATE_STAFF, {"i": {"role": role, "email": f"x-{role}@school.ru", "firstName": "X",
                                                    "lastName": "Y", "branchIds": branches}}, admin_token)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [e for e in await env.events("identity.staff.created.v1") if e["staff_id"] == admin["id"]]
    # The new teacher sets a password through the emailed link, then signs in.
    await env.ok(DO_RESET, {"i": {"token": env.last_link_token("t1@school.ru"), "newPassword": "teacher-pass-1"}})
    assert (await env.ok(SIGN_IN_PASSWORD, {"l": "t1@school.ru", "pw": "teacher-pass-1"}))


async def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(env: Env) -> None:
    await make_branch(env)
    await env.ok(CREATE_STAFF, {"i": {"role": "OWNER", "email": "rehash@school.ru", "firstName": "R",
                                      "lastName": "H", "branchIds": [], "password": "old-params-pass"}}, OWNER)
    async with env.runtime.sessionmaker() as s:
        before = (await s.execute(select(staff.c.password_hash).where(staff.c.email == "rehash@school.ru"))
                  ).scalar_one()
    original = env.deps.hasher
    env.deps.hasher = PasswordHasher(time_cost=2, memory_cost_kib=2048, parallelism=1)  # parameters raised
    try:
        await env.ok(SIGN_IN_PASSWORD, {"l": "rehash@school.ru", "pw": "old-params-pass"})
    finally:
        env.deps.hasher = original
    async with env.runtime.sessionmaker() as s:
        after = (await s.execute(select(staff.c.password_hash).where(staff.c.email == "rehash@school.ru"))
                 ).scalar_one()
    assert after != before and "m=2048,t=2" in after and "m=1024,t=1" in before


async def test_password_reset_by_email_is_free_and_by_sms_is_charged_to_the_branch_and_capped(env: Env, limits
                                                                                            ) -> None:  # type: ignore[no-untyped-def]
    branch = await make_branch(env)
    fam = await make_family(env, branch, kids=1)
    await env.runtime.transport.publish(Envelope(
        type="billing.subscription.sold", version=1, producer="billing",
        payload={"subscription_id": "s", "family_id": fam["id"], "student_id": "x", "trial": False}))

    async def is_open() -> bool:
        return any(e["family_id"] == fam["id"] for e in await env.events("identity.access.granted.v1"))

    await eventually(is_open)

    async def branch_cost() -> tuple[int, str]:
        async with env.runtime.sessionmaker() as s:
            row = (await s.execute(select(func.count(), func.coalesce(func.sum(sms_messages.c.cost_amount), 0))
                                   .where(sms_messages.c.branch_id == branch))).one()
        return int(row[0]), f"{row[1]:.2f}"

    await env.ok(RESET, {"l": fam["phone"], "c": "SMS"})
    assert await branch_cost() == (1, "4.50")
    code = env.last_code(fam["phone"])
    weak = await env.gql(DO_RESET, {"i": {"phone": fam["phone"], "code": code, "newPassword": "short"}})
    assert weak["data"]["resetPassword"]["errors"][0]["code"] == "WEAK_PASSWORD"
    await env.ok(DO_RESET, {"i": {"phone": fam["phone"], "code": code, "newPassword": "family-pass-123"}})
    signed = await env.ok(SIGN_IN_PASSWORD, {"l": fam["phone"], "pw": "family-pass-123"})
    assert signed["signInWithPassword"]["session"]["familyId"] == fam["id"]
    # Past the branch's daily cap, no SMS is sent (the answer does not change: it reveals nothing).
    limits(branch_daily_cost_cap="4.50")
    sent_before = env.messages_to(fam["phone"])
    again = await env.ok(RESET, {"l": fam["phone"], "c": "SMS"})
    assert again["requestPasswordReset"]["ok"] is True
    assert env.messages_to(fam["phone"]) == sent_before and await branch_cost() == (1, "4.50")


async def test_questions_become_branch_tasks_with_topic_deadlines(env: Env) -> None:
    branch = await make_branch(env, "Moscow Q", "Europe/Moscow")
    topics = """mutation($i: SetQuestionTopicInput!) { setQuestionTopic(input: $i) {
      topic { code responseHours responseWorkingDays branchId } errors { field code } } }"""
    await env.ok(topics, {"i": {"code": "schedule", "title": "Schedule", "responseHours": 4}}, OWNER)
    await env.ok(topics, {"i": {"code": "billing", "title": "Billing", "responseWorkingDays": 1}}, OWNER)
    both = await env.gql(topics, {"i": {"code": "x", "title": "X", "responseHours": 1, "responseWorkingDays": 1}},
                         OWNER)
    assert both["data"]["setQuestionTopic"]["errors"][0]["code"] == "INVALID_INPUT"
    school_wide_by_admin = await env.gql(topics, {"i": {"code": "general", "title": "G", "responseHours": 2}},
                                         admin_of(branch))
    assert school_wide_by_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # The admin shortens schedule questions for the own branch to 2 hours.
    await env.ok(topics, {"i": {"code": "schedule", "title": "Schedule", "responseHours": 2, "branchId": branch}},
                 admin_of(branch))

    fam = await make_family(env, branch, kids=2)
    await env.runtime.transport.publish(Envelope(
        type="billing.subscription.sold", version=1, producer="billing",
        payload={"subscription_id": "q", "family_id": fam["id"], "student_id": "x", "trial": False}))

    async def is_open() -> bool:
        return any(e["family_id"] == fam["id"] for e in await env.events("identity.access.granted.v1"))

    await eventually(is_open)
    token = (await sign_in_by_code(env, fam["phone"]))["session"]["accessToken"]
    kid = fam["students"][1]["id"]
    asked = (await env.ok(ASK, {"i": {"topic": "schedule", "text": "Can Kid1 move to Friday?", "studentId": kid}},
                          token))["askQuestion"]["question"]
    due = datetime.fromisoformat(asked["dueAt"]) - datetime.fromisoformat(asked["askedAt"])
    assert asked["branchId"] == branch and asked["status"] == "open" and due == timedelta(hours=2)
    unknown = await env.gql(ASK, {"i": {"topic": "astrology", "text": "?"}}, token)
    assert unknown["data"]["askQuestion"]["errors"][0]["code"] == "UNKNOWN_TOPIC"
    events = [e for e in await env.events("identity.question.asked.v1") if e["question_id"] == asked["id"]]
    assert events and events[0]["branch_id"] == branch and events[0]["topic"] == "schedule"

    listing = "query($b: ID!, $o: Boolean!) { branchQuestions(branchId: $b, overdueOnly: $o) { id status overdue } }"
    assert (await env.ok(listing, {"b": branch, "o": True}, admin_of(branch)))["branchQuestions"] == []
    original = env.deps.clock
    env.deps.clock = lambda: original() + timedelta(hours=3)  # the deadline passes
    try:
        overdue = (await env.ok(listing, {"b": branch, "o": True}, admin_of(branch)))["branchQuestions"]
    finally:
        env.deps.clock = original
    assert [q["id"] for q in overdue] == [asked["id"]] and overdue[0]["overdue"] is True
    other_branch_admin = await env.gql(listing, {"b": branch, "o": False}, admin_of("another-branch"))
    assert other_branch_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    answer = """mutation($q: ID!) { answerQuestion(questionId: $q, answer: "Yes, from next week.") {
      question { status answer } errors { code } } }"""
    assert (await env.gql(answer, {"q": asked["id"]}, admin_of("another-branch")))["errors"][0]["extensions"][
        "code"] == "FORBIDDEN"
    done = (await env.ok(answer, {"q": asked["id"]}, admin_of(branch)))["answerQuestion"]["question"]
    assert done == {"status": "answered", "answer": "Yes, from next week."}
    mine = (await env.ok("{ myQuestions { id status answer } }", who=token))["myQuestions"]
    assert mine == [{"id": asked["id"], "status": "answered", "answer": "Yes, from next week."}]
    assert [e for e in await env.events("identity.question.answered.v1") if e["question_id"] == asked["id"]]
    closed = await env.ok('mutation($q: ID!) { closeQuestion(questionId: $q) { question { status } errors { code } } }',
                          {"q": asked["id"]}, token)
    assert closed["closeQuestion"]["question"]["status"] == "closed"
