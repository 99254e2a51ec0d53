"""Web push (R-NTF-1 "web push"; docs/notifications.md): a person subscribes a browser, and the sender encrypts each
web-push notice to every browser they subscribed (RFC 8291) and signs for the push service with the school's VAPID
key (RFC 8292) - quiet hours, retries, once per message; a subscription the push service calls gone is deleted.
Identity runs on PostgreSQL + RabbitMQ; the push service is a local stand-in on a real socket (uvicorn) that
records each request, and the test decrypts it as the browser would, with the browser's own keys."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
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
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.testing.servers import serve_apps_in_loop
from identity.adapters.web_push import WebPushSender
from identity.bootstrap import build_runtime
from identity.domain.errors import InvalidPushSubscription
from identity.domain.model import Guardian
from identity.domain.web_push import PushSubscription
from identity.service.notify_sender import send_due
from identity.settings import IdentitySettings
from kabinet.auth import Principal
from kabinet.auth.principal import Role
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import running

SUBJECT = "mailto:ops@school.test"
REGISTER = """mutation($e: String!, $p: String!, $a: String!) { registerWebPush(endpoint: $e, p256dh: $p, auth: $a) {
  subscriptions errors { field code } } }"""
UNREGISTER = "mutation($e: String!) { unregisterWebPush(endpoint: $e) { subscriptions errors { code } } }"
PREFS = "{ notificationPreferences { webPush webPushAvailable webPushPublicKey webPushSubscriptions } }"
SET_PREFS = """mutation($i: NotificationPreferencesInput!) { setNotificationPreferences(input: $i) {
  preferences { webPush } errors { field code } } }"""


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


VAPID_KEY = ec.generate_private_key(ec.SECP256R1())
VAPID_PEM = VAPID_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
VAPID_PUBLIC = b64(point(VAPID_KEY.public_key()))


@dataclass
class Browser:
    """What a browser's PushManager holds: its own P-256 key pair and auth secret, and the endpoint it was given."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def new(cls, base: str) -> Browser:
        return cls(f"{base}/push/{uuid.uuid4().hex}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def keys(self) -> dict[str, str]:
        return {"e": self.endpoint, "p": b64(point(self.key.public_key())), "a": b64(self.auth)}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return dict(json.loads(plain))


class FakePushService:
    """A push service: records each request; ``answer[id]`` is the status for that subscription (201 otherwise)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.answer: dict[str, list[int]] = {}
        self.app = Starlette(routes=[Route("/push/{sub}", self.push, methods=["POST"])])

    async def push(self, request: Request) -> Response:
        sub = request.path_params["sub"]
        planned = self.answer.get(sub)
        status = planned.pop(0) if planned else 201
        self.calls.append((sub, dict(request.headers), await request.body()))
        return Response(status_code=status)

    def to(self, browser: Browser) -> list[tuple[dict[str, str], bytes]]:
        sub = browser.endpoint.rsplit("/", 1)[1]
        return [(h, b) for s, h, b in self.calls if s == sub]


def verify_vapid(header: str, audience: str) -> dict[str, Any]:
    """RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; the JWT verifies with k, which is the school's key."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "vapid"
    params = dict(part.strip().split("=", 1) for part in rest.split(","))
    assert params["k"] == VAPID_PUBLIC
    head, claims, sig = params["t"].split(".")
    raw = unb64(sig)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(params["k"]))
    key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
               f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64(head))["alg"] == "ES256"
    got = dict(json.loads(unb64(claims)))
    assert got["aud"] == audience and got["sub"] == SUBJECT and time.time() < got["exp"] <= time.time() + 86400
    return got


@pytest.fixture(scope="module")
async def push() -> AsyncIterator[tuple[FakePushService, str]]:
    fake = FakePushService()
    async with serve_apps_in_loop({"push": fake.app}, path="") as urls:
        yield fake, urls["push"].rstrip("/")


def _settings(url: str, messaging: MessagingSettings, data_dir: Any, **extra: Any) -> IdentitySettings:
    return IdentitySettings(database_url=url, messaging=messaging, data_dir=data_dir, outbox_poll_interval_s=0.05,
                            argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1, dev_mailbox=True,
                            **extra)


