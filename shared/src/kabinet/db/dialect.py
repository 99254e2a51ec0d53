"""Statements that differ between the two databases a service runs on (PostgreSQL; SQLite when embedded)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "postgresql"


def insert_for(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ``ON CONFLICT`` (``on_conflict_do_nothing``/``do_update``) on both dialects."""
    return (sqlite_insert if dialect_of(session) == "sqlite" else pg_insert)(table)
