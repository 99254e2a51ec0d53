"""Schema drift: a service's database migrated to head, compared with the metadata its code queries through.

Every database a service runs on is made by its migrations (``migrate`` on PostgreSQL, start-up in embedded mode on
SQLite), never by ``metadata.create_all``; a difference between the two is an index, constraint, default or type the
code believes in and production does not have. Each service's ``test_schema_matches_metadata`` asserts::

    assert await schema_differences(MIGRATIONS, metadata, url) == []

Alembic's ``compare_metadata`` covers tables, columns, types, nullability, server defaults, indexes, unique
constraints and foreign keys. It does not look at partial-index predicates nor at whether an autoincrementing key
still gets its values from the database, so those two are checked here as well. What is allowed, and why, is in
:mod:`kabinet.db.compare`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index, MetaData, Table, inspect, pool
from sqlalchemy.engine import Connection, Inspector
from sqlalchemy.schema import DefaultClause
from sqlalchemy.sql.elements import ClauseElement

from kabinet.db.compare import same_default, same_type
from kabinet.db.engine import create_engine
from kabinet.db.migrations import upgrade


async def schema_differences(script_location: Path, metadata: MetaData, url: str) -> list[str]:
    """Migrate ``url`` to head and describe every way it differs from ``metadata`` (empty: none)."""
    await upgrade(script_location, url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(differences, metadata)
    finally:
        await engine.dispose()


def differences(conn: Connection, metadata: MetaData) -> list[str]:
    """Every way the database behind ``conn`` differs from ``metadata``, one line each."""
    ctx = MigrationContext.configure(conn, opts={"compare_type": same_type, "compare_server_default": same_default})
    found = [_describe(diff) for diff in _flat(compare_metadata(ctx, metadata))]
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        found += _predicate_differences(conn, inspector, table)
        found += _autoincrement_differences(conn, inspector, table)
    return found


# -- what compare_metadata does not look at -------------------------------------------------------------------

def _predicate_differences(conn: Connection, inspector: Inspector, table: Table) -> list[str]:
    """A partial index's WHERE (the outbox's unpublished rows): missing, or different, is a full index scan."""
    dialect = conn.dialect.name
    reflected = {ix["name"]: ix for ix in inspector.get_indexes(table.name)}
    found = []
    for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
        if index.name not in reflected:
            continue  # compare_metadata reports it
        want = _predicate(conn, index.dialect_options[dialect]["where"]) if dialect in index.dialect_options else ""
        have = _predicate(conn, reflected[index.name].get("dialect_options", {}).get(f"{dialect}_where"))
        if want != have:
            found.append(f"index_predicate {table.name}.{index.name}: database {have or '-'!r}, "
                         f"metadata {want or '-'!r}")
    return found


def _predicate(conn: Connection, where: ClauseElement | str | None) -> str:
    if where is None:
        return ""
    text = where if isinstance(where, str) else str(
        conn.dialect.statement_compiler(conn.dialect, None).process(where, include_table=False, literal_binds=True))
    # PostgreSQL reads its predicates back parenthesised; case and spacing are not part of the meaning either.
    return re.sub(r"[()\s]+", " ", text).strip().lower()


def _autoincrement_differences(conn: Connection, inspector: Inspector, table: Table) -> list[str]:
    """The metadata's autoincrementing key must be one in the database: inserts leave it out."""
    column = table.autoincrement_column
    if column is None:
        return []
    info = next((c for c in inspector.get_columns(table.name) if c["name"] == column.name), None)
    if info is None:
        return []  # compare_metadata reports the missing column
    if conn.dialect.name == "postgresql":
        ok = bool(info.get("identity")) or str(info.get("default") or "").startswith("nextval(")
    elif conn.dialect.name == "sqlite":
        # Only a column declared exactly INTEGER PRIMARY KEY is the rowid (BIGINT PRIMARY KEY gets no values).
        pk = inspector.get_pk_constraint(table.name)["constrained_columns"]
        ok = pk == [column.name] and info["type"].compile(conn.dialect) == "INTEGER"
    else:
        return []
    return [] if ok else [f"autoincrement {table.name}.{column.name}: the database does not generate it"]


# -- readable differences -----------------------------------------------------------------------------------

def _flat(diffs: list[Any]) -> list[tuple[Any, ...]]:
    return [d for item in diffs for d in (item if isinstance(item, list) else [item])]


def _describe(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    if kind.startswith("modify_"):  # (kind, schema, table, column, existing, database's, metadata's)
        return f"{kind} {diff[2]}.{diff[3]}: database {_show(diff[5])}, metadata {_show(diff[6])}"
    if kind in ("add_column", "remove_column"):  # (kind, schema, table, column)
        return f"{kind} {diff[2]}.{diff[3].name}"
    obj = diff[1]
    if isinstance(obj, Table):
        return f"{kind} {obj.name}"
    if isinstance(obj, Index):
        return f"{kind} {obj.table.name if obj.table is not None else '?'}.{obj.name}"
    # a unique or foreign key constraint
    columns = ", ".join(c.name for c in obj.columns)
    return f"{kind} {obj.table.name}.{obj.name or '(unnamed)'} ({columns})"


def _show(value: Any) -> str:
    if isinstance(value, DefaultClause):
        arg = value.arg
        return f"DEFAULT {arg if isinstance(arg, str) else str(arg)!r}"
    return repr(value)
