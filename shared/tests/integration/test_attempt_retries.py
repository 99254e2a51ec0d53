"""A mutation's unit of work that PostgreSQL rolls back to break a deadlock runs again (`attempt(within=...)`):
the transaction left nothing behind, so the caller gets the answer, not an internal error. Two units of work lock
two rows in opposite orders, each waiting for the other: one is chosen as the victim, and both end done."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from kabinet.db.engine import is_sqlite
from kabinet.graphql.mutations import attempt

pytestmark = pytest.mark.integration

metadata = MetaData()
rows = Table("rows", metadata, Column("id", String(8), primary_key=True), Column("n", Integer, nullable=False))


def create_schema(conn: Connection) -> None:
    metadata.create_all(conn)
    conn.execute(insert(rows), [{"id": "a", "n": 0}, {"id": "b", "n": 0}])


def within(engine: AsyncEngine) -> Any:
    @asynccontextmanager
    async def uow() -> AsyncIterator[AsyncConnection]:
        async with engine.begin() as conn:
            yield conn
    return uow


async def test_two_units_of_work_that_deadlock_both_end_done(engine: AsyncEngine) -> None:
    if is_sqlite(engine):
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): no deadlock to break")
    first_locked, second_locked = asyncio.Event(), asyncio.Event()
    runs = {"a": 0, "b": 0}

    def crossing(mine: str, other: str, locked: asyncio.Event, other_locked: asyncio.Event) -> Any:
        async def fn(conn: AsyncConnection) -> str:
            runs[mine] += 1
            await conn.execute(select(rows.c.n).where(rows.c.id == mine).with_for_update())
            locked.set()
            await other_locked.wait()  # both hold their first row: each now waits for the other's
            await conn.execute(update(rows).where(rows.c.id == other).values(n=rows.c.n + 1))
            return mine
        return fn

    got = await asyncio.wait_for(asyncio.gather(
        attempt(crossing("a", "b", first_locked, second_locked), error=dict, within=within(engine)),
        attempt(crossing("b", "a", second_locked, first_locked), error=dict, within=within(engine))), timeout=30)
    assert got == [("a", []), ("b", [])]
    assert sorted(runs.values()) == [1, 2]  # the deadlock's victim ran again
    async with engine.connect() as conn:
        assert dict((await conn.execute(select(rows.c.id, rows.c.n))).all()) == {"a": 1, "b": 1}


async def test_another_database_error_is_not_run_again(engine: AsyncEngine) -> None:
    calls = 0

    async def duplicate(conn: AsyncConnection) -> None:
        nonlocal calls
        calls += 1
        await conn.execute(insert(rows).values(id="a", n=1))

    with pytest.raises(IntegrityError):
        await attempt(duplicate, error=dict, within=within(engine))
    assert calls == 1