@pytest.fixture(scope="module")
async def wenv(database_factory: Any, module_messaging: MessagingSettings, tmp_path_factory: Any) -> AsyncIterator[Env]:
    settings = _settings(await database_factory("identity"), module_messaging,
                         tmp_path_factory.mktemp("identity-webpush"), webpush_vapid_private_key=VAPID_PEM,
                         webpush_vapid_subject=SUBJECT, webpush_allow_http=True, webpush_max_subscriptions=3)
    runtime = build_runtime(settings)
    async with running(runtime):
        env = Env(runtime)
        yield env
        await env.anon.aclose()


async def _guardian(env: Env) -> tuple[dict[str, Any], Guardian, Principal]:
    fam = await make_family(env, await make_branch(env), kids=1)
    async with env.runtime.unit_of_work() as uow:
        g = (await uow.guardians.of_families([fam["id"]]))[fam["id"]][0]
    return fam, g, guardian_of(fam["id"], user_id=g.id)


_rows, _wait, _drain, _paid = notification_rows, wait_notification_rows, drain_sender, payment_received


ONLY_WEB_PUSH = {"cabinet": [], "email": [], "sms": [], "webPush": ["PAYMENT_RECEIVED"]}


async def test_a_notice_is_encrypted_to_the_browser_and_signed_with_the_schools_vapid_key(
        wenv: Env, push: tuple[FakePushService, str]) -> None:
    env, (fake, base) = wenv, push
    await _drain(env)
    fam, g, me = await _guardian(env)
    prefs = (await env.ok(PREFS, None, me))["notificationPreferences"]
    assert prefs["webPushAvailable"] and prefs["webPushPublicKey"] == VAPID_PUBLIC
    assert prefs["webPushSubscriptions"] == 0 and "PAYMENT_RECEIVED" in prefs["webPush"]
    browser = Browser.new(base)
    assert (await env.ok(REGISTER, browser.keys, me))["registerWebPush"]["subscriptions"] == 1
    assert (await env.ok(REGISTER, browser.keys, me))["registerWebPush"]["subscriptions"] == 1  # the same browser
    await env.ok(SET_PREFS, {"i": ONLY_WEB_PUSH}, me)
    paid = _paid(fam["id"], "1500.00")
    await env.runtime.transport.publish(paid)
    await env.runtime.transport.publish(paid)  # delivered twice: recorded once
    [row] = await _wait(env, g.id, 1)
    assert (row.channel, row.status) == ("web_push", "pending")
    await _drain(env)
    await _drain(env)
    [(headers, body)] = fake.to(browser)
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
    assert b"1500.00" not in body  # encrypted end to end: the push service sees no words
    shown = browser.decrypt(body)
    assert shown["title"] == "Оплата получена" and "1500.00 RUB" in shown["body"]
    assert shown["path"] == "/notifications" and shown["id"] == row.id and shown["kind"] == "payment_received"
    verify_vapid(headers["authorization"], base)
    other = Browser.new(base)  # another browser cannot read it: the payload is encrypted to this one only
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises its own or cryptography's error
        other.decrypt(body)
    [sent] = await _rows(env, g.id)
    assert sent.status == "sent" and sent.attempts == 1


