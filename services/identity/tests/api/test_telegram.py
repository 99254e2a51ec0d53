"""Telegram notifications (R-NTF-1 "a messenger"; docs/notifications.md): a person links their chat with a one-time
code that Telegram's webhook brings back (its secret header checked), and the sender delivers to the chat through
the Bot API - quiet hours, retries, once per message. Identity runs on PostgreSQL + RabbitMQ; the Bot API is a local
stand-in on a real socket (uvicorn), which records every call, as the SMS provider's tests do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from identity_testkit import (
    Env,
    admin_of,
    drain_sender,
    guardian_of,
    make_branch,
    make_branch_admin,
    make_family,
    notification_rows,
    payment_received,
    wait_notification_rows,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.testing.servers import serve_apps_in_loop
from identity.adapters.telegram import TelegramBot
from identity.bootstrap import build_runtime
from identity.domain.model import Guardian
from identity.service.notify_sender import send_due
from identity.service.ports import DeliveryFailed
from identity.settings import IdentitySettings
from kabinet.auth import Principal
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import running

TOKEN = "123456:TEST-token"
SECRET = "webhook-secret-of-the-test"
LINK = "mutation { linkMessenger { link { code link expiresAt } errors { code } } }"
UNLINK = "mutation { unlinkMessenger { linked errors { code } } }"
PREFS = "{ notificationPreferences { telegram telegramLinked telegramAvailable } }"
SET_PREFS = """mutation($i: NotificationPreferencesInput!) { setNotificationPreferences(input: $i) {
  preferences { telegram } errors { field code } } }"""


class FakeTelegram:
    """The Bot API's sendMessage, recording each call; ``failures`` calls are answered 502 first."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failures = 0
        self.blocked: set[str] = set()  # chats whose person blocked the bot: 403, as Telegram answers
        self.refused = 0  # messages answered so
        self.app = Starlette(routes=[Route("/bot{token}/sendMessage", self.send, methods=["POST"])])

    async def send(self, request: Request) -> JSONResponse:
        if self.failures:
            self.failures -= 1
            return JSONResponse({"ok": False, "description": "Bad Gateway"}, status_code=502)
        if request.path_params["token"] != TOKEN:
            return JSONResponse({"ok": False, "description": "Unauthorized"}, status_code=401)
        body = await request.json()
        if str(body["chat_id"]) in self.blocked:
            self.refused += 1
            return JSONResponse({"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"}, status_code=403)
        self.calls.append(body)
        return JSONResponse({"ok": True, "result": {"message_id": len(self.calls), "chat": {"id": body["chat_id"]}}})

    def to(self, chat_id: str) -> list[str]:
        return [c["text"] for c in self.calls if str(c["chat_id"]) == chat_id]


@pytest.fixture(scope="module")
async def telegram() -> AsyncIterator[tuple[FakeTelegram, str]]:
    fake = FakeTelegram()
    async with serve_apps_in_loop({"telegram": fake.app}, path="") as urls:
        yield fake, urls["telegram"]


@pytest.fixture(scope="module")
async def tenv(database_factory: Any, module_messaging: MessagingSettings, tmp_path_factory: Any,
               telegram: tuple[FakeTelegram, str]) -> AsyncIterator[Env]:
    settings = IdentitySettings(
        database_url=await database_factory("identity"), messaging=module_messaging,
        data_dir=tmp_path_factory.mktemp("identity-telegram"), outbox_poll_interval_s=0.05,
        argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1, dev_mailbox=True,
        telegram_bot_token=TOKEN, telegram_webhook_secret=SECRET, telegram_bot_username="kabinet_test_bot",
        telegram_api_url=telegram[1])
    runtime = build_runtime(settings)
    async with running(runtime):
        env = Env(runtime)
        yield env
        await env.anon.aclose()


def _update(text: str, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
    return {"update_id": chat_id, "message": {"message_id": 1, "date": 0, "text": text,
                                              "chat": {"id": chat_id, "type": chat_type}}}


async def _webhook(env: Env, body: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=env.app), base_url="http://test") as client:
        return await client.post("/telegram/webhook", json=body, headers=headers)


