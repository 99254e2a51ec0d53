"""Idempotency keys: the first request's hash and result per (scope, key)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import idempotency_keys
from kabinet.db.dialect import insert_for


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, scope: str, key: str, request_hash: str) -> tuple[str, str | None] | None:
        """The key row is inserted first: a concurrent request with the same key waits on the unique index
        until the first commits (then this returns its hash and result) or rolls back (then this claims it)."""
        k = idempotency_keys
        stmt = insert_for(self.session, k).values(scope=scope, key=key, request_hash=request_hash, result=None,
                                                  created_at=datetime.now(UTC))
        claimed = (await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["scope", "key"])
                                              .returning(k.c.key))).first()
        if claimed is not None:
            return None
        row = (await self.session.execute(select(k.c.request_hash, k.c.result)
                                          .where(k.c.scope == scope, k.c.key == key))).one()
        return str(row.request_hash), row.result

    async def store(self, scope: str, key: str, result: str) -> None:
        k = idempotency_keys
        await self.session.execute(update(k).where(k.c.scope == scope, k.c.key == key).values(result=result))
