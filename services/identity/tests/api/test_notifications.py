"""Notifications (R-NTF-1, R-NTF-2; docs/notifications.md): events from the bus become one notification per
guardian, kind and channel of the student's own family; the sender holds quiet hours, respects the SMS caps, retries
a failed provider and never sends twice; the cabinet API shows a guardian only their own.

Every test runs on PostgreSQL + RabbitMQ and again in embedded mode (SQLite + the in-process bus)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from identity_testkit import Env, admin_of, guardian_of, make_branch, make_family
from sqlalchemy import event as sa_event
from sqlalchemy import select

from identity.adapters.tables import notifications
from identity.bootstrap import build_runtime
from identity.domain.credentials import ALL_SMS
from identity.domain.model import Guardian
from identity.service.notify import on_payments_received
from identity.service.notify_events import PaymentReceivedV1
from identity.service.notify_sender import send_due
from identity.service.ports import DeliveryFailed
from identity.settings import IdentitySettings
from kabinet.auth import Principal, Role
from kabinet.bus.memory import InProcessTransport
from kabinet.context import EventContext
from kabinet.events import Envelope
from kabinet.inbox import Delivered
from kabinet.testing.stack import eventually, running


@pytest.fixture(scope="module")
async def sqlite_env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Env]:
    """Embedded mode: SQLite and the in-process bus."""
    settings = IdentitySettings(data_dir=tmp_path_factory.mktemp("notify"), argon2_time_cost=1,
                                argon2_memory_kib=1024, argon2_parallelism=1, sms_per_ip_hour=100_000,
                                dev_mailbox=True)
    runtime = build_runtime(settings, transport=InProcessTransport())
    async with running(runtime):
        env = Env(runtime)
        yield env
        await env.anon.aclose()


@pytest.fixture(params=["postgresql", "sqlite"])
def nenv(request: pytest.FixtureRequest, env: Env, sqlite_env: Env) -> Env:
    return env if request.param == "postgresql" else sqlite_env


MY = """query($first: Int, $after: String) { myNotifications(first: $first, after: $after) {
  items { id kind subject text read } unreadCount nextCursor } }"""
MARK = """mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { unreadCount errors { code } } }"""
PREFS = """{ notificationPreferences { language cabinet email sms quietFrom quietTo } }"""
SET_PREFS = """mutation($i: NotificationPreferencesInput!) { setNotificationPreferences(input: $i) {
  preferences { language cabinet email sms quietFrom quietTo } errors { field code } } }"""


def _event(event_type: str, **payload: Any) -> Envelope:
    return Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0], payload=payload)


def _scheduled(lesson_id: str, branch: str, *students: str, starts_at: str = "2026-12-20T10:00:00+00:00"
               ) -> Envelope:
    return _event("scheduling.lesson.scheduled", lesson_id=lesson_id, branch_id=branch, teacher_id="t-1",
                  starts_at=starts_at, participants=[{"student_id": s, "family_id": "x"} for s in students])


async def _publish(env: Env, *envelopes: Envelope) -> None:
    for e in envelopes:
        await env.runtime.transport.publish(e)


async def _rows(env: Env, **where: str) -> list[Any]:
    async with env.runtime.sessionmaker() as s:
        stmt = select(notifications).order_by(notifications.c.created_at, notifications.c.id)
        for column, value in where.items():
            stmt = stmt.where(notifications.c[column] == value)
        return list((await s.execute(stmt)).all())


async def _guardian(env: Env, family_id: str, email: str | None = None) -> Guardian:
    """The family's guardian, with ``email`` confirmed when given."""
    async with env.runtime.unit_of_work() as uow:
        g = (await uow.guardians.of_families([family_id]))[family_id][0]
        if email:
            g.email, g.email_confirmed_at = email, datetime.now(UTC)
            await uow.guardians.save(g)
            await uow.commit()
    return g


def _as(g: Guardian) -> Principal:
    return guardian_of(g.family_id, user_id=g.id)


async def _family(env: Env, branch: str, email: bool = True) -> tuple[dict[str, Any], Guardian]:
    fam = await make_family(env, branch, kids=1)
    g = await _guardian(env, fam["id"], f"g.{uuid.uuid4().hex[:8]}@family.test" if email else None)
    return fam, g


async def _wait_rows(env: Env, count: int, **where: str) -> list[Any]:
    async def enough() -> bool:
        return len(await _rows(env, **where)) >= count

    await eventually(enough)
    return await _rows(env, **where)