async def test_a_failure_is_retried_once_per_message_and_a_gone_browser_is_deleted(
        wenv: Env, push: tuple[FakePushService, str]) -> None:
    env, (fake, base) = wenv, push
    await _drain(env)
    fam, g, me = await _guardian(env)
    phone, laptop = Browser.new(base), Browser.new(base)
    for b in (phone, laptop):
        await env.ok(REGISTER, b.keys, me)
    await env.ok(SET_PREFS, {"i": ONLY_WEB_PUSH}, me)
    fake.answer[phone.endpoint.rsplit("/", 1)[1]] = [503, 429]
    fake.answer[laptop.endpoint.rsplit("/", 1)[1]] = [502, 410]
    await env.runtime.transport.publish(_paid(fam["id"]))
    await _wait(env, g.id, 1)
    original, start = env.deps.clock, datetime(2030, 1, 11, 12, 0, tzinfo=UTC)
    try:
        for minutes in (0, 2, 10, 30):  # past each backoff wait (30 s, 60 s, ...)
            env.deps.clock = lambda m=minutes: start + timedelta(minutes=m)  # type: ignore[misc]
            await send_due(env.runtime.unit_of_work, env.deps)
    finally:
        env.deps.clock = original
    [sent] = await _rows(env, g.id)
    assert sent.status == "sent" and sent.attempts == 3  # 503+502, then 429+410, then the phone took it
    assert len(fake.to(phone)) == 3 and len(fake.to(laptop)) == 2  # gone: never tried again
    assert phone.decrypt(fake.to(phone)[-1][1])["title"] == "Оплата получена"
    async with env.runtime.unit_of_work() as uow:
        assert [s.endpoint for s in await uow.web_push.of_person(g.id)] == [phone.endpoint]
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["webPushSubscriptions"] == 1


async def test_when_every_browser_is_gone_the_notice_is_not_sent_and_nothing_more_is_recorded(
        wenv: Env, push: tuple[FakePushService, str]) -> None:
    env, (fake, base) = wenv, push
    await _drain(env)
    fam, g, me = await _guardian(env)
    browser = Browser.new(base)
    await env.ok(REGISTER, browser.keys, me)
    await env.ok(SET_PREFS, {"i": ONLY_WEB_PUSH}, me)
    fake.answer[browser.endpoint.rsplit("/", 1)[1]] = [404]
    await env.runtime.transport.publish(_paid(fam["id"]))
    await _wait(env, g.id, 1)
    await _drain(env)
    [refused] = await _rows(env, g.id)
    assert refused.status == "not_sent" and refused.next_attempt_at is None and "undeliverable" in refused.reason
    assert browser.endpoint not in refused.reason  # the endpoint is a capability URL: never kept in a reason
    await _drain(env)
    assert len(fake.to(browser)) == 1
    await env.runtime.transport.publish(_paid(fam["id"]))
    await _drain(env)
    assert [r.status for r in await _rows(env, g.id)] == ["not_sent"]  # no browser: no web-push row


