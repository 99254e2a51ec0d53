"""Fixtures for the event delivery tests: the test service and fresh databases (the proxies, pg_proxy and
amqp_proxy, are the kit's: kabinet.testing.plugin)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from kabinet.auth import KeySource
from kabinet.bus.rabbit import RabbitTransport
from kabinet.db.engine import create_engine
from kabinet.runtime import ServiceRuntime
from kabinet.settings import MessagingSettings, ServiceSettings

# --import-mode=importlib: a sibling module is loaded by path under a unique name.
_NAME = "kabinet_events_kt_service"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("kt_service.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
kt = sys.modules[_NAME]


@pytest.fixture
def kt_module() -> Any:
    return kt


@pytest.fixture
async def kt_db(database_factory: Callable[[str], Awaitable[str]]) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """``url = await kt_db()``: a fresh database with the test service's tables."""

    async def make() -> str:
        url = await database_factory("ev")
        engine = create_engine(url)
        try:
            await kt.create_tables(engine)
        finally:
            await engine.dispose()
        return url

    yield make


RuntimeFactory = Callable[..., ServiceRuntime]


@pytest.fixture
async def make_runtime(messaging: MessagingSettings) -> AsyncIterator[RuntimeFactory]:
    """``make_runtime(db_url, behaviour=None, name="kt", amqp_url=None, key_source=None, outbox_db_timeout_s=10,
    **messaging_overrides)``.

    ``behaviour`` None: a producer only (no queue); otherwise it consumes ``Ping`` into ``effects``.
    Every runtime made is stopped after the test (stop is idempotent).
    """
    made: list[ServiceRuntime] = []

    def make(db_url: str, behaviour: Any = None, *, name: str = kt.NAME, amqp_url: str | None = None,
             key_source: KeySource | None = None, outbox_db_timeout_s: float = 10.0,
             **overrides: Any) -> ServiceRuntime:
        msg = messaging.model_copy(update={"retry_backoff_s": 0.05, **overrides,
                                           **({"amqp_url": amqp_url} if amqp_url else {})})
        settings = ServiceSettings(service_name=name, database_url=db_url, messaging=msg,
                                   outbox_poll_interval_s=0.2, outbox_db_timeout_s=outbox_db_timeout_s)
        # catalogue=(): no archive queue, so a key nobody binds really is unroutable.
        runtime = ServiceRuntime(kt.spec(behaviour, name), settings, transport=RabbitTransport(msg, catalogue=()),
                                 key_source=key_source)
        made.append(runtime)
        return runtime

    yield make
    for runtime in reversed(made):
        await runtime.stop()
