"""Idempotency keys for retriable mutations: the one way every service does it.

A client sends a key with a mutation; a retry with the same key and the same request gets the first result
back (nothing runs twice); the same key with a different request is refused (:class:`IdempotencyKeyReused`).
A key belongs to its caller's *scope* (``user:<id>``, ``provider:<name>``): another caller's same key is
another key.

The use case sees only this module (no SQL)::

    claim = await uow.idempotency.claim(user_scope(p.user_id), cmd.idempotency_key, "record_payment", cmd)
    if claim.replayed:
        return claim.result            # typed: what the first request returned
    result = ...                       # the work
    await uow.idempotency.store(claim, result)
    await uow.commit()                 # the key, its result and the change commit together

or ``outcome = await uow.idempotency.run_once(scope, key, "record_payment", cmd, action)``.

The storage behind it is a :class:`KeyStore`: ``kabinet.db.idempotency.SqlKeyStore`` (the table from
``idempotency_table``) or :class:`MemoryKeyStore` for unit tests. The key row is inserted first
(``INSERT .. ON CONFLICT DO NOTHING``), so a concurrent request with the same key waits on the unique index
until the first commits (then replays its result) or rolls back (then runs itself).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

from kabinet.errors import Conflict, IdempotencyKeyReused, InvalidInput

T = TypeVar("T")

KEY_FIELD = "idempotencyKey"
MAX_KEY_LENGTH = 200


def user_scope(user_id: str | None) -> str:
    """The scope of a signed-in person's keys (the same person with a fresh token is the same caller)."""
    return f"user:{user_id or 'anonymous'}"


def provider_scope(name: str) -> str:
    """The scope of an outside system's keys (a payment provider's notification ids)."""
    return f"provider:{name}"


