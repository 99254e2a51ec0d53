"""The kit's SQL helpers run on both dialects the services use: PostgreSQL and the embedded mode's SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db import create_engine


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path,
                 database_factory: Callable[[str], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the test module's tables: its ``create_schema(connection)`` runs first."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    url = await database_factory(name) if request.param == "postgresql" else f"sqlite:///{tmp_path}/{name}.db"
    eng = create_engine(url)
    async with eng.begin() as conn:
        await conn.run_sync(request.module.create_schema)
    yield eng
    await eng.dispose()