async def test_an_event_delivered_twice_tells_each_guardian_once_per_channel_and_no_other_family(nenv: Env
                                                                                                 ) -> None:
    env = nenv
    branch = await make_branch(env)
    (fam, g), (other, other_g) = await _family(env, branch), await _family(env, branch)
    kid = fam["students"][0]["id"]
    lesson = _scheduled(str(uuid.uuid4()), branch, kid)
    await _publish(env, lesson, lesson)
    # A grade naming the other family in its payload still reaches only the student's own family.
    grade = _event("learning.grade.posted", lesson_id="l", student_id=kid, family_id=other["id"], grade="5",
                   scale="five_point")
    await _publish(env, grade, lesson)
    # A payment is emailed by default too (scheduled lessons and grades stay in the cabinet unless asked for).
    paid = _event("billing.payment.received", payment_id="p", family_id=fam["id"],
                  amount={"amount": "900.00", "currency": "RUB"}, method="cash")
    await _publish(env, paid, paid)
    got = await _wait_rows(env, 4, guardian_id=g.id)
    assert sorted((r.kind, r.channel) for r in got) == [
        ("grade_posted", "cabinet"), ("lesson_scheduled", "cabinet"), ("payment_received", "cabinet"),
        ("payment_received", "email")]
    assert {r.event_id for r in got} == {lesson.id, grade.id, paid.id}
    assert {r.address for r in got if r.channel == "email"} == {g.email}
    assert [r.status for r in got if r.channel == "cabinet"] == ["sent", "sent", "sent"]
    told = next(r for r in got if r.kind == "lesson_scheduled")
    assert "Kid0" in told.text and "20.12.2026 13:00" in told.text  # the branch's local time (Moscow)
    assert await _rows(env, guardian_id=other_g.id) == []
    assert await _rows(env, family_id=other["id"]) == []


async def test_the_unique_key_holds_even_past_the_inbox(nenv: Env) -> None:
    """Handled twice without the inbox's claim (as two consumers racing would): still one row per channel."""
    env = nenv
    branch = await make_branch(env)
    fam, g = await _family(env, branch)
    paid = _event("billing.payment.received", payment_id="p", family_id=fam["id"],
                  amount={"amount": "900.00", "currency": "RUB"}, method="cash")
    for _ in range(2):
        async with env.runtime.uow() as kit:
            await env.runtime.spec.consumer.handle(kit, [paid])
            await kit.commit()
    assert sorted(r.channel for r in await _rows(env, guardian_id=g.id)) == ["cabinet", "email"]


