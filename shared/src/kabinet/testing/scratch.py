"""Scratch PostgreSQL databases and the command line of the benchmarks (bench/*.py).

    async with scratch_databases("bench_ledger") as urls:
        runtime = build_runtime(BillingSettings(database_url=urls["bench_ledger"]))

Each name gets a random suffix; the databases are dropped (WITH FORCE) when the block ends, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import Any

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """BENCH_POSTGRES_URL, else KABINET_TEST_POSTGRES_URL, else the local default; as a plain postgresql:// URL."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("KABINET_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fetch_value(dsn: str, sql: str) -> Any:
    """One value of one query, on a connection of its own (a benchmark's check of a service's database)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _each(admin_url: str, statement: str, names: Iterable[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        for db in names:
            await conn.execute(statement.format(db=db))
    finally:
        await conn.close()


async def create_databases(admin_url: str, names: Iterable[str]) -> None:
    """Create each database (callers drop what they asked for, with IF EXISTS, whatever was created)."""
    await _each(admin_url, 'CREATE DATABASE "{db}"', names)


async def drop_databases(admin_url: str, names: Iterable[str]) -> None:
    """Drop the databases (WITH FORCE: connections left open by a test or a benchmark are ended)."""
    await _each(admin_url, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', names)


@contextlib.asynccontextmanager
async def scratch_databases(*names: str, admin_url: str | None = None) -> AsyncIterator[dict[str, str]]:
    """Fresh databases for ``names`` (name -> postgresql:// URL), dropped at the end of the block."""
    admin = admin_url or postgres_admin_url()
    suffix = uuid.uuid4().hex[:8]
    dbs = {name: f"{name}_{suffix}" for name in names}
    try:
        await create_databases(admin, dbs.values())
        base = admin.rsplit("/", 1)[0]
        yield {name: f"{base}/{db}" for name, db in dbs.items()}
    finally:
        await drop_databases(admin, dbs.values())  # a fresh connection: the benchmark may have run for long


def bench_main(run: Callable[[argparse.Namespace], Coroutine[Any, Any, None]], **defaults: int) -> None:
    """Parse ``--<name> N`` for each default (underscores as dashes), quiet logging, and run ``run(args)``."""
    parser = argparse.ArgumentParser()
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))
