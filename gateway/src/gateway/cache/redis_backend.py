"""The entity cache in Redis, shared by every gateway instance (GATEWAY_CACHE=redis, GATEWAY_CACHE_URL).

An entry is a string key with an expiry (the maximum age); each tag is a Redis set of the keys it names, living
a little longer than its entries. A drop runs one script (for each tag: delete its keys, then the set) so every
instance stops seeing the entries at once - the store is the shared state, nothing else needs telling.

Redis unreachable or slow (each call is bounded by `timeout_s`) turns the cache off for `retry_after_s`:
lookups miss, stores are skipped, and the requests go to the subgraphs - slower, never failing. The outage is
logged once as a warning. Drops that could not be sent are kept (bounded; past the bound the whole namespace
is flushed) and sent first when Redis answers again, before anything is read from it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_DROP = """
for _, tag in ipairs(KEYS) do
  local keys = redis.call('SMEMBERS', tag)
  for i = 1, #keys, 500 do
    redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
  end
  redis.call('DEL', tag)
end
return 0
"""

_FLUSH = """
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = page[1]
  if #page[2] > 0 then redis.call('DEL', unpack(page[2])) end
until cursor == '0'
return 0
"""


class RedisBackend:
    def __init__(
        self,
        url: str,
        prefix: str = "kabinet:gateway-cache:",
        timeout_s: float = 0.25,
        retry_after_s: float = 2.0,
        max_pending: int = 10_000,
    ) -> None:
        self.prefix = prefix
        self.retry_after_s = retry_after_s
        self.max_pending = max_pending
        self.client: Any = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False
        )
        self._drop = self.client.register_script(_DROP)
        self._flush = self.client.register_script(_FLUSH)
        self._down_until = 0.0
        self._down = False
        self._pending: set[str] = set()
        self._flush_needed = False
        self._flushes_asked = 0
        self.failures = 0

    def _entry(self, key: str) -> str:
        return f"{self.prefix}e:{key}"

    def _tag(self, tag: str) -> str:
        return f"{self.prefix}t:{tag}"

    async def _available(self) -> bool:
        if not self._down:
            return True
        if time.monotonic() < self._down_until:
            return False
        try:  # the drops that were lost first: nothing is read before they are applied
            # Until none is left: another call may queue drops while these are on their way (Redis failing it
            # meanwhile); only what was sent is taken off the queue.
            while self._flush_needed or self._pending:
                sent, asked = set(self._pending), self._flushes_asked
                if self._flush_needed:  # still needed until done: a concurrent call flushes too, not reads
                    await self._flush(args=[f"{self.prefix}*"])
                    if self._flushes_asked == asked:
                        self._flush_needed = False
                else:
                    await self._drop(keys=[self._tag(t) for t in sent])
                self._pending -= sent
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return False
        self._down = False
        log.warning("entity cache: Redis answers again; cache in use")
        return True

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        self._down_until = time.monotonic() + self.retry_after_s
        if not self._down:
            self._down = True
            log.warning("entity cache: Redis unavailable (%r); requests go to the subgraphs until it is back", exc)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys or not await self._available():
            return [None] * len(keys)
        try:
            values: list[bytes | None] = await self.client.mget([self._entry(k) for k in keys])
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return [None] * len(keys)
        return values

    async def get_many_ttl(self, keys: list[str]) -> list[tuple[bytes, float] | None]:
        if not keys or not await self._available():
            return [None] * len(keys)
        entries = [self._entry(k) for k in keys]
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.mget(entries)
                for entry in entries:
                    pipe.pttl(entry)
                values, *ttls = await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)
            return [None] * len(keys)
        # PTTL < 0: gone since the MGET (or, never here, no expiry): no life left to lend.
        return [None if v is None else (v, max(t, 0) / 1000) for v, t in zip(values, ttls, strict=True)]

    async def put_many(self, entries: list[tuple[str, bytes, frozenset[str]]], max_age_s: float) -> None:
        if not await self._available():
            return
        ttl_ms = max(1, int(max_age_s * 1000))
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for key, value, tags in entries:
                    entry = self._entry(key)
                    pipe.set(entry, value, px=ttl_ms)
                    for tag in tags:
                        pipe.sadd(self._tag(tag), entry)
                        pipe.pexpire(self._tag(tag), 2 * ttl_ms)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._failed(exc)

    async def invalidate(self, tags: set[str]) -> None:
        if await self._available():
            try:
                await self._drop(keys=[self._tag(t) for t in tags])
                return
            except (RedisError, OSError) as exc:
                self._failed(exc)
        if self._flush_needed:
            return
        self._pending.update(tags)
        if len(self._pending) > self.max_pending:
            self._pending.clear()
            self._flush_needed = True
            self._flushes_asked += 1

    def clear_local(self) -> None:
        """Nothing is held here; the other instances' feeds keep the shared store true."""

    async def aclose(self) -> None:
        await self.client.aclose()
