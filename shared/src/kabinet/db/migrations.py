"""Alembic glue shared by every service's ``migrations/env.py`` and ``migrate`` command.

Migrations run on the service's async engine through ``run_sync`` (Alembic's cookbook pattern), so the
same code applies them from a CLI and from embedded-mode start-up inside a running event loop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context, op
from alembic.config import Config
from alembic.operations.ops import CreateIndexOp, CreateTableOp
from sqlalchemy import MetaData, Table, pool
from sqlalchemy.engine import Connection

from kabinet.db.compare import same_default, same_type
from kabinet.db.engine import create_engine, normalise_url
from kabinet.db.idempotency import TABLE_NAME, idempotency_table
from kabinet.db.messaging_tables import DEAD_LETTERS, add_dead_letter_table, add_messaging_tables


def alembic_config(script_location: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


# Alembic's ``context`` is a module-level proxy: two migrations at once in one process corrupt it.
_lock = asyncio.Lock()


async def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Apply the service's migrations to ``url`` (idempotent: an up-to-date database is left alone)."""
    async with _lock:
        await _upgrade(script_location, url, revision)


async def _upgrade(script_location: Path, url: str, revision: str) -> None:
    cfg = alembic_config(script_location, url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:

            def _run(sync_conn: Connection) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, revision)

            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def run_env(metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``."""
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection, metadata)
        return
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                          literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    async def _online() -> None:
        engine = create_engine(str(config.get_main_option("sqlalchemy.url")), poolclass=pool.NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(_run_with, metadata)
        await engine.dispose()

    asyncio.run(_online())


def _run_with(connection: Connection, metadata: MetaData) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables there.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=same_type, compare_server_default=same_default)
    with context.begin_transaction():
        context.run_migrations()


# -- the kit's tables in a service's migration ------------------------------------------------------------------
# Every service creates its outbox, inbox, dead letters and idempotency keys from the same definitions its metadata
# uses, so the tables are alike in all four databases and a migration never spells their columns out again:
#
#     from kabinet.db.migrations import create_dead_letter_table, create_idempotency_table, create_messaging_tables
#     def upgrade() -> None:
#         create_messaging_tables()
#         create_dead_letter_table()
#         create_idempotency_table()


def create_tables(*tables: Table) -> None:
    """``op.create_table`` for tables defined in code, with their indexes (online and ``--sql`` offline)."""
    for table in tables:
        op.invoke(CreateTableOp.from_table(table))
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            op.invoke(CreateIndexOp.from_index(index))


def drop_tables(*names: str) -> None:
    for name in names:
        op.drop_table(name)  # its indexes go with it


def create_messaging_tables() -> None:
    """The ``outbox`` and ``inbox`` tables, as :func:`kabinet.db.add_messaging_tables` defines them."""
    create_tables(*add_messaging_tables(MetaData()))


def drop_messaging_tables() -> None:
    drop_tables("inbox", "outbox")


def create_dead_letter_table() -> None:
    """The ``dead_letters`` table, as :func:`kabinet.db.messaging_tables.add_dead_letter_table` defines it."""
    create_tables(add_dead_letter_table(MetaData()))


def drop_dead_letter_table() -> None:
    drop_tables(DEAD_LETTERS)


def create_idempotency_table(name: str = TABLE_NAME) -> None:
    """The idempotency keys table, as :func:`kabinet.db.idempotency.idempotency_table` defines it."""
    create_tables(idempotency_table(MetaData(), name))


def drop_idempotency_table(name: str = TABLE_NAME) -> None:
    drop_tables(name)


def replace_idempotency_table(copy_select: str, name: str = TABLE_NAME, old: str | None = None) -> None:
    """Replace a service's own keys table ``old`` (default: ``name``) with the kit's, copying its rows.

    ``copy_select`` selects ``scope, key, request_hash, result, created_at`` from the old table, named
    ``{old}_old`` while it runs, e.g. ``"SELECT 'user:' || subject, key, request_hash, result_id, created_at
    FROM idempotency_keys_old"``. On PostgreSQL the old table's primary key is renamed first (constraint names
    are per schema there, and the kit's is ``pk_<name>``).
    """
    old = old or name
    op.rename_table(old, f"{old}_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'ALTER INDEX IF EXISTS "pk_{name}" RENAME TO "pk_{name}_old"')
    create_idempotency_table(name)
    op.execute(f"INSERT INTO {name} (scope, key, request_hash, result, created_at) {copy_select}")
    op.drop_table(f"{old}_old")