async def _guardian(env: Env) -> tuple[dict[str, Any], Guardian, Principal]:
    fam = await make_family(env, await make_branch(env), kids=1)
    async with env.runtime.unit_of_work() as uow:
        g = (await uow.guardians.of_families([fam["id"]]))[fam["id"]][0]
    return fam, g, guardian_of(fam["id"], user_id=g.id)


async def _link(env: Env, who: Principal, chat_id: int) -> None:
    code = (await env.ok(LINK, None, who))["linkMessenger"]["link"]["code"]
    assert (await _webhook(env, _update(f"/start {code}", chat_id))).status_code == 200


_rows, _wait, _drain, _paid = notification_rows, wait_notification_rows, drain_sender, payment_received


async def test_a_chat_is_linked_only_by_a_fresh_code_through_the_verified_webhook(
        tenv: Env, telegram: tuple[FakeTelegram, str]) -> None:
    env, (fake, _) = tenv, telegram
    _, g, me = await _guardian(env)
    link = (await env.ok(LINK, None, me))["linkMessenger"]["link"]
    code = link["code"]
    assert link["link"] == f"https://t.me/kabinet_test_bot?start={code}" and len(code) >= 20
    # Without Telegram's secret header (or with a wrong one) the webhook refuses and binds nothing.
    for secret in (None, "guess", SECRET + "x"):
        assert (await _webhook(env, _update(f"/start {code}", 501), secret)).status_code == 403
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["telegramLinked"] is False
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["telegramAvailable"] is True
    # Not a /start, a group chat, rubbish: answered 200 (Telegram would retry otherwise), nothing bound.
    for body in (_update("hello", 502), _update(f"/start {code}", -503, "group"), {"update_id": 1}, [1, 2]):
        assert (await _webhook(env, body)).status_code == 200
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["telegramLinked"] is False
    assert (await _webhook(env, _update(f"/start {code}", 504))).status_code == 200
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["telegramLinked"] is True
    assert len(fake.to("504")) == 1  # the bot says so in the chat
    # The code works once: another chat sending it links nothing and is told the code is not valid.
    assert (await _webhook(env, _update(f"/start {code}", 505))).status_code == 200
    async with env.runtime.unit_of_work() as uow:
        assert await uow.messengers.chats("telegram", [g.id]) == {g.id: "504"}
    assert "not valid" in fake.to("505")[0]
    # A code past its time links nothing; a newer code replaces an older one.
    old = (await env.ok(LINK, None, me))["linkMessenger"]["link"]["code"]
    new = (await env.ok(LINK, None, me))["linkMessenger"]["link"]["code"]
    await _webhook(env, _update(f"/start {old}", 506))
    original = env.deps.clock
    env.deps.clock = lambda: original() + timedelta(seconds=env.deps.settings.telegram_link_ttl_s + 1)
    try:
        await _webhook(env, _update(f"/start {new}", 507))
    finally:
        env.deps.clock = original
    async with env.runtime.unit_of_work() as uow:
        assert await uow.messengers.chats("telegram", [g.id]) == {g.id: "504"}
    # Unlinked: nothing new is recorded for Telegram.
    assert (await env.ok(UNLINK, None, me))["unlinkMessenger"] == {"linked": False, "errors": []}
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["telegramLinked"] is False


