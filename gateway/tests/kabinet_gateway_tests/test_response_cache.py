"""The response layer (gateway.cache.responses) end to end, on the entity cache's stack (real PostgreSQL and
RabbitMQ, GATEWAY_CACHE=memory):

- a repeated read is answered from the response layer: the same bytes, status and headers, no planning, no
  entity lookup;
- an event naming an entity of the answer (a payment at billing itself) makes the next read fresh;
- a mutation through the gateway by another principal (the admin pays) is in the guardian's next read at once;
- two guardians never share an answer; an answer with an error, and one with a root list, are never kept;
- in Redis too; and an answer lives no longer than the cached answers it was built from.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from gateway.cache import EntityCache, MemoryBackend, Pending, scope_for
from gateway.cache import responses as response_layer
from gateway.cache.redis_backend import RedisBackend
from kabinet.auth import Principal
from kabinet_gateway_tests import test_entity_cache as entity_cache_tests
from kabinet_gateway_tests.test_entity_cache import (
    ADMIN,
    B1,
    CABINET,
    OPEN_SLOTS,
    cache_of,
    guardian,
    lookups,
    pay,
    read,
    register,
    until_fresh,
)
from kabinet_stack.testing import StackHandle

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

# The entity cache's stacks (the same fixtures).
redis_proxy = entity_cache_tests.redis_proxy
redis_stack = entity_cache_tests.redis_stack


def answered(result: str) -> float:
    return REGISTRY.get_sample_value("gateway_response_cache_lookups_total", {"result": result}) or 0.0


def offered(outcome: str) -> float:
    return REGISTRY.get_sample_value("gateway_response_cache_stores_total", {"outcome": outcome}) or 0.0


async def read_from_layer(stack: StackHandle, who: Principal, family_id: str) -> dict[str, Any]:
    """Read until a read is answered by the response layer (events still arriving may drop the first answers)."""
    await read(stack, who, family_id)
    for _ in range(50):
        hits = answered("hit")
        family = await read(stack, who, family_id)
        if answered("hit") == hits + 1:
            return family
        await asyncio.sleep(0.1)
    raise AssertionError("no read was answered by the response layer")


async def test_a_repeated_read_is_answered_whole_with_the_same_bytes_and_headers(
    cached_stack: StackHandle,
) -> None:
    family, _ = await register(cached_stack, "Vera", "+7 912 000-02-01")
    await cached_stack.drain()
    parent = guardian(family)
    await read_from_layer(cached_stack, parent, family)
    pipeline = cached_stack.stack.gateway.state.gateway.pipeline
    body = {"query": CABINET, "variables": {"id": family}}
    headers = {"authorization": f"Bearer {cached_stack.token(parent)}", "x-correlation-id": "c-1"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached_stack.stack.app), base_url="http://t") as c:
        hits, entity_lookups, plannings = answered("hit"), lookups("hit") + lookups("miss"), pipeline.plannings
        cached = await c.post("/graphql", json=body, headers=headers)
        assert answered("hit") == hits + 1
        assert lookups("hit") + lookups("miss") == entity_lookups and pipeline.plannings == plannings
        # The same answer executed: the response layer off for one request (a cookie-less twin is the same).
        pipeline.cache_responses = False
        try:
            executed = await c.post("/graphql", json=body, headers=headers)
        finally:
            pipeline.cache_responses = True
        assert answered("hit") == hits + 1
    assert cached.status_code == executed.status_code == 200
    assert cached.content == executed.content
    assert dict(cached.headers) == dict(executed.headers)
    assert cached.json()["data"]["family"]["id"] == family


async def test_an_event_naming_an_entity_of_the_answer_makes_the_next_read_fresh(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Gleb", "+7 912 000-02-02")
    await cached_stack.drain()
    parent = guardian(family)
    assert (await read_from_layer(cached_stack, parent, family))["account"]["balance"]["amount"] == "0.00"
    # Paid at billing itself: only its events (naming the family) can tell the gateway.
    await pay(cached_stack.service_client("billing", ADMIN), family, "700")

    async def paid() -> bool:
        return (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "700.00"

    await until_fresh(paid)
    await cached_stack.drain()
    assert (await read_from_layer(cached_stack, parent, family))["account"]["balance"]["amount"] == "700.00"


async def test_a_mutation_by_another_principal_is_visible_at_once(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Ilya", "+7 912 000-02-03")
    await cached_stack.drain()
    parent = guardian(family)
    assert (await read_from_layer(cached_stack, parent, family))["account"]["balance"]["amount"] == "0.00"
    # The branch admin pays through the gateway; the guardian reads at once (no waiting for events).
    await pay(cached_stack.client(ADMIN), family, "250")
    hits, misses = lookups("hit"), lookups("miss")
    assert (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "250.00"
    # The payment dropped the family's billing answers only: the family and its names (identity) came from the
    # entity cache, the account from billing.
    assert lookups("hit") > hits and lookups("miss") > misses

    # A document already planned as a mutation pays no response-layer lookup (its answer is never kept).
    backend = cache_of(cached_stack).backend
    asked: list[list[str]] = []
    get_many = backend.get_many

    async def counted(keys: list[str]) -> list[bytes | None]:
        asked.append(keys)
        return await get_many(keys)

    backend.get_many = counted  # type: ignore[method-assign]
    try:
        await pay(cached_stack.client(ADMIN), family, "50")
    finally:
        backend.get_many = get_many  # type: ignore[method-assign]
    assert asked == []
    assert (await read(cached_stack, parent, family))["account"]["balance"]["amount"] == "300.00"


async def test_two_guardians_never_share_and_an_errored_answer_is_not_kept(cached_stack: StackHandle) -> None:
    family_a, _ = await register(cached_stack, "Katya", "+7 912 000-02-04")
    family_b, _ = await register(cached_stack, "Lev", "+7 912 000-02-05")
    await cached_stack.drain()
    await pay(cached_stack.client(ADMIN), family_a, "100")
    a, b = guardian(family_a, "g-a"), guardian(family_b, "g-b")
    assert (await read_from_layer(cached_stack, a, family_a))["account"]["balance"]["amount"] == "100.00"
    # The same document and variables from the other family's guardian: refused (an error), never from A's entry,
    # and the refusal itself is not kept (each time executed again).
    for _ in range(3):
        hits = answered("hit")
        got = await cached_stack.client(b).execute(CABINET, {"id": family_a})
        assert got.get("errors") or got["data"]["family"] is None, got
        assert "100.00" not in str(got)
        assert answered("hit") == hits
    # B's own answer is B's.
    assert (await read_from_layer(cached_stack, b, family_b))["account"]["balance"]["amount"] == "0.00"


async def test_an_answer_with_a_root_list_is_not_kept(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Mila", "+7 912 000-02-06")
    await cached_stack.drain()
    parent = guardian(family)
    window = {"b": B1, "from": "2031-01-01T00:00:00+00:00", "to": "2031-02-01T00:00:00+00:00"}
    uncacheable = offered("uncacheable")
    for _ in range(3):
        hits = answered("hit")
        got = await cached_stack.client(parent).execute(OPEN_SLOTS, window)
        assert got["_status"] == 200 and "errors" not in got, got
        assert answered("hit") == hits
    assert offered("uncacheable") >= uncacheable + 3


async def test_in_redis_a_repeated_read_is_answered_whole_and_a_mutation_is_visible_at_once(
    redis_stack: StackHandle,
) -> None:
    family, _ = await register(redis_stack, "Nina", "+7 912 000-02-07")
    await redis_stack.drain()
    parent = guardian(family)
    assert (await read_from_layer(redis_stack, parent, family))["account"]["balance"]["amount"] == "0.00"
    backend = cache_of(redis_stack).backend
    assert isinstance(backend, RedisBackend)
    pipeline = redis_stack.stack.gateway.state.gateway.pipeline
    key = response_layer.response_key(scope_for(parent), pipeline.response_generation, CABINET, None, {"id": family})
    ((body, ttl),) = await backend.get_many_ttl([key])  # type: ignore[misc]  # kept: not None
    assert b'"0.00"' in body and 0 < ttl <= 30
    await pay(redis_stack.client(ADMIN), family, "150")
    assert (await read(redis_stack, parent, family))["account"]["balance"]["amount"] == "150.00"


async def test_an_answer_lives_no_longer_than_the_cached_answers_it_was_built_from() -> None:
    now = [0.0]
    cache = EntityCache(MemoryBackend(clock=lambda: now[0]), max_age_s=5)
    scope = scope_for(guardian("00000000-0000-4000-8000-00000000f001"))
    await cache.store(cache.begin(), [Pending("entity", b"{}", frozenset({"e1"}))])
    now[0] = 3.0
    collected = response_layer.ResponseTags()
    assert await cache.lookup(["entity"], collected.used) == [{}]
    assert collected.expires_in == pytest.approx(2.0)
    await response_layer.store(cache, cache.begin(), scope, "answer", b'{"data":{}}', collected)
    assert await response_layer.lookup(cache, "answer") == b'{"data":{}}'
    now[0] = 5.1  # the entity answer's end is the whole answer's end (not 3 + 5)
    assert await response_layer.lookup(cache, "answer") is None
    # Kept under the scope's tags too: a drop of the caller's scope (a mutation) takes it.
    now[0] = 0.0
    await response_layer.store(cache, cache.begin(), scope, "answer", b"{}", response_layer.ResponseTags())
    await cache.invalidate({scope.tags[0]}, "mutation")
    assert await response_layer.lookup(cache, "answer") is None
    # Not kept when a fetch could not be cached.
    uncacheable = response_layer.ResponseTags()
    uncacheable.uncacheable()
    await response_layer.store(cache, cache.begin(), scope, "answer", b"{}", uncacheable)
    assert await response_layer.lookup(cache, "answer") is None


async def test_a_query_with_the_session_cookie_is_answered_from_the_cache(cached_stack: StackHandle) -> None:
    family, _ = await register(cached_stack, "Olga", "+7 912 000-02-08")
    await cached_stack.drain()
    parent = guardian(family)
    await read_from_layer(cached_stack, parent, family)
    # The same caller, document and variables, with the web app's session cookie (the browser sends it on every
    # POST): a query never reads it (identity's session mutations do), so the kept answer serves the browser too.
    for _ in range(3):
        hits = answered("hit")
        got = await cached_stack.client(parent).execute(
            CABINET, {"id": family}, headers={"cookie": "kabinet_refresh=not-a-session"}
        )
        assert got["_status"] == 200 and got["data"]["family"]["id"] == family, got
        assert answered("hit") == hits + 1
