"""INSERT ... ON CONFLICT for both databases learning runs on (PostgreSQL; SQLite in embedded mode)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Table) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    return (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