def fingerprint(operation: str, request: Any) -> str:
    """The request's hash: the operation and its canonical JSON (dataclasses, Decimal, datetime, enums...)."""
    canonical = json.dumps([operation, to_jsonable_python(request)], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeyInProgress(Conflict):
    """The key was claimed and committed without a result (a use case that claimed and did not store)."""

    code = "IDEMPOTENCY_KEY_IN_PROGRESS"
    message = "A request with this idempotency key has no result yet; retry with a new key."


# -- codecs: how a result is kept as text ----------------------------------------------------------------------

class Codec(Protocol[T]):
    def encode(self, value: T) -> str: ...

    def decode(self, text: str) -> T: ...


class TextCodec:
    """A ``str`` result (an id) kept as it is."""

    def encode(self, value: str) -> str:
        return value

    def decode(self, text: str) -> str:
        return text


class JsonCodec(Generic[T]):
    """Any type pydantic can validate: dataclasses (nested, with ``Money``, ``Decimal``, ``datetime``...),
    pydantic models, ``dict``/``list`` of those. ``JsonCodec(SaveResult)``."""

    def __init__(self, tp: type[T] | Any) -> None:
        self._adapter: TypeAdapter[T] = TypeAdapter(tp)

    def encode(self, value: T) -> str:
        return self._adapter.dump_json(value).decode()

    def decode(self, text: str) -> T:
        return self._adapter.validate_json(text)


def codec_for(tp: type[T]) -> Codec[T]:
    """``str`` as plain text (the ids services stored so far), anything else as JSON (one codec per type: building
    pydantic's validator costs far more than a request should)."""
    return cast(Codec[T], _codec_for(cast(Hashable, tp)))


@functools.cache
def _codec_for(tp: Hashable) -> Codec[Any]:
    return TextCodec() if tp is str else JsonCodec(tp)


# -- storage -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StoredKey:
    request_hash: str
    result: str | None


class KeyStore(Protocol):
    """Where keys live: one row per (scope, key), in the caller's transaction."""

    async def insert(self, scope: str, key: str, request_hash: str, at: datetime) -> StoredKey | None:
        """Claim the key: None when this call inserted it, else the row already there (after waiting for
        a concurrent transaction that holds it to finish)."""
        ...

    async def set_result(self, scope: str, key: str, result: str) -> None: ...


class MemoryKeyStore:
    """For unit tests' in-memory units of work. Like the table, keys claimed or stored since the last
    :meth:`commit` are dropped by :meth:`rollback` (call both from the memory unit of work's own); without
    those calls every claim is kept at once."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], StoredKey] = {}
        self._before: dict[tuple[str, str], StoredKey] | None = None  # the rows at the last commit

    async def insert(self, scope: str, key: str, request_hash: str, at: datetime) -> StoredKey | None:
        found = self.rows.get((scope, key))
        if found is None:
            self._remember()
            self.rows[(scope, key)] = StoredKey(request_hash, None)
        return found

    async def set_result(self, scope: str, key: str, result: str) -> None:
        self._remember()
        self.rows[(scope, key)] = StoredKey(self.rows[(scope, key)].request_hash, result)

    def _remember(self) -> None:
        if self._before is None:
            self._before = dict(self.rows)

    def commit(self) -> None:
        self._before = None

    def rollback(self) -> None:
        if self._before is not None:
            self.rows, self._before = self._before, None


# -- the API -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Claim(Generic[T]):
    """The outcome of :meth:`Idempotency.claim`: ``replayed`` with the first ``result``, or this request's
    to run (then :meth:`Idempotency.store` its result). ``key`` None: no key was given, nothing is kept."""

    scope: str
    key: str | None
    replayed: bool = False
    previous: T | None = None

    @property
    def result(self) -> T:
        """The first request's result (only when ``replayed``)."""
        if not self.replayed:
            raise LookupError("not a replay: this request runs and stores its own result")
        return cast(T, self.previous)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    result: T
    replayed: bool


class Idempotency(Generic[T]):
    """Claim / replay / store over a :class:`KeyStore`, results of type ``T`` through a :class:`Codec`.

    ``Idempotency(store, str)`` or ``Idempotency(store, SaveResult)`` or ``Idempotency(store, codec=...)``.
    """

    def __init__(self, store: KeyStore, result_type: type[T] | None = None, *, codec: Codec[T] | None = None,
                 max_key_length: int = MAX_KEY_LENGTH, field: str = KEY_FIELD,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if codec is None:
            if result_type is None:
                raise TypeError("give the result type or a codec")
            codec = codec_for(result_type)
        self._store, self._codec, self._max, self._field, self._clock = store, codec, max_key_length, field, clock

    async def claim(self, scope: str, key: str | None, operation: str, request: Any) -> Claim[T]:
        """Reserve ``key`` for this request, or return the first request's result.

        Raises :class:`IdempotencyKeyReused` when the key was used for another request (another operation or
        other content), :class:`InvalidInput` for a blank or too long key.
        """
        if key is None:
            return Claim(scope, None)
        if not key.strip() or len(key) > self._max:
            raise InvalidInput(f"The idempotency key must be 1–{self._max} characters.", field=self._field)
        digest = fingerprint(operation, request)
        found = await self._store.insert(scope, key, digest, self._clock())
        if found is None:
            return Claim(scope, key)
        if found.request_hash != digest:
            raise IdempotencyKeyReused(field=self._field)
        if found.result is None:
            raise IdempotencyKeyInProgress(field=self._field)
        return Claim(scope, key, replayed=True, previous=self._codec.decode(found.result))

    async def store(self, claim: Claim[T], result: T) -> None:
        """Keep this request's result with its key (in the same transaction as the work: commit after)."""
        if claim.replayed:
            raise ValueError("a replayed claim already has its result")
        if claim.key is not None:
            await self._store.set_result(claim.scope, claim.key, self._codec.encode(result))

    async def run_once(self, scope: str, key: str | None, operation: str, request: Any,
                       action: Callable[[], Awaitable[T]]) -> Outcome[T]:
        """Claim; on a replay return the first result, else run ``action`` and store what it returns."""
        claim = await self.claim(scope, key, operation, request)
        if claim.replayed:
            return Outcome(claim.result, replayed=True)
        result = await action()
        await self.store(claim, result)
        return Outcome(result, replayed=False)



class IdempotencyKeys:
    """A unit of work's keys, for every operation whatever its result type: ``uow.idempotency.of(BookResult)``."""

    def __init__(self, store: KeyStore, *, max_key_length: int = MAX_KEY_LENGTH, field: str = KEY_FIELD) -> None:
        self._store, self._max, self._field = store, max_key_length, field

    def of(self, result_type: type[T]) -> Idempotency[T]:
        return Idempotency(self._store, result_type, max_key_length=self._max, field=self._field)


__all__ = [
    "Claim",
    "Codec",
    "Idempotency",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyReused",
    "IdempotencyKeys",
    "JsonCodec",
    "KeyStore",
    "MemoryKeyStore",
    "Outcome",
    "StoredKey",
    "TextCodec",
    "codec_for",
    "fingerprint",
    "provider_scope",
    "user_scope",
]
