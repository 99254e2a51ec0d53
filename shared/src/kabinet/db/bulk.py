"""Many rows in one constant statement, given column by column.

An ``insert(t)`` run as an executemany costs per row in SQLAlchemy (its parameters processed row by row) and
in PostgreSQL (a Bind/Execute per row); a multi-row ``VALUES`` is compiled anew for every row count. On
PostgreSQL :class:`BulkInsert` sends ``INSERT INTO t (...) SELECT * FROM unnest($1::type[], $2::type[], ...)``:
one statement whatever the number of rows, compiled once, each column one array parameter (its values still
go through the column type's checks, e.g. ``Amount``'s two decimals). SQLite, which has no arrays, gets the
executemany. :func:`insert_many` is the same for rows given as mappings (a statement per table and columns,
built on first use).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Result, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.dialect import dialect_of, insert_for


def unnest(table: Table, names: Sequence[str], prefix: str = "") -> Any:
    """``unnest(:<prefix><name>, ...) AS anon(<name>, ...)``: a derived table of the arrays bound by these
    names, typed as the table's columns (PostgreSQL only)."""
    arrays = [bindparam(f"{prefix}{n}", type_=ARRAY(table.c[n].type)) for n in names]
    return func.unnest(*arrays).table_valued(*names).render_derived()


class BulkInsert:
    """``INSERT INTO table (names)`` of many rows, on PostgreSQL as one ``SELECT * FROM unnest(...)``.

    ``finish`` completes the statement on either dialect (``on_conflict_do_nothing``/``do_update``,
    ``returning``); it gets the dialect's insert (``insert_for``). Build one per statement, at import time.
    """

    def __init__(self, table: Table, names: Sequence[str], finish: Callable[[Any], Any] = lambda stmt: stmt) -> None:
        if len(set(names)) != len(names):
            raise ValueError(f"a column named twice in {list(names)}")
        self.table = table
        self.names = tuple(names)
        self._finish = finish
        source = unnest(table, self.names)
        self._pg = finish(pg_insert(table).from_select(self.names, select(*source.c)))
        self._sqlite: Any = None

    async def execute(self, session: AsyncSession, columns: Mapping[str, Sequence[Any]]) -> Result[Any] | None:
        """Insert the rows (``columns``: each name to its values, all of one length); None when there are none."""
        n = len(columns[self.names[0]])
        if n == 0:
            return None
        if dialect_of(session) == "postgresql":
            result: Result[Any] = await session.execute(self._pg, {name: list(columns[name]) for name in self.names})
            return result
        if self._sqlite is None:
            self._sqlite = self._finish(insert_for(session, self.table))
        cols = [columns[name] for name in self.names]
        rows = [dict(zip(self.names, values, strict=True)) for values in zip(*cols, strict=True)]
        result = await session.execute(self._sqlite, rows)
        return result


@lru_cache(maxsize=256)
def _plain(table: Table, names: tuple[str, ...]) -> BulkInsert:
    return BulkInsert(table, names)


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys, column names of ``table``) into ``table`` (see BulkInsert)."""
    if not rows:
        return
    names = tuple(rows[0])
    await _plain(table, names).execute(session, {n: [r[n] for r in rows] for n in names})
