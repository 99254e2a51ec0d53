"""Identity's test environment: one identity service per test module on real PostgreSQL and RabbitMQ,
called through its own /graphql (ASGI, no network). Codes and links are read from the development mailbox."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# The test kit sits next to this file; with --import-mode=importlib the directory is not on sys.path.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "api"))  # api tests share test_notifications' steps

from identity_testkit import Env

from identity.bootstrap import build_runtime
from identity.settings import IdentitySettings
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import running


@pytest.fixture(scope="module")
async def env(database_factory: Any, module_messaging: MessagingSettings, tmp_path_factory: Any
              ) -> AsyncIterator[Env]:
    settings = IdentitySettings(
        database_url=await database_factory("identity"), messaging=module_messaging,
        data_dir=tmp_path_factory.mktemp("identity"), outbox_poll_interval_s=0.05,
        # Cheap argon2 keeps the suite fast; the rehash test raises them to prove upgrades.
        argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1,
        sms_per_ip_hour=100_000, dev_mailbox=True,
    )
    runtime = build_runtime(settings)
    async with running(runtime):
        yield Env(runtime)


@pytest.fixture
def limits(env: Env) -> Any:
    """Swap SMS limits for one test; restored after."""
    original = env.deps.limits

    def set_limits(**changes: Any) -> None:
        env.deps.limits = dataclasses.replace(original, **changes)

    yield set_limits
    env.deps.limits = original


@pytest.fixture
def clock(env: Env) -> Any:
    """Move identity's clock for one test (expiry); restored after."""
    original = env.deps.clock
    offset: list[Any] = []

    def shift(delta: Any) -> None:
        base = original
        offset.append(delta)
        total = sum(offset, start=type(delta)())
        env.deps.clock = lambda: base() + total

    yield shift
    env.deps.clock = original
