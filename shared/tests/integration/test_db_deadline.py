"""A database that stops answering (a half-open network, the kit's TCP proxy stalled) never holds a caller for
ever: a bounded wait terminates the connection instead of waiting on it (also in the rollback that follows), a
cancelled unit of work does not wait on its rollback, a COPY whose connection is cut fails at once, and both
ends of every connection probe a silent peer (TCP keepalive)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kabinet.db import UnitOfWork, create_engine, create_sessionmaker
from kabinet.db.bulk import BulkCopy
from kabinet.db.deadline import DatabaseTimeout, database_deadline
from kabinet.db.messaging_tables import add_messaging_tables
from kabinet.outages import is_outage
from kabinet.testing.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration

metadata = MetaData()
outbox, _inbox = add_messaging_tables(metadata)
lines = Table("lines", metadata, Column("n", Integer, nullable=False), Column("body", Text, nullable=False))
copy_lines = BulkCopy(lines, ("n", "body"))

# Without the fixes these waits last until the stall ends: the test gives up on them after this long.
HANG_S = 10.0


@pytest.fixture
async def db_url(database_factory: Callable[[str], Awaitable[str]]) -> str:
    url = await database_factory("deadline")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    finally:
        await engine.dispose()
    return url


@pytest.fixture
async def proxied(db_url: str, pg_proxy: TcpProxy) -> AsyncIterator[AsyncEngine]:
    """An engine that reaches the database through the proxy (unstalled before it is disposed of)."""
    engine = create_engine(pg_proxy.url_for(db_url))
    yield engine
    pg_proxy.unstall()
    await engine.dispose()


async def answers(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """The engine works again once the network does: the pool connects anew where it terminated."""
    async with asyncio.timeout(5), sessionmaker() as session:
        return bool((await session.execute(text("SELECT 1"))).scalar_one() == 1)


async def test_every_connection_probes_a_silent_peer_from_both_ends(db_url: str):
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            server = [(await conn.execute(text(f"SHOW {name}"))).scalar_one() for name in
                      ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count", "tcp_user_timeout")]
            driver: Any = (await conn.get_raw_connection()).driver_connection
            sock = driver._transport.get_extra_info("socket")
            client = [sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)] + [
                sock.getsockopt(socket.IPPROTO_TCP, option) for option in
                (socket.TCP_KEEPIDLE, socket.TCP_KEEPINTVL, socket.TCP_KEEPCNT, socket.TCP_USER_TIMEOUT)]
    finally:
        await engine.dispose()
    assert server == ["30", "10", "3", "60000"]
    assert client == [1, 30, 10, 3, 60_000]


@pytest.mark.parametrize("stalled_in", ["a statement", "something else, then the rollback"])
async def test_a_wait_past_the_deadline_terminates_the_connection_and_the_rollback_sends_nothing(
    proxied: AsyncEngine, pg_proxy: TcpProxy, stalled_in: str
):
    sessionmaker = create_sessionmaker(proxied)
    started = time.monotonic()
    with pytest.raises(DatabaseTimeout) as raised:
        async with (asyncio.timeout(HANG_S), sessionmaker() as session, database_deadline(session, 0.5),
                    session.begin()):
            await session.execute(text("SELECT 1"))
            pg_proxy.stall()
            started = time.monotonic()
            if stalled_in == "a statement":
                await session.execute(text("SELECT 2"))
            else:
                await asyncio.sleep(HANG_S)  # the deadline ends it; the rollback must not wait on the socket
    assert time.monotonic() - started < 2.0
    assert is_outage(raised.value)
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]  # the cancel was the deadline's own
    pg_proxy.unstall()
    assert await answers(sessionmaker)


async def test_waits_on_something_else_are_not_counted(proxied: AsyncEngine):
    async with (create_sessionmaker(proxied)() as session, database_deadline(session, 0.3) as deadline,
                session.begin()):
        await session.execute(text("SELECT 1"))
        with deadline.suspended():
            await asyncio.sleep(0.6)  # e.g. the broker's confirms
        assert (await session.execute(text("SELECT 2"))).scalar_one() == 2


@pytest.mark.parametrize("stalled_in", ["a COPY", "something else"])
async def test_a_cancelled_unit_of_work_does_not_wait_on_its_rollback(
    proxied: AsyncEngine, pg_proxy: TcpProxy, stalled_in: str
):
    """A consumer's handler timeout cancels the unit of work; its rollback on the dead socket waited until the
    network came back (a COPY's cancellation is asyncpg's own, SQLAlchemy never learns the connection is bad)."""
    sessionmaker = create_sessionmaker(proxied)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(HANG_S):
            async with asyncio.timeout(0.5), UnitOfWork(sessionmaker, outbox, "kt") as uow:
                await copy_lines.execute(uow.session, [(0, "first")])  # asyncpg's statements for the COPY ready
                pg_proxy.stall()
                started = time.monotonic()
                if stalled_in == "a COPY":
                    await copy_lines.execute(uow.session, [(n, "x" * 100) for n in range(1, 50_000)])
                else:
                    await asyncio.sleep(HANG_S)
    assert time.monotonic() - started < 2.0
    pg_proxy.unstall()
    assert await answers(sessionmaker)


async def test_a_connection_cut_mid_copy_fails_the_copy_at_once(proxied: AsyncEngine, pg_proxy: TcpProxy):
    """asyncpg's COPY waits for the socket to take more rows and was never told the connection went."""
    sessionmaker = create_sessionmaker(proxied)
    rows = [(n, "x" * 100) for n in range(1, 300_000)]
    started = time.monotonic()
    with pytest.raises(Exception) as raised:  # which error it is does not matter: it is an outage
        async with asyncio.timeout(HANG_S), sessionmaker() as session, session.begin():
            await copy_lines.execute(session, [(0, "first")])
            pg_proxy.stall()  # the socket's buffers fill and the COPY waits to write more ...

            async def cut() -> None:
                await asyncio.sleep(0.5)
                await pg_proxy.cut()  # ... when the connection goes

            cutting = asyncio.create_task(cut())
            started = time.monotonic()
            await copy_lines.execute(session, rows)
    await cutting
    assert time.monotonic() - started < 2.0
    assert not isinstance(raised.value, TimeoutError) and is_outage(raised.value)
    pg_proxy.unstall()
    assert await answers(sessionmaker)
