"""Notifications beyond lessons and money (docs/notifications.md): a package ending soon (billing's
billing.subscription.ending) and the answer to a family's question; an SMS charged once per message however often
it is tried; old notifications, lessons long over and the SMS log cleaned up. On PostgreSQL + RabbitMQ and again
in embedded mode (SQLite + the in-process bus), as test_notifications."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import test_notifications
from identity_testkit import ASK, Env, admin_of, make_branch, new_phone
from sqlalchemy import select, update
from test_notifications import (
    PREFS,
    SET_PREFS,
    _as,
    _drain,
    _event,
    _family,
    _publish,
    _rows,
    _wait_rows,
)

from identity.adapters.tables import (
    notification_preferences,
    notifications,
    notify_lessons,
    sms_day_totals,
    sms_messages,
)
from identity.domain.credentials import branch_sms
from identity.domain.model import Guardian, new_id
from identity.service.notify_retention import delete_old_records
from identity.service.notify_sender import send_due
from identity.service.ports import DeliveryFailed
from kabinet.events import Envelope

TOPIC = """mutation($i: SetQuestionTopicInput!) { setQuestionTopic(input: $i) { errors { code } } }"""
# test_notifications' fixtures: each environment on PostgreSQL + RabbitMQ, then embedded (SQLite + in-process bus).
nenv, sqlite_env = test_notifications.nenv, test_notifications.sqlite_env
ANSWER = """mutation($q: ID!, $a: String!) { answerQuestion(questionId: $q, answer: $a) { question { id status } } }"""


def _ending(fam: dict[str, Any], student_id: str, left: int = 2) -> Envelope:
    return _event("billing.subscription.ending", subscription_id=str(uuid.uuid4()), family_id=fam["id"],
                  student_id=student_id, branch_id=None, name="8 lessons", lessons_left=left, lessons_total=8,
                  valid_until="2027-01-31")


async def test_a_package_ending_tells_the_family_in_the_cabinet_and_by_email_once(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    (fam, g), (_, other_g) = await _family(env, branch), await _family(env, branch)
    kid = fam["students"][0]["id"]
    ending = _ending(fam, kid)
    await _publish(env, ending, ending)  # redelivered: told once
    got = await _wait_rows(env, 2, guardian_id=g.id)
    assert sorted((r.kind, r.channel) for r in got) == [("subscription_ending", "cabinet"),
                                                        ("subscription_ending", "email")]
    assert {r.event_id for r in got} == {ending.id}
    assert got[0].text == "Kid0: в абонементе «8 lessons» осталось занятий: 2. Продлите его, чтобы занятия не " \
                          "прерывались."
    assert await _rows(env, guardian_id=other_g.id) == []
    # On by email by default (money due before the next lessons); the answer to a question only in the cabinet.
    defaults = (await env.ok(PREFS, who=_as(g)))["notificationPreferences"]
    assert "SUBSCRIPTION_ENDING" in defaults["email"] and "QUESTION_ANSWERED" not in defaults["email"]
    assert {"SUBSCRIPTION_ENDING", "QUESTION_ANSWERED"} <= set(defaults["cabinet"])


async def test_a_kind_added_after_a_guardian_saved_preferences_starts_at_its_default(nenv: Env) -> None:
    """Preferences saved by version 1 name the kinds chosen among its nine: a package ending (newer) was never
    offered, so it is not refused - it comes at its default (cabinet and email); one saved since is a choice."""
    env = nenv
    branch = await make_branch(env)
    (old_fam, old_g), (new_fam, new_g) = await _family(env, branch), await _family(env, branch)
    # What version 1 saved for a guardian who wanted only payments, in the cabinet and by email: no known_kinds.
    async with env.runtime.sessionmaker() as s:
        await s.execute(notification_preferences.insert().values(
            guardian_id=old_g.id, language=None, cabinet_kinds="payment_received", email_kinds="payment_received",
            sms_kinds="", quiet_from=None, quiet_to=None, updated_at=datetime.now(UTC)))
        await s.commit()
    # Saved now, with the package's end not chosen anywhere: refused, as chosen.
    await env.ok(SET_PREFS, {"i": {"cabinet": ["PAYMENT_RECEIVED"], "email": ["PAYMENT_RECEIVED"], "sms": []}},
                 _as(new_g))
    shown = (await env.ok(PREFS, who=_as(old_g)))["notificationPreferences"]
    assert {"SUBSCRIPTION_ENDING", "QUESTION_ANSWERED"} <= set(shown["cabinet"])
    assert "SUBSCRIPTION_ENDING" in shown["email"] and "GRADE_POSTED" not in shown["cabinet"]
    await _publish(env, _ending(old_fam, old_fam["students"][0]["id"]), _ending(new_fam, new_fam["students"][0]["id"]))
    got = await _wait_rows(env, 2, guardian_id=old_g.id)
    assert sorted(r.channel for r in got) == ["cabinet", "email"]
    await _publish(env, _event("billing.payment.received", payment_id=str(uuid.uuid4()), family_id=new_fam["id"],
                               amount={"amount": "10.00", "currency": "RUB"}))
    await _wait_rows(env, 2, guardian_id=new_g.id)  # the payment's two, after the package's end was handled
    assert await _rows(env, guardian_id=new_g.id, kind="subscription_ending") == []


async def test_an_answer_tells_the_guardian_who_asked_only(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    fam, asker = await _family(env, branch)
    other = Guardian(new_id(), fam["id"], new_phone(), "Ivan", "Petrov")  # the family's second guardian
    async with env.runtime.unit_of_work() as uow:
        await uow.guardians.add(other)
        await uow.commit()
    await env.ok(TOPIC, {"i": {"code": "schedule", "title": "Schedule", "responseHours": 4, "branchId": branch}},
                 admin_of(branch))
    asked = (await env.ok(ASK, {"i": {"topic": "schedule", "text": "Can Kid0 move to Friday?"}}, _as(asker))
             )["askQuestion"]["question"]
    assert await _rows(env, guardian_id=asker.id, kind="question_answered") == []  # asking tells no one
    await env.ok(ANSWER, {"q": asked["id"], "a": "Yes, from next week."}, admin_of(branch))
    [told] = await _wait_rows(env, 1, guardian_id=asker.id, kind="question_answered")
    assert (told.channel, told.subject) == ("cabinet", "Ответ на ваш вопрос")
    assert told.text == "Вы спросили: «Can Kid0 move to Friday?»\nОтвет: Yes, from next week."
    shown = (await env.ok("{ myNotifications { items { kind text questionId studentIds } } }", None, _as(asker))
             )["myNotifications"]
    # It names the question (the family's questions page opens it); asked of no one child, it names none.
    assert shown["items"][0] == {"kind": "QUESTION_ANSWERED", "text": told.text, "questionId": asked["id"],
                                 "studentIds": []}
    assert await _rows(env, guardian_id=other.id) == []


class FlakySms:
    """Fails the first ``failures`` sends to ``phone`` (after the provider may have billed them), then sends."""

    def __init__(self, phone: str, failures: int) -> None:
        self.phone, self.failures = phone, failures
        self.sent: list[str] = []

    async def send_sms(self, phone: str, text: str) -> None:
        if phone != self.phone:
            return
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("provider timed out")
        self.sent.append(text)


async def test_an_sms_failed_at_the_provider_is_charged_once_however_often_it_is_tried(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)  # a new branch: its day's SMS cost is this test's alone
    fam, g = await _family(env, branch, email=False)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": ["GRADE_POSTED"]}}, _as(g))
    await _publish(env, _event("learning.grade.posted", lesson_id="l", student_id=fam["students"][0]["id"],
                               family_id=fam["id"], grade="5", scale="five_point"))
    [sms] = await _wait_rows(env, 1, guardian_id=g.id)
    flaky = FlakySms(g.phone, failures=2)
    original_sms, original_clock, original_limits = env.deps.sms, env.deps.clock, env.deps.limits
    start = datetime.now(UTC)
    env.deps.sms = flaky
    # The branch's cap holds two SMS: charged on each try, the third try would be refused as over the cap.
    env.deps.limits = dataclasses.replace(original_limits, branch_daily_cost_cap="9.00")
    try:
        for minutes in (0, 1, 3):  # two provider failures, then sent (the waits: 30 s, 60 s)
            env.deps.clock = lambda m=minutes: start + timedelta(minutes=m)  # type: ignore[misc]
            await send_due(env.runtime.unit_of_work, env.deps)
    finally:
        env.deps.sms, env.deps.clock, env.deps.limits = original_sms, original_clock, original_limits
    [done] = await _rows(env, guardian_id=g.id)
    assert (done.status, done.attempts, done.reason) == ("sent", 3, None)
    assert flaky.sent == [sms.text]
    async with env.runtime.sessionmaker() as s:
        logged = (await s.execute(select(sms_messages).where(sms_messages.c.notification_id == sms.id))).all()
        spent = (await s.execute(select(sms_day_totals.c.sent, sms_day_totals.c.cost_amount).where(
            sms_day_totals.c.key == branch_sms(branch)))).all()
    assert [(r.purpose, r.branch_id) for r in logged] == [("notification", branch)]
    assert [(r.sent, Decimal(r.cost_amount)) for r in spent] == [(1, Decimal("4.50"))]


async def _age(env: Env, guardian_id: str, days: int, **values: object) -> None:
    """The guardian's notifications made ``days`` old (created, and read or sent, then), with ``values``."""
    at = datetime.now(UTC) - timedelta(days=days)
    async with env.runtime.sessionmaker() as s:
        rows = (await s.execute(select(notifications).where(notifications.c.guardian_id == guardian_id))).all()
        for r in rows:
            done = {"read_at": at} if r.channel == "cabinet" and r.read_at is not None else {}
            if r.status == "sent" and r.channel != "cabinet":
                done["sent_at"] = at
            await s.execute(update(notifications).where(notifications.c.id == r.id).values(
                created_at=at, **done, **values))
        await s.commit()


