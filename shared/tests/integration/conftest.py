"""The kit's SQL helpers run on both dialects the services use: PostgreSQL and the embedded mode's SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db import create_engine


@pytest.fixture
async def engine(request: pytest.FixtureRequest, empty_database: str) -> AsyncIterator[AsyncEngine]:
    """A fresh database on each dialect with the test module's tables: its ``create_schema(connection)`` runs first."""
    eng = create_engine(empty_database)
    async with eng.begin() as conn:
        await conn.run_sync(request.module.create_schema)
    yield eng
    await eng.dispose()
