"""Idempotency keys: a replay returns the first result; the same key with other content is refused.

A key is its caller's (``scope``: the signed-in user's id, or ``provider:<name>`` for payment notifications):
another admin who happens to use my key neither gets my stored result nor is refused for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.errors import IdempotencyKeyReused, InvalidInput

Result = dict[str, Any]


def request_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_of(p: Principal) -> str:
    """Whose keys: the user's (the same person with a fresh token is the same caller)."""
    return f"user:{p.user_id}"


async def run_once(uow: BillingUnitOfWork, scope: str, key: str | None, content: dict[str, Any],
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
    first = await uow.idempotency.claim(scope, key, digest)
    if first is not None:
        first_hash, first_result = first
        if first_hash != digest:
            raise IdempotencyKeyReused(field="idempotencyKey")
        return json.loads(first_result or "null"), True
    result = await action()
    await uow.idempotency.store(scope, key, json.dumps(result, default=str))
    return result, False
