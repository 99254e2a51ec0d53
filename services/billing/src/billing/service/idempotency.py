"""Idempotency keys: a replay returns the first result; the same key with other content is refused.

A key is its caller's (``scope``: the signed-in user's id, or ``provider:<name>`` for payment notifications):
another admin who happens to use my key neither gets my stored result nor is refused for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from billing.adapters.tables import idempotency_keys
from kabinet.auth.principal import Principal
from kabinet.db import UnitOfWork
from kabinet.db.dialect import insert_for
from kabinet.errors import IdempotencyKeyReused, InvalidInput

Result = dict[str, Any]


def request_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_of(p: Principal) -> str:
    """Whose keys: the user's (the same person with a fresh token is the same caller)."""
    return f"user:{p.user_id}"


async def run_once(uow: UnitOfWork, scope: str, key: str | None, content: dict[str, Any],
                   action: Callable[[], Awaitable[Result]]) -> tuple[Result, bool]:
    """Run ``action`` once per (scope, key), in the caller's transaction; returns (result, replayed).

    The key row is inserted first: a concurrent request with the same key waits on the unique index until
    the first commits (then replays its result) or rolls back (then runs itself). A failed action rolls the
    key back with everything else, so a failed request may be retried with the same key.
    """
    if key is None:
        return await action(), False
    if not key.strip() or len(key) > 200:
        raise InvalidInput("The idempotency key must be 1–200 characters.", field="idempotencyKey")
    digest = request_hash(content)
    k = idempotency_keys
    stmt = insert_for(uow.session, k).values(scope=scope, key=key, request_hash=digest, result=None,
                                              created_at=datetime.now(UTC))
    claimed = (await uow.session.execute(stmt.on_conflict_do_nothing(index_elements=["scope", "key"])
                                         .returning(k.c.key))).first()
    mine = (k.c.scope == scope) & (k.c.key == key)
    if claimed is None:
        row = (await uow.session.execute(select(k.c.request_hash, k.c.result).where(mine))).one()
        if row.request_hash != digest:
            raise IdempotencyKeyReused(field="idempotencyKey")
        return json.loads(row.result), True
    result = await action()
    await uow.session.execute(update(k).where(mine).values(result=json.dumps(result, default=str)))
    return result, False
