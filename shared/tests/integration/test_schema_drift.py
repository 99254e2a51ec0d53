"""kabinet.testing.schema finds what Alembic's compare_metadata does not (a partial index without its WHERE, a key
the database no longer numbers) and lets through only SQLite's two reporting artefacts, on both dialects."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Index, MetaData, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db.messaging_tables import SeqType
from kabinet.db.types import Amount, UtcDateTime
from kabinet.testing.schema import differences

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("price", Amount(12), nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("done_at", UtcDateTime(), nullable=True),
)
Index("ix_things_open", things.c.seq, postgresql_where=things.c.done_at.is_(None),
      sqlite_where=things.c.done_at.is_(None))
create_schema = metadata.create_all  # the `engine` fixture (conftest.py) runs it

# The table as a migration spells it on SQLite: money as sa.Numeric(12, 2), the key INTEGER (the rowid).
AS_MIGRATED = ("CREATE TABLE things (seq {seq} NOT NULL PRIMARY KEY, price NUMERIC({precision}, 2) NOT NULL, "
               "name TEXT DEFAULT '' NOT NULL, done_at DATETIME)")
OPEN_INDEX = "CREATE INDEX ix_things_open ON things (seq) WHERE done_at IS NULL"


async def _differences(engine: AsyncEngine, *ddl: str) -> list[str]:
    async with engine.begin() as conn:
        for statement in ddl:
            await conn.execute(text(statement))
        return await conn.run_sync(differences, metadata)


async def test_the_tables_made_from_the_metadata_have_no_differences(engine: AsyncEngine):
    assert await _differences(engine) == []


async def test_a_partial_index_without_its_where_is_a_difference(engine: AsyncEngine):
    assert await _differences(engine, "DROP INDEX ix_things_open", "CREATE INDEX ix_things_open ON things (seq)") == [
        "index_predicate things.ix_things_open: database '-', metadata 'done_at is null'"]


async def test_a_key_the_database_does_not_number_is_a_difference(engine: AsyncEngine):
    found = ["autoincrement things.seq: the database does not generate it"]
    if engine.dialect.name == "postgresql":
        ddl: tuple[str, ...] = ("ALTER TABLE things ALTER COLUMN seq DROP DEFAULT",)
    else:  # BIGINT PRIMARY KEY is not SQLite's rowid: an insert without seq fails (and the type differs too)
        ddl = ("DROP TABLE things", AS_MIGRATED.format(seq="BIGINT", precision=12), OPEN_INDEX)
        found.insert(0, "modify_type things.seq: database BIGINT(), metadata BigInteger()")
    assert await _differences(engine, *ddl) == found


@pytest.mark.parametrize("empty_database", ["sqlite"], indirect=True)  # SQLite's declared types only
async def test_sqlite_money_declared_numeric_is_amount_of_the_same_precision(engine: AsyncEngine):
    assert engine.dialect.name == "sqlite"
    assert await _differences(engine, "DROP TABLE things", AS_MIGRATED.format(seq="INTEGER", precision=12),
                              OPEN_INDEX) == []
    assert await _differences(engine, "DROP TABLE things", AS_MIGRATED.format(seq="INTEGER", precision=10),
                              OPEN_INDEX) == [
        "modify_type things.price: database NUMERIC(precision=10, scale=2), metadata Amount(precision=12, scale=2)"]
