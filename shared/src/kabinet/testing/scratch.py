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


async def create_databases(admin_url: str, names: Iterable[str]) -> None:
    """Create each database (callers drop what they asked for, with IF EXISTS, whatever was created)."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        for db in names:
            await conn.execute(f'CREATE DATABASE "{db}"')
    finally:
        await conn.close()


async def drop_databases(admin_url: str, names: Iterable[str]) -> None:
    """Drop the databases (WITH FORCE: connections left open by a test or a benchmark are ended)."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        for db in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await conn.close()


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