async def test_old_read_and_sent_notifications_are_deleted_in_batches_and_nothing_unsent(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    (old, old_g), (unread, unread_g), (waiting, waiting_g), (recent, recent_g) = [
        await _family(env, branch) for _ in range(4)]
    for fam in (old, unread, waiting, recent):
        await _publish(env, *[_event("billing.payment.received", payment_id=f"p{i}", family_id=fam["id"],
                                     amount={"amount": "100.00", "currency": "RUB"}, method="cash")
                              for i in range(3)])
    for g in (old_g, unread_g, waiting_g, recent_g):
        await _wait_rows(env, 6, guardian_id=g.id)  # 3 in the cabinet, 3 by email
    await _drain(env)  # the emails sent
    for g in (old_g, waiting_g, recent_g):
        await env.ok("mutation { markNotificationsRead { unreadCount } }", None, _as(g))
    await _age(env, old_g.id, 181)
    await _age(env, unread_g.id, 400)  # its emails sent, but unread in the cabinet
    await _age(env, recent_g.id, 179)
    await _age(env, waiting_g.id, 400)
    async with env.runtime.sessionmaker() as s:  # its emails: two still to send however old, one refused
        emails = [r.id for r in (await s.execute(select(notifications.c.id).where(
            notifications.c.guardian_id == waiting_g.id, notifications.c.channel == "email")
            .order_by(notifications.c.id))).all()]
        await s.execute(update(notifications).where(notifications.c.id.in_(emails[:2])).values(
            status="pending", sent_at=None, next_attempt_at=datetime.now(UTC) + timedelta(days=1)))
        await s.execute(update(notifications).where(notifications.c.id == emails[2]).values(
            status="not_sent", sent_at=None, reason="sms_cap_reached"))
        await s.commit()
    assert (await delete_old_records(env.runtime.unit_of_work, env.deps, batch=2)).notifications == 6 + 3 + 3
    assert await _rows(env, guardian_id=old_g.id) == []
    assert sorted(r.channel for r in await _rows(env, guardian_id=unread_g.id)) == ["cabinet"] * 3
    assert sorted(r.status for r in await _rows(env, guardian_id=waiting_g.id)) == ["not_sent", "pending",
                                                                                     "pending"]
    assert len(await _rows(env, guardian_id=recent_g.id)) == 6
    assert (await delete_old_records(env.runtime.unit_of_work, env.deps)).notifications == 0  # nothing more
    original = env.deps.settings
    env.deps.settings = original.model_copy(update={"notify_retention_days": 0})  # 0: kept for ever
    try:
        await _age(env, recent_g.id, 1000)
        assert (await delete_old_records(env.runtime.unit_of_work, env.deps)).notifications == 0
    finally:
        env.deps.settings = original
    assert len(await _rows(env, guardian_id=recent_g.id)) == 6


def _ago(days: float) -> str:
    """An ISO time ``days`` ago (negative: ahead), as scheduling's events carry them."""
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def _handle(env: Env, *envelopes: Envelope) -> None:
    """Handled now, one by one, as the consumer would (no waiting on the bus)."""
    for e in envelopes:
        async with env.runtime.uow() as kit:
            await env.runtime.spec.consumer.handle(kit, [e])
            await kit.commit()


def _lesson(lesson_id: str, branch: str, kid: str, starts_days_ago: float | None,
            ends_days_ago: float | None) -> Envelope:
    times = {} if starts_days_ago is None or ends_days_ago is None else {
        "starts_at": _ago(starts_days_ago), "ends_at": _ago(ends_days_ago)}
    return _event("scheduling.lesson.scheduled", lesson_id=lesson_id, branch_id=branch, teacher_id="t-1",
                  participants=[{"student_id": kid, "family_id": "x"}], **times)


async def _remembered(env: Env, lesson_ids: list[str]) -> set[str]:
    async with env.runtime.sessionmaker() as s:
        return {r.lesson_id for r in (await s.execute(select(notify_lessons.c.lesson_id).where(
            notify_lessons.c.lesson_id.in_(lesson_ids)))).all()}


async def test_lessons_long_over_are_forgotten_and_every_lesson_a_notice_may_still_need_is_kept(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    fam, g = await _family(env, branch, email=False)
    kid = fam["students"][0]["id"]
    ids = {name: str(uuid.uuid4()) for name in ("over", "added", "moved_back", "long", "recent", "future",
                                                  "moved_ahead", "untimed")}
    hour = 1 / 24
    await _handle(
        env,
        _lesson(ids["over"], branch, kid, 200, 200 - hour),  # ended 200 days ago: gone
        _event("scheduling.participant.added", lesson_id=ids["added"], branch_id=branch, teacher_id="t-1",
               student_id=kid, family_id=fam["id"], starts_at=_ago(190), ends_at=_ago(190 - hour)),  # gone
        _lesson(ids["moved_back"], branch, kid, -3, -3 - hour),  # moved to 250 days ago below: gone
        _lesson(ids["long"], branch, kid, 200, 179),  # started 200 days ago, ended 179 days ago: kept
        _lesson(ids["recent"], branch, kid, 179, 179 - hour),
        _lesson(ids["future"], branch, kid, -7, -7 - hour),
        _lesson(ids["moved_ahead"], branch, kid, 300, 300 - hour),  # moved to three days ahead below: kept
        _lesson(ids["untimed"], branch, kid, None, None),  # no time told: nothing says it is over
        _event("scheduling.lesson.rescheduled", lesson_id=ids["moved_back"], branch_id=branch,
               starts_at=_ago(250), ends_at=_ago(250 - hour), teacher_id="t-1", room_id=None),
        _event("scheduling.lesson.rescheduled", lesson_id=ids["moved_ahead"], branch_id=branch,
               starts_at=_ago(-3), ends_at=_ago(-3 - hour), teacher_id="t-1", room_id=None))
    assert await _remembered(env, list(ids.values())) == set(ids.values())
    deleted = await delete_old_records(env.runtime.unit_of_work, env.deps, batch=2)
    assert deleted.lessons >= 3
    kept = {"long", "recent", "future", "moved_ahead", "untimed"}
    assert await _remembered(env, list(ids.values())) == {ids[k] for k in kept}
    # A forgotten lesson cancelled now tells no one; a kept one still tells its family.
    await _handle(env, _event("scheduling.lesson.cancelled", lesson_id=ids["over"], branch_id=branch, reason="x"))
    assert await _rows(env, guardian_id=g.id, kind="lesson_cancelled") == []
    await _handle(env, _event("scheduling.lesson.cancelled", lesson_id=ids["long"], branch_id=branch, reason="x"))
    assert len(await _rows(env, guardian_id=g.id, kind="lesson_cancelled")) == 1
    original = env.deps.settings
    env.deps.settings = original.model_copy(update={"notify_retention_days": 0})  # 0: kept for ever
    try:
        await _handle(env, _event("scheduling.lesson.rescheduled", lesson_id=ids["recent"], branch_id=branch,
                                  starts_at=_ago(900), ends_at=_ago(900 - hour), teacher_id="t-1", room_id=None))
        assert (await delete_old_records(env.runtime.unit_of_work, env.deps)).lessons == 0
    finally:
        env.deps.settings = original
    assert ids["recent"] in await _remembered(env, [ids["recent"]])


async def _sms_log(env: Env, **where: str) -> list[Any]:
    async with env.runtime.sessionmaker() as s:
        stmt = select(sms_messages)
        for column, value in where.items():
            stmt = stmt.where(sms_messages.c[column] == value)
        return list((await s.execute(stmt)).all())


async def test_old_sms_log_rows_go_but_never_the_charge_of_a_notification_still_kept(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)
    (sent_fam, sent_g), (wait_fam, wait_g) = [await _family(env, branch, email=False) for _ in range(2)]
    for fam, g in ((sent_fam, sent_g), (wait_fam, wait_g)):
        await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": ["GRADE_POSTED"]}}, _as(g))
        await _publish(env, _event("learning.grade.posted", lesson_id="l", student_id=fam["students"][0]["id"],
                                   family_id=fam["id"], grade="5", scale="five_point"))
    [sent] = await _wait_rows(env, 1, guardian_id=sent_g.id)
    [waiting] = await _wait_rows(env, 1, guardian_id=wait_g.id)
    original_sms = env.deps.sms
    env.deps.sms = FlakySms(wait_g.phone, failures=1)  # the waiting one charged, then failed at the provider
    try:
        await send_due(env.runtime.unit_of_work, env.deps)
    finally:
        env.deps.sms = original_sms
    assert [(r.id, r.status) for r in await _rows(env, guardian_id=sent_g.id)] == [(sent.id, "sent")]
    assert [(r.id, r.status) for r in await _rows(env, guardian_id=wait_g.id)] == [(waiting.id, "pending")]
    codes = {days: new_phone() for days in (181, 179)}  # sign-in codes' SMS (no notification)
    async with env.runtime.unit_of_work() as uow:
        for days, phone in codes.items():
            await uow.codes.log_sms(phone, "login", None, Decimal("4.50"), "RUB", "10.0.0.1",
                                    datetime.now(UTC) - timedelta(days=days))
        await uow.commit()
    await _age(env, sent_g.id, 400)
    await _age(env, wait_g.id, 400)  # pending for 400 days (an outage waited out): still to send, charged once
    async with env.runtime.sessionmaker() as s:
        await s.execute(update(sms_messages).where(sms_messages.c.notification_id.in_([sent.id, waiting.id]))
                        .values(created_at=datetime.now(UTC) - timedelta(days=400)))
        await s.commit()
    deleted = await delete_old_records(env.runtime.unit_of_work, env.deps, batch=1)
    assert deleted.notifications >= 1 and deleted.sms >= 2
    assert await _rows(env, guardian_id=sent_g.id) == []
    assert await _sms_log(env, notification_id=sent.id) == []  # its notification gone: its charge too
    assert await _sms_log(env, phone=codes[181]) == []
    assert len(await _sms_log(env, phone=codes[179])) == 1
    assert len(await _sms_log(env, notification_id=waiting.id)) == 1  # its notification kept: its charge too
    async with env.runtime.unit_of_work() as uow:
        assert await uow.codes.charged_for(waiting.id)  # so its next try is not charged again
    original = env.deps.settings
    env.deps.settings = original.model_copy(update={"sms_retention_days": 0})  # 0: kept for ever
    try:
        assert (await delete_old_records(env.runtime.unit_of_work, env.deps)).sms == 0
    finally:
        env.deps.settings = original
    assert len(await _sms_log(env, phone=codes[179])) == 1