async def test_the_sender_delivers_to_the_linked_chat_once_after_quiet_hours_and_a_failure(
        tenv: Env, telegram: tuple[FakeTelegram, str]) -> None:
    env, (fake, _) = tenv, telegram
    await _drain(env)
    fam, g, me = await _guardian(env)
    await _link(env, me, 601)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": [], "telegram": ["PAYMENT_RECEIVED"],
                                   "quietFrom": "22:00", "quietTo": "08:00"}}, me)
    paid = _paid(fam["id"], "1500.00")
    await env.runtime.transport.publish(paid)
    await env.runtime.transport.publish(paid)
    [row] = await _wait(env, g.id, 1)
    assert (row.channel, row.address, row.status) == ("telegram", "601", "pending")
    original = env.deps.clock
    night = datetime(2030, 1, 10, 20, 30, tzinfo=UTC)  # 23:30 in Moscow: held until 08:00
    try:
        env.deps.clock = lambda: night
        await send_due(env.runtime.unit_of_work, env.deps)
        [held] = await _rows(env, g.id)
        assert held.status == "pending" and held.next_attempt_at == datetime(2030, 1, 11, 5, 0, tzinfo=UTC)
        assert len(fake.to("601")) == 1  # only the bot's "linked" reply so far
        fake.failures = 1  # Telegram is down at 08:01: the row waits and is tried again
        env.deps.clock = lambda: datetime(2030, 1, 11, 5, 1, tzinfo=UTC)
        await send_due(env.runtime.unit_of_work, env.deps)
        [failed] = await _rows(env, g.id)
        assert failed.status == "pending" and "502" in failed.reason and TOKEN not in failed.reason
        for minutes in (2, 3, 10, 59):
            env.deps.clock = lambda m=minutes: datetime(2030, 1, 11, 5, m, tzinfo=UTC)  # type: ignore[misc]
            await send_due(env.runtime.unit_of_work, env.deps)
    finally:
        env.deps.clock = original
    [sent] = await _rows(env, g.id)
    assert sent.status == "sent" and sent.attempts == 3
    payments = [t for t in fake.to("601") if "1500.00 RUB" in t]
    assert len(payments) == 1 and payments[0].startswith("Оплата получена\n")


async def test_staff_are_told_of_leads_in_their_linked_chat(tenv: Env, telegram: tuple[FakeTelegram, str]
                                                           ) -> None:
    env, (fake, _) = tenv, telegram
    await _drain(env)
    branch = await make_branch(env)
    admin = await make_branch_admin(env, branch)
    await _link(env, admin, 701)
    lead = """mutation($b: ID!) { createLead(branchId: $b, input: {contactFirstName: "C", phone: "+79161234568",
      childFirstName: "Vera", childAge: 9, interest: "Chess", source: SITE}) { lead { id } errors { code } } }"""
    await env.ok(lead, {"b": branch}, admin_of(branch, "someone-else"))
    rows = await _wait(env, admin.user_id, 2)
    assert sorted((r.channel, r.address) for r in rows) == [("cabinet", ""), ("telegram", "701")]
    await _drain(env)
    told = [t for t in fake.to("701") if "Vera" in t]
    assert len(told) == 1 and "Chess" in told[0]


async def test_a_chat_that_blocked_the_bot_is_not_tried_again_and_is_unlinked(
        tenv: Env, telegram: tuple[FakeTelegram, str]) -> None:
    env, (fake, _) = tenv, telegram
    await _drain(env)
    fam, g, me = await _guardian(env)
    await _link(env, me, 702)
    await env.ok(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": [], "telegram": ["PAYMENT_RECEIVED"]}}, me)
    fake.blocked.add("702")
    fake.refused = 0
    await env.runtime.transport.publish(_paid(fam["id"]))
    [row] = await _wait(env, g.id, 1)
    assert (row.channel, row.status) == ("telegram", "pending")
    await send_due(env.runtime.unit_of_work, env.deps)
    [refused] = await _rows(env, g.id)
    assert refused.status == "not_sent" and "403" in refused.reason and refused.next_attempt_at is None
    async with env.runtime.unit_of_work() as uow:
        assert await uow.messengers.chats("telegram", [g.id]) == {}  # unlinked: nothing more recorded for it
    await send_due(env.runtime.unit_of_work, env.deps)  # never tried again
    assert fake.refused == 1
    await env.runtime.transport.publish(_paid(fam["id"]))
    await _drain(env)
    assert [r.status for r in await _rows(env, g.id)] == ["not_sent"]


async def test_the_bot_adapter_reports_a_refusal_without_its_token(telegram: tuple[FakeTelegram, str]) -> None:
    fake, url = telegram
    wrong = TelegramBot(url, "999:wrong-token")
    with pytest.raises(DeliveryFailed) as refused:
        await wrong.send_message("1", "hi")
    assert "401" in str(refused.value) and "wrong-token" not in str(refused.value)
    await wrong.aclose()
    right = TelegramBot(url, TOKEN)
    await right.send_message("42", "hello")
    await right.aclose()
    assert fake.to("42") == ["hello"]
