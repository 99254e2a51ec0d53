"""Staff notifications (R-NTF-1 "leads for staff"; docs/notifications.md): a branch's admins are told of a new lead
and of a family's question in their branch - once per event, never another branch's - and read their own through
the same myNotifications as guardians, with their own preferences. On PostgreSQL + RabbitMQ: identity reads its own
events back through its inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from identity_testkit import ASK, CREATE_STAFF, OWNER, Env, admin_of, guardian_of, make_branch, make_family
from sqlalchemy import select, update

from identity.adapters.tables import notifications, outbox, staff
from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from kabinet.testing.stack import eventually

CREATE_LEAD = """mutation($b: ID!, $i: LeadInput!) { createLead(branchId: $b, input: $i) {
  lead { id } errors { field code } } }"""
MY = """{ myNotifications { items { id kind subject text read } unreadCount } }"""
SUBJECT = """{ myNotifications { items { kind studentIds lessonId leadId questionId } } }"""
MARK = """mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { unreadCount errors { code } } }"""
PREFS = """{ notificationPreferences { language cabinet email sms telegram telegramLinked } }"""
SET_PREFS = """mutation($i: NotificationPreferencesInput!) { setNotificationPreferences(input: $i) {
  preferences { cabinet email sms telegram } errors { field code } } }"""


async def _staff(env: Env, role: str, branch: str, confirmed: bool = False) -> Principal:
    """A staff member of ``branch``, signed in (their email confirmed when asked)."""
    email = f"{role.lower()}.{uuid.uuid4().hex[:8]}@school.test"
    got = await env.ok(CREATE_STAFF, {"i": {"role": role, "email": email, "firstName": "S", "lastName": "M",
                                            "branchIds": [branch], "password": "staff-password-1"}}, OWNER)
    staff_id = got["createStaff"]["staff"]["id"]
    if confirmed:
        async with env.runtime.sessionmaker() as s:
            await s.execute(update(staff).where(staff.c.id == staff_id).values(email_confirmed_at=datetime.now(UTC)))
            await s.commit()
    if role == "BRANCH_ADMIN":
        return admin_of(branch, staff_id)
    return Principal(user_id=staff_id, role=Role.TEACHER, branch_ids=frozenset({branch}), staff_id=staff_id)


async def _rows(env: Env, person: str) -> list[Any]:
    async with env.runtime.sessionmaker() as s:
        return list((await s.execute(select(notifications).where(notifications.c.guardian_id == person)
                                     .order_by(notifications.c.created_at, notifications.c.id))).all())


async def _wait(env: Env, person: str, count: int) -> list[Any]:
    async def enough() -> bool:
        return len(await _rows(env, person)) >= count

    await eventually(enough)
    return await _rows(env, person)


async def _lead(env: Env, branch: str, by: Principal, **over: Any) -> str:
    lead = {"contactFirstName": "Irina", "phone": "+79161234567", "childFirstName": "Misha", "childAge": 9,
            "interest": "English, B1", "source": "SITE"} | over
    got = await env.ok(CREATE_LEAD, {"b": branch, "i": lead}, by)
    return str(got["createLead"]["lead"]["id"])


async def _envelope(env: Env, routing_key: str, key: str, value: str) -> Envelope:
    async with env.runtime.sessionmaker() as s:
        rows = (await s.execute(select(outbox.c.body).where(outbox.c.routing_key == routing_key))).all()
    return next(e for e in (Envelope.from_json(r.body.encode()) for r in rows) if e.payload[key] == value)


async def test_a_new_lead_tells_its_branch_admins_and_assignee_once_and_never_another_branch(env: Env) -> None:
    branch, other = await make_branch(env), await make_branch(env, "Kazan")
    recorder, admin = await _staff(env, "BRANCH_ADMIN", branch), await _staff(env, "BRANCH_ADMIN", branch)
    teacher, idle_teacher = await _staff(env, "TEACHER", branch), await _staff(env, "TEACHER", branch)
    foreign_admin = await _staff(env, "BRANCH_ADMIN", other)
    lead_id = await _lead(env, branch, recorder, assignedStaffId=teacher.user_id)
    [told] = await _wait(env, str(admin.user_id), 1)
    assert (told.kind, told.channel, told.status, told.branch_id) == ("lead_created", "cabinet", "sent", branch)
    assert told.family_id == "" and "Misha" in told.text and "English, B1" in told.text
    assert "+7916" not in told.text  # no contact details leave the cabinet
    assert [r.kind for r in await _wait(env, str(teacher.user_id), 1)] == ["lead_created"]
    # Who recorded it knows; a teacher it is not assigned to and another branch's admin are not told.
    for nobody in (recorder, idle_teacher, foreign_admin):
        assert await _rows(env, str(nobody.user_id)) == []
    # Handled again past the inbox (two consumers racing): nothing new. An event naming another branch for
    # the lead tells nobody there: identity's own record of the lead decides.
    event = await _envelope(env, "identity.lead.created.v1", "lead_id", lead_id)
    forged = Envelope(type=event.type, version=1, producer="identity",
                      payload={**event.payload, "branch_id": other})
    for e in (event, forged):
        async with env.runtime.uow() as kit:
            await env.runtime.spec.consumer.handle(kit, [e])
            await kit.commit()
    assert len(await _rows(env, str(admin.user_id))) == 1
    assert await _rows(env, str(foreign_admin.user_id)) == []
    # The admin's notice opens the lead; the assigned teacher cannot read leads, so theirs names none.
    assert (await env.ok(SUBJECT, None, admin))["myNotifications"]["items"] == [
        {"kind": "LEAD_CREATED", "studentIds": [], "lessonId": None, "leadId": lead_id, "questionId": None}]
    assert (await env.ok(SUBJECT, None, teacher))["myNotifications"]["items"] == [
        {"kind": "LEAD_CREATED", "studentIds": [], "lessonId": None, "leadId": None, "questionId": None}]


async def test_a_family_question_tells_the_admins_of_its_branch(env: Env) -> None:
    branch, other = await make_branch(env), await make_branch(env, "Omsk", "Asia/Omsk")
    admin, teacher = await _staff(env, "BRANCH_ADMIN", branch), await _staff(env, "TEACHER", branch)
    foreign_admin = await _staff(env, "BRANCH_ADMIN", other)
    topic = """mutation($i: SetQuestionTopicInput!) { setQuestionTopic(input: $i) { topic { code } } }"""
    await env.ok(topic, {"i": {"code": "schedule", "title": "Schedule", "responseHours": 4, "branchId": branch}},
                 OWNER)
    fam = await make_family(env, branch, kids=1)
    async with env.runtime.unit_of_work() as uow:
        g = (await uow.guardians.of_families([fam["id"]]))[fam["id"]][0]
    guardian = guardian_of(fam["id"], [fam["students"][0]["id"]], user_id=g.id)
    asked = (await env.ok(ASK, {"i": {"topic": "schedule", "text": "Private details here",
                                      "studentId": fam["students"][0]["id"]}}, guardian))["askQuestion"]["question"]
    [told] = await _wait(env, str(admin.user_id), 1)
    due = datetime.fromisoformat(asked["dueAt"]).astimezone(ZoneInfo("Europe/Moscow"))  # the branch's time
    assert told.kind == "question_asked" and "schedule" in told.text
    assert f"{due:%d.%m.%Y %H:%M}" in told.text
    assert "Private details" not in told.text  # the question itself is read in the cabinet
    for nobody in (teacher, foreign_admin):
        assert await _rows(env, str(nobody.user_id)) == []
    assert [r.kind for r in await _rows(env, g.id)] == []  # the asking family is not told of its own question
    # The admin's notice names the question, not the family's child.
    assert (await env.ok(SUBJECT, None, admin))["myNotifications"]["items"] == [
        {"kind": "QUESTION_ASKED", "studentIds": [], "lessonId": None, "leadId": None, "questionId": asked["id"]}]


async def test_staff_read_and_mark_only_their_own_notifications(env: Env) -> None:
    branch = await make_branch(env)
    recorder, admin, colleague = [await _staff(env, "BRANCH_ADMIN", branch) for _ in range(3)]
    await _lead(env, branch, recorder)
    await _wait(env, str(admin.user_id), 1)
    await _wait(env, str(colleague.user_id), 1)
    mine = (await env.ok(MY, None, admin))["myNotifications"]
    assert mine["unreadCount"] == 1 and [n["kind"] for n in mine["items"]] == ["LEAD_CREATED"]
    theirs = (await env.ok(MY, None, colleague))["myNotifications"]
    assert {n["id"] for n in theirs["items"]}.isdisjoint({n["id"] for n in mine["items"]})
    # Marking another's ids changes nothing; marking one's own does.
    ids = [n["id"] for n in mine["items"]]
    assert (await env.ok(MARK, {"ids": ids}, colleague))["markNotificationsRead"]["unreadCount"] == 1
    assert (await env.ok(MY, None, admin))["myNotifications"]["unreadCount"] == 1
    assert (await env.ok(MARK, {"ids": ids}, admin))["markNotificationsRead"]["unreadCount"] == 0
    # The recorder has none; a student has no notifications here at all.
    assert (await env.ok(MY, None, recorder))["myNotifications"] == {"items": [], "unreadCount": 0}
    student = Principal(user_id="s-1", role=Role.STUDENT, family_id="f", student_ids=frozenset({"s-1"}))
    denied = await env.gql(MY, None, student)
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_choose_their_kinds_and_channels_and_a_confirmed_email_is_used(env: Env) -> None:
    branch = await make_branch(env)
    recorder, admin = await _staff(env, "BRANCH_ADMIN", branch), await _staff(env, "BRANCH_ADMIN", branch, True)
    defaults = (await env.ok(PREFS, None, admin))["notificationPreferences"]
    assert defaults == {"language": None, "cabinet": ["LEAD_CREATED", "QUESTION_ASKED"], "email": [], "sms": [],
                        "telegram": ["LEAD_CREATED", "QUESTION_ASKED"], "telegramLinked": False}
    # A guardian's preferences list the family's kinds only.
    fam = await make_family(env, branch, kids=1)
    family_side = (await env.ok(PREFS, None, guardian_of(fam["id"], user_id=str(uuid.uuid4()))))
    assert "LEAD_CREATED" not in str(family_side) and "PAYMENT_RECEIVED" in family_side["notificationPreferences"][
        "telegram"]
    # Staff have no phone in Kabinet (no SMS) and no family kinds: refused, nothing changed.
    for bad, field in (({"sms": ["LEAD_CREATED"]}, "sms"), ({"cabinet": ["GRADE_POSTED"]}, "cabinet")):
        got = await env.gql(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": []} | bad}, admin)
        assert got["data"]["setNotificationPreferences"]["errors"] == [{"field": field, "code": "INVALID_INPUT"}]
    assert (await env.ok(PREFS, None, admin))["notificationPreferences"] == defaults
    chosen = await env.ok(SET_PREFS, {"i": {"language": "en", "cabinet": ["QUESTION_ASKED"],
                                            "email": ["LEAD_CREATED"], "sms": []}}, admin)
    assert chosen["setNotificationPreferences"]["preferences"] == {
        "cabinet": ["QUESTION_ASKED"], "email": ["LEAD_CREATED"], "sms": [],
        "telegram": ["LEAD_CREATED", "QUESTION_ASKED"]}
    await _lead(env, branch, recorder)
    [emailed] = await _wait(env, str(admin.user_id), 1)
    assert emailed.channel == "email" and emailed.status == "pending" and emailed.address.endswith("@school.test")
    assert emailed.language == "en" and emailed.subject == "New lead"


async def test_without_a_bot_nothing_is_linked_or_recorded_for_telegram(env: Env) -> None:
    """This environment has no IDENTITY_TELEGRAM_BOT_TOKEN (test_telegram has one): no link code, no webhook, no
    Telegram rows - even for a chat linked while a bot was configured."""
    fam = await make_family(env, await make_branch(env), kids=1)
    async with env.runtime.unit_of_work() as uow:
        g = (await uow.guardians.of_families([fam["id"]]))[fam["id"]][0]
        await uow.messengers.link("telegram", g.id, "801", datetime.now(UTC))
        await uow.commit()
    got = await env.gql("mutation { linkMessenger { link { code } errors { code } } }", None,
                        guardian_of(fam["id"], user_id=g.id))
    assert got["data"]["linkMessenger"] == {"link": None, "errors": [{"code": "MESSENGER_NOT_CONFIGURED"}]}
    shown = await env.gql("{ notificationPreferences { telegramAvailable } }", None,
                          guardian_of(fam["id"], user_id=g.id))
    assert shown["data"]["notificationPreferences"] == {"telegramAvailable": False}  # said before anyone tries
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app), base_url="http://test") as client:
        webhook = await client.post("/telegram/webhook", json={"update_id": 1},
                                    headers={"X-Telegram-Bot-Api-Secret-Token": ""})
    assert webhook.status_code == 404
    await env.runtime.transport.publish(Envelope(
        type="billing.payment.received", version=1, producer="billing",
        payload={"payment_id": "p", "family_id": fam["id"], "amount": {"amount": "900.00", "currency": "RUB"},
                 "method": "cash"}))
    assert [r.channel for r in await _wait(env, g.id, 1)] == ["cabinet"]