async def test_moved_and_cancelled_lessons_reach_the_families_of_their_students(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    (fam, g), (left, left_g) = await _family(env, branch, email=False), await _family(env, branch, email=False)
    kid, gone = fam["students"][0]["id"], left["students"][0]["id"]
    lesson_id = str(uuid.uuid4())
    await _publish(env, _scheduled(lesson_id, branch, kid, gone),
                   _event("scheduling.participant.removed", lesson_id=lesson_id, branch_id=branch, student_id=gone,
                          family_id=left["id"], reason="left"),
                   _event("scheduling.lesson.rescheduled", lesson_id=lesson_id, branch_id=branch,
                          starts_at="2026-12-21T15:00:00+00:00", ends_at="2026-12-21T16:00:00+00:00",
                          teacher_id="t-1", room_id=None),
                   _event("scheduling.lesson.cancelled", lesson_id=lesson_id, branch_id=branch, reason="ill"))
    got = await _wait_rows(env, 3, guardian_id=g.id)
    assert [(r.kind, r.channel) for r in got] == [("lesson_scheduled", "cabinet"), ("lesson_moved", "cabinet"),
                                                  ("lesson_cancelled", "cabinet")]
    assert "21.12.2026 18:00" in got[1].text and "21.12.2026 18:00" in got[2].text
    assert [r.kind for r in await _rows(env, guardian_id=left_g.id)] == ["lesson_scheduled"]


async def test_a_charge_below_the_threshold_tells_of_a_low_balance_once(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    fam, g = await _family(env, branch, email=False)
    kid = fam["students"][0]["id"]

    def charge(balance: str) -> Envelope:
        return _event("billing.lesson.charged", lesson_id=str(uuid.uuid4()), branch_id=branch, charges=[{
            "charge_id": "c", "family_id": fam["id"], "student_id": kid, "amount": {"amount": "300.00",
                                                                                    "currency": "RUB"},
            "subscription_id": None, "debt": False, "balance": {"amount": balance, "currency": "RUB"}}])

    await _publish(env, charge("700.00"), charge("400.00"), charge("100.00"))
    got = await _wait_rows(env, 4, guardian_id=g.id)
    assert [r.kind for r in got].count("lesson_charged") == 3
    low = [r for r in got if r.kind == "low_balance"]
    assert len(low) == 1 and "400.00 RUB" in low[0].text


async def test_preferences_choose_channels_and_language(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    fam, g = await _family(env, branch)
    defaults = (await env.ok(PREFS, who=_as(g)))["notificationPreferences"]
    assert defaults["sms"] == [] and defaults["language"] is None
    # By email by default: what changes plans or money at once, not every lesson's grade or a month's schedule.
    assert sorted(defaults["email"]) == ["LESSON_CANCELLED", "LESSON_MOVED", "LOW_BALANCE", "PAYMENT_RECEIVED",
                                         "SUBSCRIPTION_ENDED", "SUBSCRIPTION_ENDING"]
    got = await env.ok(SET_PREFS, {"i": {"language": "en", "cabinet": ["GRADE_POSTED"], "email": [],
                                         "sms": ["GRADE_POSTED"], "quietFrom": "22:00", "quietTo": "08:00"}}, _as(g))
    assert got["setNotificationPreferences"]["preferences"] == {
        "language": "en", "cabinet": ["GRADE_POSTED"], "email": [], "sms": ["GRADE_POSTED"],
        "quietFrom": "22:00", "quietTo": "08:00"}
    bad = await env.gql(SET_PREFS, {"i": {"language": "de", "cabinet": [], "email": [], "sms": []}}, _as(g))
    assert bad["data"]["setNotificationPreferences"]["errors"] == [{"field": "language", "code": "INVALID_INPUT"}]
    kid = fam["students"][0]["id"]
    await _publish(env, _event("learning.grade.posted", lesson_id="l", student_id=kid, family_id=fam["id"],
                               grade="4", scale="five_point"),
                   _event("learning.homework.assigned", lesson_id="l", group_id=None, text="Read page 5",
                          due_lesson_id=None, student_ids=[kid]))
    await _wait_rows(env, 2, guardian_id=g.id)
    got_rows = await _rows(env, guardian_id=g.id)
    assert sorted((r.kind, r.channel) for r in got_rows) == [("grade_posted", "cabinet"), ("grade_posted", "sms")]
    assert all(r.language == "en" and r.text == "Kid0: grade 4." for r in got_rows)
    # The sender is off unless enabled: nothing left identity.
    assert env.messages_to(g.phone) == 0 and all(r.status != "pending" or r.attempts == 0 for r in got_rows)


async def test_an_enabled_sender_delivers_on_its_own(tmp_path_factory: pytest.TempPathFactory) -> None:
    """IDENTITY_NOTIFY_SEND=true: the periodic job sends (here to the development mailbox, as `kabinet run`)."""
    settings = IdentitySettings(data_dir=tmp_path_factory.mktemp("notify-send"), argon2_time_cost=1,
                                argon2_memory_kib=1024, argon2_parallelism=1, dev_mailbox=True, notify_send=True,
                                notify_send_interval_s=0.05)
    runtime = build_runtime(settings, transport=InProcessTransport())
    async with running(runtime):
        env = Env(runtime)
        fam, g = await _family(env, await make_branch(env))
        await _publish(env, _event("billing.payment.received", payment_id="p", family_id=fam["id"],
                                   amount={"amount": "900.00", "currency": "RUB"}, method="cash"))

        async def emailed() -> bool:
            return env.messages_to(str(g.email)) == 1

        await eventually(emailed)
        assert "900.00 RUB" in env.last_message(str(g.email))
        await env.anon.aclose()


async def test_quiet_hours_hold_email_until_they_end(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)  # Europe/Moscow, UTC+3
    fam, g = await _family(env, branch)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": ["PAYMENT_RECEIVED"], "sms": [], "quietFrom": "22:00",
                                   "quietTo": "08:00"}}, _as(g))
    original = env.deps.clock
    night = datetime(2030, 1, 10, 20, 30, tzinfo=UTC)  # 23:30 in Moscow
    env.deps.clock = lambda: night
    try:
        await _publish(env, _event("billing.payment.received", payment_id="p", family_id=fam["id"],
                                   amount={"amount": "1500.00", "currency": "RUB"}, method="cash"))
        await _wait_rows(env, 1, guardian_id=g.id)
        await send_due(env.runtime.unit_of_work, env.deps)
        assert env.messages_to(str(g.email)) == 0
        [held] = await _rows(env, guardian_id=g.id)
        assert held.status == "pending" and held.next_attempt_at == datetime(2030, 1, 11, 5, 0, tzinfo=UTC)
        env.deps.clock = lambda: datetime(2030, 1, 11, 4, 59, tzinfo=UTC)
        await send_due(env.runtime.unit_of_work, env.deps)
        assert env.messages_to(str(g.email)) == 0
        env.deps.clock = lambda: datetime(2030, 1, 11, 5, 1, tzinfo=UTC)
        await send_due(env.runtime.unit_of_work, env.deps)
        assert env.messages_to(str(g.email)) == 1 and "1500.00 RUB" in env.last_message(str(g.email))
        [sent] = await _rows(env, guardian_id=g.id)
        assert sent.status == "sent"
    finally:
        env.deps.clock = original


