"""pytest plugin (loaded from the root pyproject): real PostgreSQL and RabbitMQ for integration tests.

Each run gets a unique id; databases are ``kt_<run>_<name>`` and broker names ``kt-<run>-<n>.*``.
Everything a run creates is removed at its end, so runs never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from kabinet.settings import MessagingSettings
from kabinet.testing import servers
from kabinet.testing.scratch import create_databases, drop_databases
from kabinet.testing.tcp_proxy import TcpProxy
from kabinet.web.gateway_only import SECRET_ENV

RUN_ID = os.environ.get("KABINET_TEST_RUN_ID") or uuid.uuid4().hex[:10]
# The gateway <-> subgraph secret has no default (kabinet.web.gateway_only); every service and gateway a test
# builds (in this process or a child) shares this run's random one. Tests of its absence unset it.
os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))
_counter = itertools.count(1)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    servers.stop_containers()


@pytest.fixture(scope="session")
def run_id() -> str:
    return RUN_ID


def _server(url_of: Callable[[], str]) -> str:
    try:
        return url_of()
    except servers.ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return _server(servers.postgres_admin_url)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return _server(servers.amqp_url)


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace("postgres://", "postgresql://")


@pytest.fixture(scope="session")
async def database_factory(postgres_admin_url: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """``url = await database_factory("billing")``: a fresh database for this run (dropped at the end)."""
    admin = _asyncpg_dsn(postgres_admin_url)
    created: list[str] = []

    async def create(name: str) -> str:
        db = f"kt_{RUN_ID}_{name}_{next(_counter)}".lower()
        await create_databases(admin, [db])
        created.append(db)
        base = admin.rsplit("/", 1)[0]
        return f"postgresql+asyncpg://{base.split('://', 1)[1]}/{db}"

    yield create
    await drop_databases(admin, created)


@pytest.fixture(params=["postgresql", "sqlite"])
async def empty_database(request: pytest.FixtureRequest, database_factory: Callable[[str], Awaitable[str]],
                         tmp_path: Path) -> str:
    """The URL of an empty database on each dialect a service runs on: PostgreSQL, and SQLite (embedded mode)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/empty.db"
    return await database_factory("empty")


@pytest.fixture
async def pg_proxy(postgres_admin_url: str) -> AsyncIterator[TcpProxy]:
    """A fault-injecting proxy in front of PostgreSQL (``pg_proxy.url_for(database_url)``; see TcpProxy)."""
    async with TcpProxy.for_url(postgres_admin_url) as proxy:
        yield proxy


@pytest.fixture
async def amqp_proxy(amqp_url: str) -> AsyncIterator[TcpProxy]:
    """The same in front of RabbitMQ."""
    async with TcpProxy.for_url(amqp_url) as proxy:
        yield proxy


def messaging_for(amqp_url: str, ns: str) -> MessagingSettings:
    return MessagingSettings(amqp_url=amqp_url, events_exchange=f"{ns}.events", queue_prefix=f"{ns}.",
                             publish_timeout_s=5.0, connect_timeout_s=5.0)


async def delete_broker_names(amqp_url: str, ns: str) -> None:
    """Delete every queue and exchange this process declared under the namespace ``ns``."""
    import aio_pika

    from kabinet.bus import rabbit

    # Every broker call bounded: a clean-up must never hang a test run (a deleted queue's consumer being
    # cancelled, a channel closed under us); what is left over carries this run's unique prefix.
    conn = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await conn.channel()
        for declared, delete in ((rabbit.DECLARED_QUEUES, "queue_delete"),
                                 (rabbit.DECLARED_EXCHANGES, "exchange_delete")):
            for name in [n for n in declared if n.startswith(ns)]:
                try:
                    async with asyncio.timeout(10):
                        await getattr(channel, delete)(name)
                except Exception:
                    with contextlib.suppress(Exception):  # a failed call closes the channel: open another
                        async with asyncio.timeout(10):
                            channel = await conn.channel()
                declared.discard(name)
    finally:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await conn.close()


@pytest.fixture
async def messaging(amqp_url: str) -> AsyncIterator[MessagingSettings]:
    """Messaging settings with this test's own exchange and queue names; deleted after the test."""
    ns = f"kt-{RUN_ID}-{next(_counter)}"
    yield messaging_for(amqp_url, ns)
    await delete_broker_names(amqp_url, ns)


@pytest.fixture(scope="module")
async def module_messaging(amqp_url: str) -> AsyncIterator[MessagingSettings]:
    """Like ``messaging``, shared by every test of one module."""
    ns = f"kt-{RUN_ID}-m{next(_counter)}"
    yield messaging_for(amqp_url, ns)
    await delete_broker_names(amqp_url, ns)


@pytest.fixture
def unique_name() -> Iterator[Callable[[str], str]]:
    def make(prefix: str) -> str:
        return f"{prefix}_{RUN_ID}_{next(_counter)}"

    yield make


@pytest.fixture
def python_gc_thresholds() -> Iterator[None]:
    """The collector as a fresh Python process has it (nothing frozen, thresholds 700/10/10), then as it was: for
    tests of what a process does once started (kabinet.process)."""
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*before)
