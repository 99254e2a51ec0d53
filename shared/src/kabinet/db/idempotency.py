"""The idempotency keys table (one per service database) and its :class:`kabinet.idempotency.KeyStore`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.dialect import insert_for
from kabinet.db.types import UtcDateTime
from kabinet.idempotency import StoredKey

TABLE_NAME = "idempotency_keys"


def idempotency_table(metadata: MetaData, name: str = TABLE_NAME) -> Table:
    """The keys of retriable mutations: ``(scope, key)``, the first request's hash and its result (text)."""
    return Table(
        name,
        metadata,
        Column("scope", String(120), nullable=False),
        Column("key", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("result", Text, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("scope", "key", name=f"pk_{name}"),
    )


class SqlKeyStore:
    """Keys in ``table`` through the unit of work's session (PostgreSQL or SQLite)."""

    def __init__(self, session: AsyncSession, table: Table) -> None:
        self.session, self.table = session, table

    async def insert(self, scope: str, key: str, request_hash: str, at: datetime) -> StoredKey | None:
        t = self.table
        # ON CONFLICT waits for a concurrent uncommitted insert of the same key (PostgreSQL: on the unique index;
        # SQLite: on the database's write lock), then either conflicts (it committed) or inserts (it rolled back).
        stmt = insert_for(self.session, t).values(scope=scope, key=key, request_hash=request_hash, result=None,
                                                   created_at=at)
        stmt = stmt.on_conflict_do_nothing(index_elements=["scope", "key"]).returning(t.c.key)
        if (await self.session.execute(stmt)).first() is not None:
            return None
        row = (await self.session.execute(
            select(t.c.request_hash, t.c.result).where(t.c.scope == scope, t.c.key == key))).one()
        return StoredKey(row.request_hash, row.result)

    async def set_result(self, scope: str, key: str, result: str) -> None:
        t = self.table
        await self.session.execute(update(t).where(t.c.scope == scope, t.c.key == key).values(result=result))
