"""Retriable mutations: the same idempotency key with the same input returns the first result."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from identity.domain.credentials import IdempotentResult
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.errors import IdempotencyKeyReused


def request_hash(operation: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([operation, payload], sort_keys=True, default=str).encode()).hexdigest()


async def previous_result(uow: IdentityUnitOfWork, subject: str, key: str | None, operation: str,
                          payload: Any) -> str | None:
    """The id the first call produced, or None for a first call; a different input is an error."""
    if not key:
        return None
    found = await uow.idempotency.get(subject, key)
    if found is None:
        return None
    if found.operation != operation or found.request_hash != request_hash(operation, payload):
        raise IdempotencyKeyReused(field="idempotencyKey")
    return found.result_id


async def remember_result(uow: IdentityUnitOfWork, subject: str, key: str | None, operation: str, payload: Any,
                          result_id: str, now: datetime) -> None:
    if key:
        await uow.idempotency.remember(subject, key[:100],
                                       IdempotentResult(operation, request_hash(operation, payload), result_id), now)
