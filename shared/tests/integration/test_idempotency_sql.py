"""The kit's idempotency keys in a real database (PostgreSQL; SQLite as in embedded mode), tables made by the
Alembic helper, and two requests with one key at the same time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from kabinet.db import SqlKeyStore, add_messaging_tables, create_sessionmaker, idempotency_table
from kabinet.db import migrations as kit_migrations
from kabinet.errors import IdempotencyKeyReused
from kabinet.idempotency import Idempotency, Outcome

pytestmark = pytest.mark.integration

metadata = MetaData()
keys = idempotency_table(metadata)
outbox, inbox = add_messaging_tables(metadata)


@dataclass(frozen=True)
class Booked:
    booking_id: str
    seats: int


def create_schema(conn: Connection) -> None:
    """The kit's tables as the services' migrations create them (the `engine` fixture, conftest.py, runs it)."""
    ctx = MigrationContext.configure(conn)
    with Operations.context(ctx):
        kit_migrations.create_messaging_tables()
        kit_migrations.create_idempotency_table()


def _idem(session: AsyncSession) -> Idempotency[Booked]:
    return Idempotency(SqlKeyStore(session, keys), Booked)


async def test_the_alembic_helper_makes_the_tables_the_metadata_describes(engine: AsyncEngine):
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        names = await conn.run_sync(lambda c: {ix["name"] for ix in inspect(c).get_indexes("outbox")})
    assert "ix_outbox_unpublished" in names


async def test_claim_store_replay_and_refuse(engine: AsyncEngine):
    sessions = create_sessionmaker(engine)
    async with sessions() as s, s.begin():
        claim = await _idem(s).claim("user:u1", "k1", "book", {"slot": "a"})
        assert not claim.replayed
        await _idem(s).store(claim, Booked("b1", 2))
    async with sessions() as s, s.begin():
        again = await _idem(s).claim("user:u1", "k1", "book", {"slot": "a"})
        assert again.replayed and again.result == Booked("b1", 2)
        with pytest.raises(IdempotencyKeyReused):
            await _idem(s).claim("user:u1", "k1", "book", {"slot": "b"})
    async with sessions() as s, s.begin():
        assert not (await _idem(s).claim("user:u2", "k1", "book", {"slot": "b"})).replayed


async def test_a_rolled_back_claim_leaves_the_key_free(engine: AsyncEngine):
    sessions = create_sessionmaker(engine)
    async with sessions() as s, s.begin():
        assert not (await _idem(s).claim("user:u1", "k2", "book", 1)).replayed
        await s.rollback()
    async with sessions() as s, s.begin():
        assert not (await _idem(s).claim("user:u1", "k2", "book", 1)).replayed


async def _claim_later(engine: AsyncEngine, started: asyncio.Event, commit: bool) -> tuple[bool, Booked | None]:
    async with create_sessionmaker(engine)() as s, s.begin():
        started.set()
        claim = await _idem(s).claim("user:u1", "k3", "book", {"slot": "a"})
        if claim.replayed:
            return True, claim.result
        await _idem(s).store(claim, Booked("second", 1))
        if not commit:
            await s.rollback()
        return False, None


@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_concurrent_claim_waits_for_the_first_then_replays_or_runs(engine: AsyncEngine, first_commits: bool):
    sessions = create_sessionmaker(engine)
    async with sessions() as first:
        await first.begin()
        claim = await _idem(first).claim("user:u1", "k3", "book", {"slot": "a"})
        assert not claim.replayed
        started = asyncio.Event()
        second = asyncio.create_task(_claim_later(engine, started, commit=True))
        await started.wait()
        await asyncio.sleep(0.5)
        assert not second.done()  # waits on the key the first holds
        if first_commits:
            await _idem(first).store(claim, Booked("first", 2))
            await first.commit()
        else:
            await first.rollback()
    replayed, result = await asyncio.wait_for(second, 30)
    if first_commits:
        assert (replayed, result) == (True, Booked("first", 2))
    else:
        assert (replayed, result) == (False, None)  # the key was free again: the second ran itself


async def test_two_requests_with_one_key_at_once_run_the_action_once(engine: AsyncEngine):
    sessions = create_sessionmaker(engine)
    runs: list[str] = []

    async def request(name: str) -> Outcome[Booked]:
        async def action() -> Booked:
            runs.append(name)
            await asyncio.sleep(0.2)
            return Booked(name, 1)

        async with sessions() as s, s.begin():
            return await _idem(s).run_once("user:u9", "same", "book", {"slot": "z"}, action)

    a, b = await asyncio.gather(request("a"), request("b"))
    assert len(runs) == 1
    assert a.result == b.result == Booked(runs[0], 1)
    assert sorted([a.replayed, b.replayed]) == [False, True]


async def test_a_services_own_keys_table_is_replaced_with_its_rows(engine: AsyncEngine):
    def migrate(conn: Connection) -> list[tuple[object, ...]]:
        from sqlalchemy import text

        ctx = MigrationContext.configure(conn)
        with Operations.context(ctx):
            kit_migrations.drop_idempotency_table()
            # identity's former shape (its primary key has the kit's name, as identity's and scheduling's do)
            conn.execute(text("CREATE TABLE idempotency_keys (subject VARCHAR(64) NOT NULL, key VARCHAR(100) NOT NULL,"
                              " operation VARCHAR(60) NOT NULL, request_hash VARCHAR(64) NOT NULL,"
                              " result_id VARCHAR(36) NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                              " CONSTRAINT pk_idempotency_keys PRIMARY KEY (subject, key))"))
            conn.execute(text("INSERT INTO idempotency_keys VALUES ('u1', 'k', 'addChild', 'h', 's1', "
                              "'2026-12-06 10:00:00+00:00')"))
            kit_migrations.replace_idempotency_table(
                "SELECT 'user:' || subject, key, request_hash, result_id, created_at FROM idempotency_keys_old")
        return [tuple(r) for r in conn.execute(text("SELECT scope, key, request_hash, result FROM idempotency_keys"))]

    async with engine.begin() as conn:
        assert await conn.run_sync(migrate) == [("user:u1", "k", "h", "s1")]
    await test_the_alembic_helper_makes_the_tables_the_metadata_describes(engine)
