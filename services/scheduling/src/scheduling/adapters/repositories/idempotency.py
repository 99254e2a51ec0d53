"""Idempotency keys for retriable mutations: a retry returns the first result, a reused key is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.auth.principal import Principal
from kabinet.db.dialect import insert_for
from kabinet.errors import IdempotencyKeyReused
from scheduling.adapters.tables import idempotency_keys


def _who(p: Principal) -> str:
    return (p.user_id or p.staff_id or "anonymous")[:64]


def request_hash(operation: str, args: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([operation, args], sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyRepository:
    """One per unit of work: it remembers the key it reserved, so ``store`` writes that key's result."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._reserved: tuple[str, str] | None = None

    async def claim(self, p: Principal, key: str | None, operation: str, args: dict[str, Any]) -> str | None:
        """The id the first request with this key produced, or None when this is the first (then it is
        reserved in this unit of work)."""
        if not key:
            return None
        digest = request_hash(operation, args)
        t = idempotency_keys
        stmt = insert_for(self.session, t).values(principal=_who(p), key=key[:100], operation=operation,
                                                  request_hash=digest, result_id=None, created_at=datetime.now(UTC))
        if (await self.session.execute(stmt.on_conflict_do_nothing().returning(t.c.key))).first() is not None:
            self._reserved = (_who(p), key[:100])
            return None
        row = (await self.session.execute(select(t).where(t.c.principal == _who(p), t.c.key == key[:100]))).one()
        if row.request_hash != digest:
            raise IdempotencyKeyReused(field="idempotencyKey")
        return str(row.result_id or "")

    async def store(self, result_id: str) -> None:
        """Called by a retriable use case just before it commits: the key and the result commit together."""
        if self._reserved is not None:
            t = idempotency_keys
            await self.session.execute(t.update().where(t.c.principal == self._reserved[0],
                                                        t.c.key == self._reserved[1]).values(result_id=result_id))
