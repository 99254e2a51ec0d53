"""Where a supergraph comes from: asking each subgraph for its SDL and composing, or a `@join__*` supergraph file
composed elsewhere. The app calls `load()` at start and again on a schedule (`GATEWAY_POLL_INTERVAL_S`), swapping
the result in when it changed and keeping the last good one when it fails."""

from __future__ import annotations

import functools
import json
import logging
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from gateway.composition.compose import compose
from gateway.composition.supergraph import Supergraph
from gateway.composition.supergraph_file import load_supergraph_sdl
from gateway.config import SubgraphConfig

log = logging.getLogger(__name__)

SDL_QUERY = "query __ApolloGetServiceDefinition__ { _service { sdl } }"


class SubgraphSdlUnavailable(Exception):
    def __init__(self, subgraph: str, reason: str) -> None:
        self.subgraph = subgraph
        super().__init__(f"could not read the SDL of subgraph {subgraph!r}: {reason}")


class SupergraphSource(Protocol):
    async def load(self) -> Supergraph: ...

    @property
    def fingerprint(self) -> str:
        """Identifies what the last `load()` read: the same fingerprint means the same supergraph."""
        ...


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every poll: building one loads the CA bundle (measured 8% of the gateway's CPU
    under load when each poll of each subgraph made its own)."""
    return httpx.create_ssl_context()  # what httpx builds by default (certifi's CA bundle)


async def fetch_sdl(subgraph: SubgraphConfig, timeout_s: float, headers: Mapping[str, str] | None = None) -> str:
    """One attempt at `{ _service { sdl } }` (`headers`: the gateway's shared secret)."""
    try:
        async with httpx.AsyncClient(transport=subgraph.transport, timeout=timeout_s, verify=_tls()) as client:
            response = await client.post(subgraph.url, json={"query": SDL_QUERY}, headers=dict(headers or {}))
            payload = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SubgraphSdlUnavailable(subgraph.name, f"{type(exc).__name__}: {exc}") from exc
    sdl = ((payload or {}).get("data") or {}).get("_service", {}).get("sdl")
    if not isinstance(sdl, str):
        raise SubgraphSdlUnavailable(subgraph.name, f"no _service.sdl in response: {str(payload)[:300]}")
    return sdl


class IntrospectAndCompose:
    """Fetch every subgraph's SDL (retrying with exponential backoff until all answer, bounded) and compose."""

    def __init__(
        self,
        subgraphs: list[SubgraphConfig],
        *,
        request_timeout_s: float = 10.0,
        overall_timeout_s: float = 60.0,
        initial_backoff_s: float = 0.1,
        max_backoff_s: float = 5.0,
        local_sdls: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.subgraphs = subgraphs
        self.headers = dict(headers or {})
        # Subgraphs served by the gateway itself (its subscriptions), composed with the fetched ones.
        self.local_sdls = dict(local_sdls or {})
        self.request_timeout_s = request_timeout_s
        self.overall_timeout_s = overall_timeout_s
        self.initial_backoff_s = initial_backoff_s
        self.max_backoff_s = max_backoff_s
        self.last_sdls: dict[str, str] = {}
        self._last: Supergraph | None = None

    async def fetch_sdls(self) -> dict[str, str]:
        sdls: dict[str, str] = {}
        for subgraph in self.subgraphs:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(SubgraphSdlUnavailable),
                wait=wait_exponential(multiplier=self.initial_backoff_s, max=self.max_backoff_s),
                stop=stop_after_delay(self.overall_timeout_s),
                reraise=True,
            ):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        log.info(
                            "retrying SDL fetch from %s (attempt %d)", subgraph.name, attempt.retry_state.attempt_number
                        )
                    sdls[subgraph.name] = await fetch_sdl(subgraph, self.request_timeout_s, self.headers)
        return sdls

    @property
    def fingerprint(self) -> str:
        return json.dumps(self.last_sdls, sort_keys=True)

    async def load(self) -> Supergraph:
        sdls = {**await self.fetch_sdls(), **self.local_sdls}
        if self._last is not None and sdls == self.last_sdls:
            # Unchanged (the usual poll): no parse and no composition - they were 14-18 % of a busy gateway.
            return self._last
        supergraph = compose(sdls, {s.name: s.url for s in self.subgraphs})
        self.last_sdls, self._last = sdls, supergraph  # only once composed: a failed one is tried again
        return supergraph


class SupergraphFile:
    """A `@join__*` supergraph SDL composed elsewhere (by `@apollo/composition`, rover, Hive, or `make supergraph`).

    Subgraph URLs come from the file's `@join__graph(url:)`, unless `GATEWAY_SUBGRAPHS` names the subgraph
    (then that URL, and its transport, win)."""

    def __init__(
        self, path: Path, subgraphs: list[SubgraphConfig] | None = None, local_sdls: Mapping[str, str] | None = None
    ) -> None:
        self.path = path
        self.local_sdls = dict(local_sdls or {})
        self.subgraphs = {s.name: s for s in subgraphs or ()}
        self.last_sdl = ""

    async def load(self) -> Supergraph:
        self.last_sdl = self.path.read_text(encoding="utf-8")
        supergraph = load_supergraph_sdl(self.last_sdl, self.local_sdls)
        for name, subgraph in supergraph.subgraphs.items():
            if name in self.subgraphs:
                subgraph.url = self.subgraphs[name].url
        return supergraph

    @property
    def fingerprint(self) -> str:
        return self.last_sdl

    def subgraph_configs(self, supergraph: Supergraph) -> list[SubgraphConfig]:
        return [
            self.subgraphs.get(name) or SubgraphConfig(name, s.url)
            for name, s in supergraph.subgraphs.items()
            if name not in self.local_sdls
        ]
