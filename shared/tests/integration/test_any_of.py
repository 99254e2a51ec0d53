"""``any_of``: the same rows as ``IN (...)`` on both databases, and on PostgreSQL one SQL text (one prepared
statement per connection) whatever the number of values."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, bindparam, event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db.any_of import any_of

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table("things", metadata, Column("id", String(36), primary_key=True), Column("n", Integer, nullable=False))
IDS = [f"t{i}" for i in range(6)]


def create_schema(conn: Connection) -> None:
    """The table and its rows (the `engine` fixture, conftest.py, runs it)."""
    metadata.create_all(conn)
    conn.execute(insert(things), [{"id": x, "n": i} for i, x in enumerate(IDS)])


async def _ids(engine: AsyncEngine, *where: Any) -> list[str]:
    async with engine.connect() as conn:
        return sorted((await conn.execute(select(things.c.id).where(*where))).scalars())


@pytest.mark.parametrize("values", [[], ["t1"], ["t1", "t4", "missing"], ("t0", "t2", "t3", "t5"), {"t2"}])
async def test_the_rows_whose_column_is_one_of_the_values(engine: AsyncEngine, values: Any):
    assert await _ids(engine, any_of(things.c.id, values)) == sorted(set(values) & set(IDS))
    assert await _ids(engine, ~any_of(things.c.id, values)) == sorted(set(IDS) - set(values))
    assert await _ids(engine, any_of(things.c.id, values), things.c.n >= 2) == sorted(
        x for x in set(values) & set(IDS) if IDS.index(x) >= 2
    )


async def test_one_statement_text_whatever_the_number_of_values_on_postgresql(engine: AsyncEngine):
    sent: set[str] = set()
    event.listen(engine.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_: sent.add(sql))
    for n in range(1, len(IDS) + 1):
        assert await _ids(engine, any_of(things.c.id, IDS[:n])) == IDS[:n]
    assert len(sent) == (1 if engine.dialect.name == "postgresql" else len(IDS))


def test_a_subquery_is_refused_with_a_pointer_to_in():
    with pytest.raises(TypeError, match="in_"):
        any_of(things.c.id, select(things.c.id))  # type: ignore[arg-type]


async def test_a_statement_built_once_with_a_named_parameter(engine: AsyncEngine):
    stmt = select(things.c.id).where(any_of(things.c.id, bindparam("ids")), things.c.n >= bindparam("least"))
    sent: set[str] = set()
    event.listen(engine.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *_: sent.add(sql))
    async with engine.connect() as conn:
        for values, least in ((["t1"], 0), (["t1", "t4", "missing"], 2), ([], 0), (IDS, 3)):
            got = sorted((await conn.execute(stmt, {"ids": values, "least": least})).scalars())
            assert got == sorted(x for x in set(values) & set(IDS) if IDS.index(x) >= least)
    assert len(sent) == (1 if engine.dialect.name == "postgresql" else 4)  # SQLite: one text per length