async def test_a_person_registers_and_unregisters_only_their_own_browsers_and_bad_input_changes_nothing(
        wenv: Env, push: tuple[FakePushService, str]) -> None:
    env, (_, base) = wenv, push
    fam, _, me = await _guardian(env)
    _, _, other = await _guardian(env)
    mine = Browser.new(base)
    await env.ok(REGISTER, mine.keys, me)
    # Another guardian's unregister of my endpoint changes nothing of mine.
    assert (await env.ok(UNREGISTER, {"e": mine.endpoint}, other))["unregisterWebPush"]["subscriptions"] == 0
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["webPushSubscriptions"] == 1
    bad = [({**mine.keys, "p": b64(os.urandom(65))}, "p256dh"), ({**mine.keys, "a": b64(os.urandom(8))}, "auth"),
           ({**mine.keys, "e": "ftp://push.test/x"}, "endpoint")]
    for keys, field in bad:
        got = (await env.gql(REGISTER, keys, me))["data"]["registerWebPush"]
        assert got == {"subscriptions": None, "errors": [{"field": field, "code": "INVALID_PUSH_SUBSCRIPTION"}]}
    too_long = await env.gql(REGISTER, {**mine.keys, "e": base + "/push/" + "x" * 1100}, me)  # the API's own cap
    assert too_long["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "endpoint"}
    for _ in range(2):
        await env.ok(REGISTER, Browser.new(base).keys, me)
    full = (await env.gql(REGISTER, Browser.new(base).keys, me))["data"]["registerWebPush"]
    assert full["errors"] == [{"field": "endpoint", "code": "TOO_MANY_PUSH_SUBSCRIPTIONS"}]
    assert (await env.ok(PREFS, None, me))["notificationPreferences"]["webPushSubscriptions"] == 3
    assert (await env.ok(UNREGISTER, {"e": mine.endpoint}, me))["unregisterWebPush"]["subscriptions"] == 2
    # Students and anonymous callers subscribe nothing: typed errors, no trace.
    student = Principal(user_id="kid-1", role=Role.STUDENT, family_id=fam["id"], student_ids=frozenset({"kid-1"}))
    for who, code in ((student, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        denied = await env.gql(REGISTER, Browser.new(base).keys, who)
        assert denied["errors"][0]["extensions"]["code"] == code and "Traceback" not in str(denied)


async def test_staff_subscribe_their_browser_and_are_told_of_leads_there(
        wenv: Env, push: tuple[FakePushService, str]) -> None:
    env, (fake, base) = wenv, push
    await _drain(env)
    branch = await make_branch(env)
    admin = await make_branch_admin(env, branch)
    browser = Browser.new(base)
    await env.ok(REGISTER, browser.keys, admin)
    prefs = (await env.ok(PREFS, None, admin))["notificationPreferences"]
    assert prefs["webPush"] == ["LEAD_CREATED", "QUESTION_ASKED"]  # staff's kinds only
    refused = await env.gql(SET_PREFS, {"i": {"cabinet": [], "email": [], "sms": [],
                                              "webPush": ["PAYMENT_RECEIVED"]}}, admin)
    assert refused["data"]["setNotificationPreferences"]["errors"] == [{"field": "web_push", "code": "INVALID_INPUT"}]
    lead = """mutation($b: ID!) { createLead(branchId: $b, input: {contactFirstName: "C", phone: "+79161234568",
      childFirstName: "Vera", childAge: 9, interest: "Chess", source: SITE}) { lead { id } errors { code } } }"""
    await env.ok(lead, {"b": branch}, admin_of(branch, "someone-else"))
    rows = await _wait(env, admin.user_id, 2)
    assert sorted(r.channel for r in rows) == ["cabinet", "web_push"]
    await _drain(env)
    [(_, body)] = fake.to(browser)
    assert "Vera" in browser.decrypt(body)["body"]


async def test_web_push_is_off_unless_configured(database_factory: Any, module_messaging: MessagingSettings,
                                                 tmp_path_factory: Any, push: tuple[FakePushService, str]) -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(webpush_vapid_private_key=VAPID_PEM, webpush_vapid_subject="ops@school.test")
    settings = _settings(await database_factory("identity"), module_messaging,
                         tmp_path_factory.mktemp("identity-webpush-off"))
    runtime = build_runtime(settings)
    async with running(runtime):
        env = Env(runtime)
        _, _, me = await _guardian(env)
        prefs = (await env.ok(PREFS, None, me))["notificationPreferences"]
        assert prefs["webPushAvailable"] is False and prefs["webPushPublicKey"] is None
        got = (await env.gql(REGISTER, Browser.new(push[1]).keys, me))["data"]["registerWebPush"]
        assert got["errors"] == [{"field": None, "code": "WEB_PUSH_NOT_CONFIGURED"}]
        assert prefs["webPushSubscriptions"] == 0
        await env.anon.aclose()


def test_a_subscription_is_checked_as_given_and_the_key_may_be_raw() -> None:
    key, auth = b64(point(ec.generate_private_key(ec.SECP256R1()).public_key())), b64(os.urandom(16))
    assert PushSubscription.parse(" https://push.test/a ", key, auth).endpoint == "https://push.test/a"
    for endpoint in ("http://push.test/a", "https://user:pw@push.test/a", "https:///a", "not a url",
                     "https://push.test/" + "x" * 1000):
        with pytest.raises(InvalidPushSubscription):
            PushSubscription.parse(endpoint, key, auth)
    assert PushSubscription.parse("http://127.0.0.1:9/a", key, auth, allow_http=True)
    with pytest.raises(InvalidPushSubscription):
        PushSubscription.parse("https://push.test/a", key, "not base64 !")
    raw = b64(VAPID_KEY.private_numbers().private_value.to_bytes(32, "big"))
    assert WebPushSender(raw, SUBJECT).public_key == WebPushSender(VAPID_PEM, SUBJECT).public_key == VAPID_PUBLIC
