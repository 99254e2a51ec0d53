"""Retriable mutations: the same idempotency key with the same input returns the first result."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from identity.adapters.credential_store import CredentialStore
from kabinet.db import UnitOfWork
from kabinet.errors import IdempotencyKeyReused


def request_hash(operation: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([operation, payload], sort_keys=True, default=str).encode()).hexdigest()


async def previous_result(uow: UnitOfWork, subject: str, key: str | None, operation: str,
                          payload: Any) -> str | None:
    """The id the first call produced, or None for a first call; a different input is an error."""
    if not key:
        return None
    found = await CredentialStore(uow.session).idempotent_result(subject, key)
    if found is None:
        return None
    op, digest, result_id = found
    if op != operation or digest != request_hash(operation, payload):
        raise IdempotencyKeyReused(field="idempotencyKey")
    return result_id


async def remember_result(uow: UnitOfWork, subject: str, key: str | None, operation: str, payload: Any,
                          result_id: str, now: Any) -> None:
    if key:
        await CredentialStore(uow.session).remember(subject, key[:100], operation, request_hash(operation, payload),
                                                    result_id, now)
