"""The kit's idempotency keys on the in-memory store: claim / replay / store with a typed result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kabinet.errors import IdempotencyKeyReused, InvalidInput
from kabinet.idempotency import (
    Idempotency,
    IdempotencyKeyInProgress,
    IdempotencyKeys,
    JsonCodec,
    MemoryKeyStore,
    TextCodec,
    codec_for,
    fingerprint,
    provider_scope,
    user_scope,
)
from kabinet.money import Money


@dataclass(frozen=True)
class Pay:
    family_id: str
    amount: Decimal


@dataclass(frozen=True)
class Paid:
    payment_id: str
    amount: Money
    at: datetime
    lines: tuple[str, ...] = ()


PAID = Paid("p1", Money.of("1200.50"), datetime(2026, 12, 6, 10, tzinfo=UTC), ("a", "b"))


async def test_first_claim_runs_and_a_retry_replays_the_typed_result():
    idem = Idempotency(MemoryKeyStore(), Paid)
    claim = await idem.claim(user_scope("u1"), "k1", "pay", Pay("f1", Decimal("1200.50")))
    assert not claim.replayed
    await idem.store(claim, PAID)
    again = await idem.claim(user_scope("u1"), "k1", "pay", Pay("f1", Decimal("1200.50")))
    assert again.replayed
    assert again.result == PAID
    assert isinstance(again.result.amount, Money) and isinstance(again.result.at, datetime)


async def test_the_same_key_with_another_request_or_operation_is_refused():
    idem = Idempotency(MemoryKeyStore(), str)
    await idem.store(await idem.claim("user:u1", "k1", "pay", {"amount": "1"}), "r1")
    with pytest.raises(IdempotencyKeyReused) as err:
        await idem.claim("user:u1", "k1", "pay", {"amount": "2"})
    assert err.value.field == "idempotencyKey"
    with pytest.raises(IdempotencyKeyReused):
        await idem.claim("user:u1", "k1", "refund", {"amount": "1"})


async def test_keys_are_scoped_to_their_caller():
    idem = Idempotency(MemoryKeyStore(), str)
    await idem.store(await idem.claim(user_scope("u1"), "k", "pay", 1), "mine")
    other = await idem.claim(user_scope("u2"), "k", "pay", 2)
    assert not other.replayed
    provider = await idem.claim(provider_scope("yookassa"), "k", "pay", 3)
    assert not provider.replayed
    assert provider_scope("yookassa") == "provider:yookassa" and user_scope("u1") == "user:u1"


async def test_without_a_key_nothing_is_kept_and_every_call_runs():
    store = MemoryKeyStore()
    idem = Idempotency(store, str)
    claim = await idem.claim("user:u1", None, "pay", 1)
    assert not claim.replayed and claim.key is None
    await idem.store(claim, "r")
    assert store.rows == {}
    with pytest.raises(LookupError):
        _ = claim.result


async def test_run_once_runs_the_action_once():
    idem = Idempotency(MemoryKeyStore(), Paid)
    calls = []

    async def action() -> Paid:
        calls.append(1)
        return PAID

    first = await idem.run_once("user:u1", "k", "pay", {"a": 1}, action)
    second = await idem.run_once("user:u1", "k", "pay", {"a": 1}, action)
    assert (first.replayed, second.replayed) == (False, True)
    assert first.result == second.result == PAID
    assert calls == [1]


@pytest.mark.parametrize("key", ["", "   ", "x" * 201])
async def test_blank_or_long_keys_are_invalid_input(key: str):
    with pytest.raises(InvalidInput) as err:
        await Idempotency(MemoryKeyStore(), str).claim("user:u1", key, "pay", 1)
    assert err.value.field == "idempotencyKey"


async def test_a_key_committed_without_a_result_is_in_progress():
    idem = Idempotency(MemoryKeyStore(), str)
    await idem.claim("user:u1", "k", "pay", 1)
    with pytest.raises(IdempotencyKeyInProgress):
        await idem.claim("user:u1", "k", "pay", 1)


async def test_a_replayed_claim_cannot_store_again():
    idem = Idempotency(MemoryKeyStore(), str)
    await idem.store(await idem.claim("s", "k", "op", 1), "r")
    with pytest.raises(ValueError, match="replayed"):
        await idem.store(await idem.claim("s", "k", "op", 1), "other")


def test_fingerprint_is_canonical_and_matches_the_services_former_hash():
    import hashlib
    import json

    payload = {"b": 1, "a": "x"}
    former = hashlib.sha256(json.dumps(["op", payload], sort_keys=True, default=str).encode()).hexdigest()
    assert fingerprint("op", payload) == former  # identity's and scheduling's stored hashes stay valid
    assert fingerprint("op", {"a": "x", "b": 1}) == former
    assert fingerprint("op", Pay("f", Decimal("1.50"))) == fingerprint("op", {"family_id": "f", "amount": "1.50"})
    assert fingerprint("op", payload) != fingerprint("other", payload)


def test_codecs():
    assert isinstance(codec_for(str), TextCodec)
    assert codec_for(str).encode("abc") == "abc"  # ids are stored as they are (the former result_id column)
    codec = JsonCodec(dict[str, Decimal])
    assert codec.decode(codec.encode({"a": Decimal("1.5")})) == {"a": Decimal("1.5")}
    with pytest.raises(TypeError):
        Idempotency(MemoryKeyStore())


async def test_one_key_store_serves_operations_of_different_result_types():
    keys = IdempotencyKeys(MemoryKeyStore())
    paid = keys.of(Paid)
    await paid.store(await paid.claim("user:u1", "k1", "pay", 1), PAID)
    ids = keys.of(str)
    await ids.store(await ids.claim("user:u1", "k2", "add", 1), "s1")
    assert (await keys.of(Paid).claim("user:u1", "k1", "pay", 1)).result == PAID
    assert (await keys.of(str).claim("user:u1", "k2", "add", 1)).result == "s1"
    assert codec_for(Paid) is codec_for(Paid)  # built once per type


async def test_the_memory_store_drops_uncommitted_keys_on_rollback():
    store = MemoryKeyStore()
    idem = Idempotency(store, str)
    await idem.store(await idem.claim("s", "kept", "op", 1), "r1")
    store.commit()
    await idem.claim("s", "failed", "op", 1)  # the work fails: the unit of work rolls back
    store.rollback()
    assert not (await idem.claim("s", "failed", "op", 1)).replayed  # retried with the same key: runs
    assert (await idem.claim("s", "kept", "op", 1)).result == "r1"
