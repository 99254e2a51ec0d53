"""The kit's bulk insert (one statement of column arrays on PostgreSQL, executemany on SQLite) and bulk copy (COPY on
PostgreSQL): the rows read back are the rows given, NULLs, money and time zones included, a column type's checks
still refuse a bad value, and the rows are the transaction's (gone with its rollback)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db import create_sessionmaker
from kabinet.db.bulk import BulkCopy, insert_many
from kabinet.db.types import Amount, UtcDateTime

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("note", Text, nullable=True),
    Column("price", Amount(12), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("day", Date, nullable=False),
    Column("n", Integer, nullable=True),
    Column("flag", Boolean, nullable=False),
)


create_schema = metadata.create_all  # the `engine` fixture (conftest.py) runs it


def _rows(n: int) -> list[dict[str, Any]]:
    plus3 = timezone(timedelta(hours=3))
    return [
        {
            "id": f"id-{i:04d}",
            "note": None if i % 2 else f"note «{i}», 'quoted'",
            "price": Decimal(i) / 4,
            "at": datetime(2027, 2, 1, 9, 30, tzinfo=plus3) + timedelta(minutes=i),
            "day": date(2027, 2, 1) + timedelta(days=i % 28),
            "n": None if i % 3 else i,
            "flag": i % 5 == 0,
        }
        for i in range(n)
    ]


async def test_the_rows_read_back_are_the_rows_inserted(engine: AsyncEngine):
    rows = _rows(1200)
    async with create_sessionmaker(engine)() as s, s.begin():
        await insert_many(s, things, rows)
        await insert_many(s, things, [])  # nothing to do
    async with create_sessionmaker(engine)() as s:
        got = [dict(r._mapping) for r in await s.execute(select(things).order_by(things.c.id))]
    assert got == [{**r, "at": r["at"].astimezone(UTC)} for r in rows]
    assert got[1]["note"] is None and got[0]["note"] == "note «0», 'quoted'"
    assert got[1]["price"] == Decimal("0.25")


@pytest.mark.parametrize("bad", [Decimal("1.005"), 0.25])
async def test_a_column_types_check_applies_to_every_value(engine: AsyncEngine, bad: Any):
    rows = _rows(3)
    rows[2]["price"] = bad  # three decimals: Amount refuses it rather than rounding; 0.25 as a float after
    # Decimal("0.25") in row 1 (one check per distinct value, by type): refused all the same
    async with create_sessionmaker(engine)() as s:
        with pytest.raises(StatementError, match=r"at most two decimals|float"):
            async with s.begin():
                await insert_many(s, things, rows)
    async with create_sessionmaker(engine)() as s:
        assert (await s.execute(select(things))).first() is None


COPY_THINGS = BulkCopy(things, ("id", "note", "price", "at", "day", "n", "flag"))


def _tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r[name] for name in COPY_THINGS.names) for r in rows]


async def test_copied_rows_read_back_as_given(engine: AsyncEngine):
    rows = _rows(1200)
    async with create_sessionmaker(engine)() as s, s.begin():
        await COPY_THINGS.execute(s, _tuples(rows))
        await COPY_THINGS.execute(s, [])  # nothing to do
    async with create_sessionmaker(engine)() as s:
        got = [dict(r._mapping) for r in await s.execute(select(things).order_by(things.c.id))]
    assert got == [{**r, "at": r["at"].astimezone(UTC)} for r in rows]
    assert got[1]["note"] is None and got[0]["note"] == "note «0», 'quoted'"


@pytest.mark.parametrize("bad", [Decimal("1.005"), 0.25])
async def test_copy_applies_a_column_types_check_to_every_value(engine: AsyncEngine, bad: Any):
    rows = _tuples(_rows(3))
    rows[2] = (*rows[2][:2], bad, *rows[2][3:])  # 0.25 as a float after Decimal("0.25"): refused all the same
    async with create_sessionmaker(engine)() as s:
        with pytest.raises(StatementError, match=r"two decimals|float"):
            async with s.begin():
                await COPY_THINGS.execute(s, rows)
    async with create_sessionmaker(engine)() as s:
        assert (await s.execute(select(things))).first() is None


async def test_a_copy_first_in_its_transaction_is_rolled_back_with_it(engine: AsyncEngine):
    async with create_sessionmaker(engine)() as s, s.begin():
        await COPY_THINGS.execute(s, _tuples(_rows(5)))
        await s.rollback()
    async with create_sessionmaker(engine)() as s:
        assert (await s.execute(select(things))).first() is None


async def test_a_copy_unless_conflict_writes_all_or_none_and_the_transaction_goes_on(engine: AsyncEngine):
    rows = _tuples(_rows(10))
    pg = engine.dialect.name == "postgresql"
    async with create_sessionmaker(engine)() as s, s.begin():
        assert await COPY_THINGS.execute_unless_conflict(s, rows[:4]) is pg  # first in its transaction
        # rows[3] is there already: none of rows[3:8] is written, and the transaction is usable after
        assert not await COPY_THINGS.execute_unless_conflict(s, rows[3:8])
        assert not await COPY_THINGS.execute_unless_conflict(s, [rows[8], rows[8]])  # twice in one copy
        await COPY_THINGS.execute(s, rows[9:])
    async with create_sessionmaker(engine)() as s:
        got = [r.id for r in await s.execute(select(things.c.id).order_by(things.c.id))]
    if pg:
        assert got == [rows[i][0] for i in (0, 1, 2, 3, 9)]
    else:  # SQLite: never tried, the caller's statement does the rows
        assert got == [rows[9][0]]


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)  # COPY is PostgreSQL's
async def test_a_copy_unless_conflict_waits_for_a_concurrent_insert_of_the_same_key(engine: AsyncEngine):
    rows = _tuples(_rows(3))
    make = create_sessionmaker(engine)
    async with make() as first, make() as second, first.begin():
        await COPY_THINGS.execute(first, rows[:1])
        async with second.begin():
            waiting = asyncio.ensure_future(COPY_THINGS.execute_unless_conflict(second, rows))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # waits on the unique key for the first transaction's end
            await first.commit()
            assert not await waiting  # it committed: the copy conflicts, nothing of it is written
    async with make() as s:
        assert [r.id for r in await s.execute(select(things.c.id))] == [rows[0][0]]