async def _drain(env: Env) -> None:
    """Send what earlier tests left due, so a test's sender counts only its own."""
    while await send_due(env.runtime.unit_of_work, env.deps):
        pass


async def _sms_sent_today(env: Env) -> int:
    async with env.runtime.unit_of_work() as uow:
        return await uow.codes.sent_on(env.deps.now().date(), ALL_SMS)


async def test_sms_notifications_respect_the_school_cap_and_say_why_not(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)
    fam, g = await _family(env, branch, email=False)
    before = env.messages_to(g.phone)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": ["GRADE_POSTED"]}}, _as(g))
    kid = fam["students"][0]["id"]
    await _publish(env, *[_event("learning.grade.posted", lesson_id=f"l{i}", student_id=kid, family_id=fam["id"],
                                 grade=str(i), scale="five_point") for i in (3, 4)])
    await _wait_rows(env, 2, guardian_id=g.id)
    original = env.deps.limits
    env.deps.limits = dataclasses.replace(original, global_daily=await _sms_sent_today(env) + 1)
    try:
        await _drain(env)
    finally:
        env.deps.limits = original
    rows = await _rows(env, guardian_id=g.id)
    assert sorted((r.status, r.reason) for r in rows) == [("not_sent", "sms_cap_reached"), ("sent", None)]
    assert env.messages_to(g.phone) == before + 1


async def test_sms_notifications_respect_the_branch_cost_cap(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)  # a new branch: nothing spent today
    fam, g = await _family(env, branch, email=False)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": ["HOMEWORK_ASSIGNED"]}}, _as(g))
    kid = fam["students"][0]["id"]
    await _publish(env, *[_event("learning.homework.assigned", lesson_id=f"l{i}", group_id=None, text=f"Task {i}",
                                 due_lesson_id=None, student_ids=[kid]) for i in range(3)])
    await _wait_rows(env, 3, guardian_id=g.id)
    original = env.deps.limits
    env.deps.limits = dataclasses.replace(original, branch_daily_cost_cap="9.00")  # two SMS at 4.50
    try:
        await _drain(env)
    finally:
        env.deps.limits = original
    rows = await _rows(env, guardian_id=g.id)
    assert sorted(r.status for r in rows) == ["not_sent", "sent", "sent"]
    assert [r.reason for r in rows if r.status == "not_sent"] == ["sms_cap_reached"]


class FlakyEmail:
    """Fails the first ``failures`` sends to ``address``, then keeps what it sent there."""

    def __init__(self, address: str, failures: int) -> None:
        self.address, self.failures = address, failures
        self.sent: list[tuple[str, str]] = []

    async def send_email(self, to: str, subject: str, text: str) -> None:
        if to != self.address:
            return
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("provider down")
        self.sent.append((to, text))


