"""Idempotency keys for retriable mutations: a retry returns the first result, a reused key is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from kabinet.auth.principal import Principal
from kabinet.db import UnitOfWork
from kabinet.db.dialect import insert_for
from kabinet.errors import IdempotencyKeyReused
from scheduling.adapters.tables import idempotency_keys


def _who(p: Principal) -> str:
    return (p.user_id or p.staff_id or "anonymous")[:64]


def request_hash(operation: str, args: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([operation, args], sort_keys=True, default=str).encode()).hexdigest()


async def replayed(uow: UnitOfWork, p: Principal, key: str | None, operation: str,
                   args: dict[str, Any]) -> str | None:
    """The id the first request with this key produced, or None when this is the first (then it is reserved)."""
    if not key:
        return None
    digest = request_hash(operation, args)
    t = idempotency_keys
    stmt = insert_for(uow.session, t).values(principal=_who(p), key=key[:100], operation=operation,
                                          request_hash=digest, result_id=None, created_at=datetime.now(UTC))
    if (await uow.session.execute(stmt.on_conflict_do_nothing().returning(t.c.key))).first() is not None:
        return None
    row = (await uow.session.execute(select(t).where(t.c.principal == _who(p), t.c.key == key[:100]))).one()
    if row.request_hash != digest:
        raise IdempotencyKeyReused(field="idempotencyKey")
    return str(row.result_id or "")


async def begin(uow: UnitOfWork, p: Principal, key: str | None, operation: str, args: dict[str, Any]) -> str | None:
    """Reserve the key in this unit of work; returns the earlier result id when this is a retry."""
    prior = await replayed(uow, p, key, operation, args)
    if key and prior is None:
        setattr(uow, "_idempotency", (_who(p), key[:100]))  # noqa: B010
    return prior


async def finish(uow: UnitOfWork, result_id: str) -> None:
    """Called by a retriable use case just before it commits: the key and the result commit together."""
    keyed = getattr(uow, "_idempotency", None)
    if keyed:
        t = idempotency_keys
        await uow.session.execute(t.update().where(t.c.principal == keyed[0], t.c.key == keyed[1])
                                  .values(result_id=result_id))
