"""The response layer: a repeated query answered with the bytes of its last answer (docs/performance.md, "The
entity cache").

On top of the entity cache and in its backend: an answer is kept whole, encoded as it was sent, under the
caller's scope (the same `scope_for(principal)` as the entity cache), the operation document, the operation name
and the variables as sent. Its tags are the union of the tags of every fetch the execution used (what the entity
cache computed for each, hit or stored, per subgraph; they hold the scope's), so the events, mutations, feed-down
bypass and "not stored if a tag was dropped since the request began" that keep the entity cache true keep these
answers true too. It lives at most as long as the shortest-lived cached answer it was built from, so a lost
invalidation is still bounded by the maximum age.

Kept only when every fetch of the execution was itself cacheable (no root list, no fetch without a cache), for a
query without an error or introspection. The hit skips parsing, planning, execution and encoding: one key hash and
one lookup.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter

from gateway import jsoncodec
from gateway.cache import CacheScope, EntityCache, Pending, entry_key

RESPONSE_LOOKUPS = Counter("gateway_response_cache_lookups_total", "Whole-response cache lookups", ["result"])
RESPONSE_STORES = Counter(
    "gateway_response_cache_stores_total", "Answers offered to the response layer, by outcome", ["outcome"]
)
_HITS = RESPONSE_LOOKUPS.labels("hit")
_MISSES = RESPONSE_LOOKUPS.labels("miss")
_STORED = RESPONSE_STORES.labels("stored")
_UNCACHEABLE = RESPONSE_STORES.labels("uncacheable")  # a fetch could not be cached, or too little life left
_DROPPED = RESPONSE_STORES.labels("dropped")  # one of its tags was dropped while it was being answered

# Answers left with less life than this are not worth a store.
_MIN_AGE_S = 0.05


@dataclass
class ResponseTags:
    """What one execution's fetches tell the response layer: their tags, and whether all could be cached."""

    tags: set[str] = field(default_factory=set)
    cacheable: bool = True
    # The shortest remaining life of the cached answers the execution used (seconds).
    expires_in: float = math.inf

    def add(self, tags: Iterable[str]) -> None:
        self.tags.update(tags)

    def uncacheable(self) -> None:
        self.cacheable = False

    def used(self, remaining_s: float) -> None:
        self.expires_in = min(self.expires_in, remaining_s)


def generation(*parts: str) -> bytes:
    """What makes an answer to the same document different besides the caller: the API schema and the limits."""
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).digest()


def response_key(
    scope: CacheScope, generation: bytes, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
) -> str:
    # Fixed-length digests first, then a name (no NUL in GraphQL names), then the variables: unambiguous.
    return entry_key(
        b"response",
        generation,
        scope.key,
        hashlib.blake2b(query.encode(), digest_size=16).digest(),
        (operation_name or "").encode(),
        jsoncodec.dumps_sorted(variables) if variables else b"{}",
    )


async def lookup(cache: EntityCache, key: str) -> bytes | None:
    """The kept answer; a miss is counted by `missed` once the request is known to be a query."""
    (value,) = await cache.backend.get_many([key])
    if value is not None:
        _HITS.inc()
    return value


def missed() -> None:
    _MISSES.inc()


async def store(
    cache: EntityCache, started: int, scope: CacheScope, key: str, body: bytes, collected: ResponseTags
) -> None:
    """Keep `body` when every fetch was cacheable (the caller checked the answer itself has no error)."""
    max_age = min(cache.max_age_s, collected.expires_in)
    if not collected.cacheable or max_age < _MIN_AGE_S:
        _UNCACHEABLE.inc()
        return
    # The fetches' tags hold the scope's, per subgraph (a plain scope tag would go with any subgraph's change);
    # an answer built from no fetch is kept under the plain ones.
    tags = frozenset(collected.tags) if collected.tags else frozenset(scope.tags)
    kept = await cache.store(started, [Pending(key, body, tags)], max_age)
    (_STORED if kept else _DROPPED).inc()