async def test_the_sender_waits_out_a_provider_failure_and_never_sends_twice(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)
    fam, g = await _family(env, branch)
    flaky = FlakyEmail(str(g.email), failures=2)
    original_email, original_clock = env.deps.email, env.deps.clock
    start = datetime.now(UTC)
    env.deps.email, env.deps.clock = flaky, (lambda: start)
    try:
        await _publish(env, _event("billing.subscription.expired", subscription_id="s", family_id=fam["id"],
                                   student_id=fam["students"][0]["id"], lessons_burned=0))
        await _wait_rows(env, 2, guardian_id=g.id)
        for minutes in (0, 0, 1, 1, 2, 2, 3, 60):  # the first two tries fail; the waits double from 30 s
            env.deps.clock = lambda m=minutes: start + timedelta(minutes=m)  # type: ignore[misc]
            await send_due(env.runtime.unit_of_work, env.deps)
        assert flaky.sent == [(g.email, next(r.text for r in await _rows(env, guardian_id=g.id)
                                             if r.channel == "email"))]
        [email] = [r for r in await _rows(env, guardian_id=g.id) if r.channel == "email"]
        assert email.status == "sent" and email.attempts == 3
    finally:
        env.deps.email, env.deps.clock = original_email, original_clock


async def test_senders_side_by_side_send_each_message_once(nenv: Env) -> None:
    env = nenv
    await _drain(env)
    branch = await make_branch(env)
    families = [await _family(env, branch) for _ in range(6)]
    await _publish(env, *[_event("billing.payment.received", payment_id=f"p{i}", family_id=fam["id"],
                                 amount={"amount": "100.00", "currency": "RUB"}, method="cash")
                          for i, (fam, _) in enumerate(families)])
    for _, g in families:
        await _wait_rows(env, 2, guardian_id=g.id)
    original = env.deps.email

    class SlowEmail:  # a provider that takes its time: the other senders take rows meanwhile
        async def send_email(self, to: str, subject: str, text: str) -> None:
            await asyncio.sleep(0.05)
            await original.send_email(to, subject, text)

    async def sender() -> None:
        while await send_due(env.runtime.unit_of_work, env.deps, limit=1):
            pass

    env.deps.email = SlowEmail()
    try:
        await asyncio.gather(*[sender() for _ in range(4)])
    finally:
        env.deps.email = original
    assert [env.messages_to(str(g.email)) for _, g in families] == [1] * 6


