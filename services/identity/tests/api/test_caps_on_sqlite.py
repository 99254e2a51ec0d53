"""The sign-in caps in embedded mode (SQLite): requests sent at once must take turns there too.

PostgreSQL makes them take turns with an advisory lock (credentials._take_turns); SQLite has none, and a
deferred transaction's count does not hold the write lock, so every request could count before any records.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from identity_testkit import (
    CREATE_STAFF,
    OWNER,
    REQUEST_CODE,
    SIGN_IN_PASSWORD,
    Env,
    burst_against_the_sms_day_caps,
    make_branch,
    make_family,
)

from identity.bootstrap import build_runtime
from identity.service import auth
from identity.settings import IdentitySettings
from kabinet.bus.memory import InProcessTransport
from kabinet.testing.stack import running
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER

PASSWORD = "a-long-staff-password"


@pytest.fixture
async def sqlite_env(tmp_path: Path) -> AsyncIterator[Env]:
    settings = IdentitySettings(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=1024,
                                argon2_parallelism=1, sms_per_ip_hour=100_000, dev_mailbox=True)
    assert settings.resolved_database_url().startswith("sqlite")
    runtime = build_runtime(settings, transport=InProcessTransport())
    async with running(runtime):
        env = Env(runtime)
        yield env
        await env.anon.aclose()


async def test_caps_hold_against_concurrent_requests_on_sqlite(sqlite_env: Env) -> None:
    env = sqlite_env
    email = f"admin.{uuid.uuid4().hex[:8]}@school.test"
    await env.ok(CREATE_STAFF, {"i": {"role": "BRANCH_ADMIN", "email": email, "firstName": "Ada", "lastName": "Min",
                                      "branchIds": [await make_branch(env)], "password": PASSWORD}}, OWNER)
    tries = await asyncio.gather(*[
        env.anon.execute(SIGN_IN_PASSWORD, {"l": email, "pw": "guessing-passwords"},
                         headers={CLIENT_ADDRESS_HEADER: "203.0.113.9"}) for _ in range(25)])
    codes = [t["data"]["signInWithPassword"]["errors"][0]["code"] for t in tries]
    assert codes.count("INVALID_CREDENTIALS") == auth.PASSWORD_FAILURES_PER_LOGIN_AND_ADDRESS, codes
    phone = (await make_family(env, await make_branch(env), kids=1))["phone"]
    asked = await asyncio.gather(*[env.anon.execute(REQUEST_CODE, {"p": phone},
                                                    headers={CLIENT_ADDRESS_HEADER: "198.51.100.41"})
                                   for _ in range(10)])
    assert sum(a["data"]["requestSignInCode"]["ok"] for a in asked) == env.deps.limits.per_phone, asked
    assert env.messages_to(phone) == env.deps.limits.per_phone


async def test_the_sms_day_caps_hold_against_a_burst_on_sqlite(sqlite_env: Env) -> None:
    await burst_against_the_sms_day_caps(sqlite_env)
