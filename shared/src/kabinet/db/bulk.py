"""Many rows in one constant statement, given column by column.

An ``insert(t)`` run as an executemany costs per row in SQLAlchemy (its parameters processed row by row) and
in PostgreSQL (a Bind/Execute per row); a multi-row ``VALUES`` is compiled anew for every row count. On
PostgreSQL :class:`BulkInsert` sends ``INSERT INTO t (...) SELECT * FROM unnest($1::type[], $2::type[], ...)``:
one statement whatever the number of rows, compiled once, each column one array parameter (its values still
go through the column type's checks, e.g. ``Amount``'s two decimals). SQLite, which has no arrays, gets the
executemany. :func:`insert_many` is the same for rows given as mappings (a statement per table and columns,
built on first use). :class:`BulkCopy` is for plain inserts of many rows (no conflict clause, nothing returned):
on PostgreSQL the COPY protocol, binary, the rows as tuples - no array per column to build, encode and unnest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

from asyncpg.exceptions import ConnectionDoesNotExistError, UniqueViolationError
from sqlalchemy import Result, Table, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeDecorator

from kabinet.db.deadline import terminate
from kabinet.db.dialect import dialect_of, insert_for
from kabinet.metrics import DB_OPERATIONS


def unnest(table: Table, names: Sequence[str], prefix: str = "", *, bare: bool = False) -> Any:
    """``unnest(:<prefix><name>, ...) AS anon(<name>, ...)``: a derived table of the arrays bound by these
    names, typed as the table's columns (PostgreSQL only). ``bare``: a column type's own conversion
    (a ``TypeDecorator``'s, e.g. ``Amount``) is left to the caller (see :func:`processed_column`), the array
    bound as of its underlying type (the same SQL)."""
    arrays = [bindparam(f"{prefix}{n}", type_=ARRAY(_bare(table.c[n].type) if bare else table.c[n].type))
              for n in names]
    return func.unnest(*arrays).table_valued(*names).render_derived()


def _bare(type_: Any) -> Any:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


def _column_names(names: Sequence[str]) -> tuple[str, ...]:
    if len(set(names)) != len(names):
        raise ValueError(f"a column named twice in {list(names)}")
    return tuple(names)


def processed_column(name: str, values: Iterable[Any], process: Callable[[Any], Any]) -> list[Any]:
    """``process`` (column ``name``'s bind processing) applied to every value, once per distinct value: a
    column's values repeat (amounts, one batch's timestamp). By type too, so that a value of the wrong type (a
    float amount) is still refused - as ``StatementError``, as the statement would raise it."""
    try:
        return _once_per_value(values, process)
    except (ValueError, TypeError) as exc:
        raise StatementError(f"({type(exc).__name__}) {exc} [column {name}]", None, None, exc) from exc


def _once_per_value(values: Iterable[Any], process: Callable[[Any], Any]) -> list[Any]:
    values = values if isinstance(values, list | tuple) else list(values)
    if len(set(map(type, values))) == 1:  # one type (the usual column): its distinct values found in C
        try:
            done = {value: process(value) for value in dict.fromkeys(values)}
        except TypeError:  # unhashable (or refused by ``process``: raised again below, value by value)
            pass
        else:
            return [done[value] for value in values]
    memos: dict[type, dict[Any, Any]] = {}
    out = []
    for value in values:
        memo = memos.get(value.__class__)
        if memo is None:
            memo = memos[value.__class__] = {}
        try:
            done = memo[value]
        except KeyError:
            done = memo[value] = process(value)
        except TypeError:  # unhashable
            done = process(value)
        out.append(done)
    return out


class BulkInsert:
    """``INSERT INTO table (names)`` of many rows, on PostgreSQL as one ``SELECT * FROM unnest(...)``.

    ``finish`` completes the statement on either dialect (``on_conflict_do_nothing``/``do_update``,
    ``returning``); it gets the dialect's insert (``insert_for``). Build one per statement, at import time.
    On PostgreSQL a column type's own conversion (``Amount``'s check of two decimals, ``UtcDateTime``'s of a
    time zone) runs once per distinct value of the column rather than once per row (SQLAlchemy's array
    processing); a value it refuses raises ``StatementError`` as the statement would.
    """

    def __init__(self, table: Table, names: Sequence[str], finish: Callable[[Any], Any] = lambda stmt: stmt) -> None:
        self.table = table
        self.names = _column_names(names)
        self._finish = finish
        source = unnest(table, self.names, bare=True)
        self._pg = finish(pg_insert(table).from_select(self.names, select(*source.c)))
        self._sqlite: Any = None
        self._decorated: list[tuple[str, TypeDecorator[Any]]] = [
            (n, t) for n in self.names if isinstance(t := table.c[n].type, TypeDecorator)]

    async def execute(self, session: AsyncSession, columns: Mapping[str, Sequence[Any]]) -> Result[Any] | None:
        """Insert the rows (``columns``: each name to its values, all of one length); None when there are none."""
        n = len(columns[self.names[0]])
        if n == 0:
            return None
        if dialect_of(session) == "postgresql":
            params = {name: list(columns[name]) for name in self.names}
            dialect = session.get_bind().dialect
            for name, type_ in self._decorated:
                params[name] = processed_column(name, params[name],
                                                partial(type_.process_bind_param, dialect=dialect))
            result: Result[Any] = await session.execute(self._pg, params)
            return result
        if self._sqlite is None:
            self._sqlite = self._finish(insert_for(session, self.table))
        cols = [columns[name] for name in self.names]
        rows = [dict(zip(self.names, values, strict=True)) for values in zip(*cols, strict=True)]
        result = await session.execute(self._sqlite, rows)
        return result


# From this many rows a caller tries one COPY (BulkCopy.execute_unless_conflict) before its statement: one
# threshold for every such caller (billing: a batch's charges and its participants).
COPY_FROM = 64


class BulkCopy:
    """``INSERT INTO table (names)`` of many rows given as tuples in ``names`` order; nothing returned.

    On PostgreSQL the rows go by ``COPY ... FROM STDIN (FORMAT binary)`` on the session's connection, inside its
    transaction: asyncpg encodes each value with its column's codec as it writes the row (an array parameter per
    column costs, per value, SQLAlchemy's item processing and asyncpg's checks of whether it is a nested array).
    The same constraints, defaults and triggers apply as to an INSERT; the columns' own bind processing (e.g.
    ``Amount``'s two decimals, ``UtcDateTime``'s refusal of naive times) still runs, once per distinct value.
    SQLite gets the executemany. Build one per statement, at import time.
    """

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.names = _column_names(names)
        self._insert: Any = None
        self._processors: list[tuple[int, Callable[[Any], Any]]] | None = None
        self._counter = DB_OPERATIONS.labels("copy")

    def _processed(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if self._processors is None:
            dialect = session.get_bind().dialect
            self._processors = []
            for i, name in enumerate(self.names):
                found = self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if found is not None:
                    self._processors.append((i, found))
        if not self._processors:
            return [tuple(r) for r in rows]
        columns = list(zip(*rows, strict=True))
        for i, proc in self._processors:
            columns[i] = tuple(processed_column(self.names[i], columns[i], proc))
        return list(zip(*columns, strict=True))

    async def execute(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if dialect_of(session) != "postgresql":
            if self._insert is None:
                self._insert = insert_for(session, self.table)
            await session.execute(self._insert, [dict(zip(self.names, r, strict=True)) for r in rows])
            return
        records = self._processed(session, rows)
        driver = await _driver_in_transaction(session)
        self._counter.inc()
        await self._copy(session, driver, records)

    async def _copy(self, session: AsyncSession, driver: Any, records: list[tuple[Any, ...]]) -> None:
        try:
            await _until_lost(driver, driver.copy_records_to_table(
                self.table.name, records=records, columns=list(self.names), schema_name=self.table.schema))
        except ConnectionDoesNotExistError:
            terminate(session)  # SQLAlchemy told too: the rollback then sends nothing on the dead connection
            raise

    async def execute_unless_conflict(self, session: AsyncSession, rows: Sequence[Sequence[Any]]) -> bool:
        """All the rows by COPY (PostgreSQL), or none: False when one of them hits a unique key (a row already
        there, committed or by a transaction that then commits - waited for as an INSERT waits - or twice in
        ``rows``). The COPY runs in a savepoint, rolled back then, so the session's transaction goes on as if
        nothing was sent: the caller falls back to its ``INSERT ... ON CONFLICT``. For rows that are almost
        always new (a month's charges and participants): a plain COPY skips the conflict clause's speculative
        insertion, the array parameters and the rows returned. Not on SQLite: False without trying."""
        if not rows:
            return True
        if dialect_of(session) != "postgresql":
            return False
        records = self._processed(session, rows)
        driver = await _driver_in_transaction(session)
        self._counter.inc()
        await driver.execute("SAVEPOINT kabinet_bulk_copy")
        try:
            await self._copy(session, driver, records)
        except UniqueViolationError:
            await driver.execute("ROLLBACK TO SAVEPOINT kabinet_bulk_copy; RELEASE SAVEPOINT kabinet_bulk_copy")
            return False
        # Released: what the transaction writes next is its own again, not the savepoint's subtransaction's.
        await driver.execute("RELEASE SAVEPOINT kabinet_bulk_copy")
        return True


async def _until_lost(driver: Any, copy: Coroutine[Any, Any, object]) -> None:
    """Run asyncpg's COPY, ended at once if its connection is lost meanwhile: asyncpg waits for the socket to take
    more rows (flow control) and is not woken when the connection goes, so a connection cut mid-COPY waited for
    the caller's timeout (a consumer's 60 s). Raises ``ConnectionDoesNotExistError`` then (an outage)."""
    task = asyncio.current_task()
    assert task is not None
    lost = finished = False

    def on_lost(_connection: object) -> None:
        nonlocal lost
        if not finished:
            lost = True
            task.cancel()

    driver.add_termination_listener(on_lost)
    try:
        await copy
    except BaseException as exc:  # our cancel (or what asyncpg's clean-up of the dead connection raised instead)
        if not lost:
            raise
        if task.uncancel() > 0 and isinstance(exc, asyncio.CancelledError):
            raise  # cancelled by someone else too
        raise ConnectionDoesNotExistError("the connection was lost during COPY") from exc
    finally:
        finished = True
        driver.remove_termination_listener(on_lost)


async def _driver_in_transaction(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, its transaction begun on the server."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if not driver.is_in_transaction():
        # The session's transaction is begun on the server with its first statement: one first, so the
        # copy is in it (never autocommitted on its own).
        await connection.execute(text("SELECT 1"))
    return driver


@lru_cache(maxsize=256)
def _plain(table: Table, names: tuple[str, ...]) -> BulkInsert:
    return BulkInsert(table, names)


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same keys, column names of ``table``) into ``table`` (see BulkInsert)."""
    if not rows:
        return
    names = tuple(rows[0])
    await _plain(table, names).execute(session, {n: [r[n] for r in rows] for n in names})
