"""The kit's column-wise bulk statements (kabinet.db.bulk) in a real database: PostgreSQL (one INSERT ... SELECT
FROM unnest) and SQLite as in embedded mode (an executemany) give the same rows, conflicts and checks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db import create_sessionmaker
from kabinet.db.any_of import any_of
from kabinet.db.bulk import BulkInsert
from kabinet.db.types import Amount, UtcDateTime

pytestmark = pytest.mark.integration

metadata = MetaData()
items = Table(
    "bulk_items", metadata,
    Column("id", String(36), primary_key=True),
    Column("note", String(20), nullable=True),
    Column("amount", Amount(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)
INSERT = BulkInsert(items, ("id", "note", "amount", "at"))
# Keeps the first row of a key, returns the ids it inserted.
CLAIM = BulkInsert(items, ("id", "note", "amount", "at"),
                   lambda stmt: stmt.on_conflict_do_nothing(index_elements=["id"]).returning(items.c.id))
# A later row of a key replaces the note and amount.
UPSERT = BulkInsert(items, ("id", "note", "amount", "at"), lambda stmt: stmt.on_conflict_do_update(
    index_elements=["id"], set_={"note": stmt.excluded.note, "amount": stmt.excluded.amount}))
AT = datetime(2027, 2, 1, 9, tzinfo=UTC)


create_schema = metadata.create_all  # the `engine` fixture (conftest.py) runs it


def columns(ids: list[str], amount: str = "1.50", note: str | None = None) -> dict[str, list[object]]:
    return {"id": ids, "note": [note] * len(ids), "amount": [Decimal(amount)] * len(ids), "at": [AT] * len(ids)}


async def test_rows_given_by_column_are_inserted_conflicts_skipped_or_updated(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as s, s.begin():
        assert await INSERT.execute(s, columns([])) is None  # nothing to insert: no statement
        await INSERT.execute(s, columns(["a", "b"], note=None))
        claimed = await CLAIM.execute(s, columns(["b", "c", "d"], "2.00"))
        assert claimed is not None and sorted(r.id for r in claimed.all()) == ["c", "d"]
        await UPSERT.execute(s, columns(["a", "e"], "3.25", note="again"))
        rows = {r.id: (r.note, r.amount, r.at) for r in (await s.execute(
            select(items).where(any_of(items.c.id, ["a", "b", "c", "e", "zzz"])))).all()}
    assert rows == {"a": ("again", Decimal("3.25"), AT), "b": (None, Decimal("1.50"), AT),
                    "c": (None, Decimal("2.00"), AT), "e": ("again", Decimal("3.25"), AT)}


async def test_the_column_types_checks_still_apply(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as s, s.begin():
        with pytest.raises(StatementError):  # money with three decimals is refused, never rounded
            await INSERT.execute(s, columns(["x"], "1.005"))
    async with sessions() as s, s.begin():
        with pytest.raises(StatementError):  # a naive timestamp is refused
            await INSERT.execute(s, {**columns(["y"]), "at": [AT.replace(tzinfo=None)]})
    async with sessions() as s:
        assert (await s.execute(select(items))).all() == []


def test_a_column_named_twice_is_refused() -> None:
    with pytest.raises(ValueError):
        BulkInsert(items, ("id", "id"))