async def test_the_cabinet_shows_a_guardian_only_their_own_notifications(nenv: Env) -> None:
    env = nenv
    branch = await make_branch(env)
    (fam, g), (_, other_g) = await _family(env, branch), await _family(env, branch)
    kid = fam["students"][0]["id"]
    await _publish(env, *[_event("learning.grade.posted", lesson_id=f"l{i}", student_id=kid, family_id=fam["id"],
                                 grade=str(i), scale="five_point") for i in range(3)])
    await _wait_rows(env, 3, guardian_id=g.id, channel="cabinet")
    first = (await env.ok(MY, {"first": 2}, _as(g)))["myNotifications"]
    assert first["unreadCount"] == 3 and len(first["items"]) == 2 and first["nextCursor"]
    rest = (await env.ok(MY, {"first": 2, "after": first["nextCursor"]}, _as(g)))["myNotifications"]
    assert len(rest["items"]) == 1 and rest["nextCursor"] is None
    ids = [n["id"] for n in first["items"] + rest["items"]]
    assert len(set(ids)) == 3
    # Another guardian sees none of them and cannot mark them read.
    assert (await env.ok(MY, None, _as(other_g)))["myNotifications"] == {"items": [], "unreadCount": 0,
                                                                        "nextCursor": None}
    assert (await env.ok(MARK, {"ids": ids}, _as(other_g)))["markNotificationsRead"]["unreadCount"] == 0
    assert (await env.ok(MY, None, _as(g)))["myNotifications"]["unreadCount"] == 3
    assert (await env.ok(MARK, {"ids": ids[:1]}, _as(g)))["markNotificationsRead"]["unreadCount"] == 2
    # Staff read only their own (test_staff_notifications): the branch's admin sees and marks none of these.
    assert (await env.ok(MY, None, admin_of(branch)))["myNotifications"]["items"] == []
    assert (await env.ok(MARK, {"ids": ids}, admin_of(branch)))["markNotificationsRead"]["unreadCount"] == 0
    assert (await env.ok(MY, None, _as(g)))["myNotifications"]["unreadCount"] == 2
    # Students and anonymous callers have no notifications here: typed errors, nothing else.
    student = Principal(user_id=kid, role=Role.STUDENT, family_id=fam["id"], student_ids=frozenset({kid}))
    for who, code in ((student, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        denied = await env.gql(MY, None, who)
        assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == code
        assert "Traceback" not in str(denied)
    refused = await env.gql(MARK, {"ids": ids}, student)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await env.ok(MY, None, _as(g)))["myNotifications"]["unreadCount"] == 2
    bad = await env.gql(MY, {"first": 2, "after": "not-a-cursor"}, _as(g))
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def _statements_for_payments(env: Env, families: list[str]) -> list[str]:
    """The statements identity's payment route sends for one run of payments, one a family."""
    run = [Delivered(PaymentReceivedV1.model_validate({"payment_id": str(uuid.uuid4()), "family_id": f,
                                                       "amount": {"amount": "100.00", "currency": "RUB"}}),
                     EventContext(causation_id=str(uuid.uuid4())), datetime.now(UTC)) for f in families]
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        sent.append(sql)

    async with env.runtime.unit_of_work() as uow:
        # On the route's own connection: the relay polls the outbox on others meanwhile.
        conn = (await uow.kit.session.connection()).sync_connection
        sa_event.listen(conn, "before_cursor_execute", record)
        try:
            await on_payments_received(run, uow, None)
        finally:
            sa_event.remove(conn, "before_cursor_execute", record)
        await uow.commit()
    return sent


async def test_a_run_of_payments_is_recorded_in_as_many_statements_as_one_payment(env: Env) -> None:
    """The payment route reads the families set-wise like the other batch routes: the statements for a run of
    payments do not grow with the run (it read each family once per payment)."""
    branch = await make_branch(env)
    families = [(await _family(env, branch))[0]["id"] for _ in range(7)]
    one = await _statements_for_payments(env, families[:1])
    seven = await _statements_for_payments(env, [*families[1:], str(uuid.uuid4())])  # + one identity does not know
    assert len(seven) == len(one), (one, seven)
    told = {r.family_id for r in await _rows(env, kind="payment_received")}
    assert set(families) <= told


async def test_a_run_of_events_is_listed_in_the_order_the_events_came(nenv: Env) -> None:
    """Identity records a run of events in one transaction (its consumer lingers for them): the cabinet still lists
    their notices newest first in the events' order, not in the random order of their ids."""
    env = nenv
    fam, g = await _family(env, await make_branch(env), email=False)
    amounts = [f"{100 + n}.00" for n in range(8)]
    await _publish(env, *(_event("billing.payment.received", payment_id=str(uuid.uuid4()), family_id=fam["id"],
                                 amount={"amount": a, "currency": "RUB"}) for a in amounts))
    await _wait_rows(env, len(amounts), guardian_id=g.id, channel="cabinet")
    items = (await env.ok("{ myNotifications { items { text } } }", None, _as(g)))["myNotifications"]["items"]
    shown = [next(a for a in amounts if a in i["text"]) for i in items]
    assert shown == amounts[::-1]


SUBJECT = """{ myNotifications { items { kind studentIds lessonId leadId questionId } } }"""


async def test_a_notice_names_its_subject_by_id_and_only_the_familys_own_students(nenv: Env) -> None:
    """A lesson notice carries its lesson and the family's own students in it (never the other family's); a
    grade its student and lesson; a payment no student (it is the family's); none names a lead or a question."""
    env = nenv
    branch = await make_branch(env)
    (fam, g), (other, _) = await _family(env, branch, email=False), await _family(env, branch, email=False)
    kid, theirs = fam["students"][0]["id"], other["students"][0]["id"]
    lesson_id, graded = str(uuid.uuid4()), str(uuid.uuid4())
    await _publish(env, _scheduled(lesson_id, branch, kid, theirs),
                   _event("learning.grade.posted", lesson_id=graded, student_id=kid, grade="5", scale="five_point"),
                   _event("billing.payment.received", payment_id="p", family_id=fam["id"],
                          amount={"amount": "900.00", "currency": "RUB"}, method="cash"))
    await _wait_rows(env, 3, guardian_id=g.id, channel="cabinet")
    items = {n["kind"]: n for n in (await env.ok(SUBJECT, None, _as(g)))["myNotifications"]["items"]}
    none = {"leadId": None, "questionId": None}
    assert items["LESSON_SCHEDULED"] == {"kind": "LESSON_SCHEDULED", "studentIds": [kid], "lessonId": lesson_id,
                                         **none}
    assert items["GRADE_POSTED"] == {"kind": "GRADE_POSTED", "studentIds": [kid], "lessonId": graded, **none}
    assert items["PAYMENT_RECEIVED"] == {"kind": "PAYMENT_RECEIVED", "studentIds": [], "lessonId": None, **none}
