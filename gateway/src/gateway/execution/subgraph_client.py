"""HTTP calls to subgraphs (over the network, or in-process through an ASGI transport)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, TypeGuard

import httpx
from prometheus_client import Counter, Histogram

from gateway import jsoncodec
from gateway.config import SubgraphConfig
from gateway.execution.http11 import HTTPError, Origin
from gateway.sessions import current_exchange

SUBGRAPH_REQUESTS = Counter(
    "gateway_subgraph_requests_total", "Requests the gateway sent to subgraphs", ["subgraph", "outcome"]
)
SUBGRAPH_LATENCY = Histogram("gateway_subgraph_request_seconds", "Subgraph request latency", ["subgraph"])


# The labelled children, bound once per label values (a handful): `labels()` costs more than the update.
@functools.cache
def _requests_counter(subgraph: str, outcome: str) -> Counter:
    return SUBGRAPH_REQUESTS.labels(subgraph, outcome)


@functools.cache
def _latency_histogram(subgraph: str) -> Histogram:
    return SUBGRAPH_LATENCY.labels(subgraph)


class SubgraphUnavailable(Exception):
    """The subgraph could not be reached or did not answer with a GraphQL response."""

    def __init__(self, subgraph: str, reason: str) -> None:
        self.subgraph = subgraph
        self.reason = reason
        super().__init__(f"subgraph {subgraph!r} is unavailable: {reason}")


def _graphql_payload(subgraph: str, status: int, raw: bytes) -> dict[str, Any]:
    """A subgraph's answer as a GraphQL response, counted by outcome; SubgraphUnavailable if it is none."""
    try:
        payload = jsoncodec.loads(raw)
    except ValueError as exc:
        _requests_counter(subgraph, "bad_response").inc()
        raise SubgraphUnavailable(subgraph, f"HTTP {status} with a non-JSON body") from exc
    if not _is_graphql_response(payload):
        _requests_counter(subgraph, "bad_response").inc()
        raise SubgraphUnavailable(subgraph, f"HTTP {status} without a GraphQL response")
    _requests_counter(subgraph, "ok" if 200 <= status < 300 else f"http_{status}").inc()
    return payload


def _is_graphql_response(payload: Any) -> TypeGuard[dict[str, Any]]:
    """`data` or `errors`, and `errors` (when set) a list: the executor iterates it (a proxy's or a broken
    subgraph's `"errors": 5` was an unhandled TypeError, an untyped 500 to the client)."""
    if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
        return False
    errors = payload.get("errors")
    return errors is None or isinstance(errors, list)


class SubgraphClient:
    """Keep-alive connections per subgraph (`http11.Origin`; an httpx client for subgraphs called through an
    ASGI transport in-process); `request` returns the decoded GraphQL response body. Calls to the
    `session_subgraphs` also carry the client's session cookie and collect the cookies they set (see sessions)."""

    def __init__(
        self,
        subgraphs: list[SubgraphConfig],
        timeout_s: float,
        timeouts: Mapping[str, float] | None = None,
        static_headers: Mapping[str, str] | None = None,
        session_subgraphs: frozenset[str] = frozenset(),
    ) -> None:
        # Sent on every request and winning over per-request ones (the gateway's shared secret).
        self.static_headers = dict(static_headers or {})
        self.timeout_s = timeout_s
        self.timeouts = dict(timeouts or {})
        self.session_subgraphs = session_subgraphs
        self._configs: dict[str, SubgraphConfig] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._origins: dict[str, Origin] = {}
        self.ensure(subgraphs)

    def ensure(self, subgraphs: list[SubgraphConfig]) -> None:
        """Add clients for subgraphs not known yet (a supergraph file names its subgraphs only when loaded)."""
        for s in subgraphs:
            if s.name in self._clients or s.name in self._origins:
                continue
            self._configs[s.name] = s
            timeout = self.timeouts.get(s.name, self.timeout_s)
            if s.transport is None and s.url.startswith(("http://", "https://")):
                self._origins[s.name] = Origin(s.url, collect_set_cookie=s.name in self.session_subgraphs)
                continue
            self._clients[s.name] = httpx.AsyncClient(
                transport=s.transport,
                # One client serves every user: a cookie jar would keep one browser's session cookie (identity's
                # Set-Cookie) and send it with the next user's request. Cookies pass per request only (sessions).
                cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
                timeout=timeout,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            )

    async def request(
        self,
        subgraph: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        config = self._configs[subgraph]
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = dict(variables)
        exchange = current_exchange.get() if subgraph in self.session_subgraphs else None
        set_cookies = None
        if exchange is not None:
            headers = {**(headers or {}), **exchange.forward}
            set_cookies = exchange.set_cookies
        origin = self._origins.get(subgraph)
        if origin is not None:
            return await self._request_origin(subgraph, origin, body, headers, set_cookies)
        started = time.perf_counter()
        timeout_s = self.timeouts.get(subgraph, self.timeout_s)
        try:
            # httpx applies its timeout in its network backends only: an in-process ASGI transport (embedded
            # mode) would wait for a stuck subgraph for ever, holding the request's admission slot.
            async with asyncio.timeout(timeout_s):
                response = await self._clients[subgraph].post(
                    config.url,
                    json=body,
                    headers={
                        "accept": "application/graphql-response+json, application/json",
                        **(headers or {}),
                        **self.static_headers,
                    },
                )
        except TimeoutError as exc:
            _requests_counter(subgraph, "unreachable").inc()
            raise SubgraphUnavailable(subgraph, f"no response within {timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            _requests_counter(subgraph, "unreachable").inc()
            raise SubgraphUnavailable(subgraph, f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        finally:
            _latency_histogram(subgraph).observe(time.perf_counter() - started)
        if set_cookies is not None:
            set_cookies.extend(response.headers.get_list("set-cookie"))
        return _graphql_payload(subgraph, response.status_code, response.content)

    async def _request_origin(
        self,
        subgraph: str,
        origin: Origin,
        body: dict[str, Any],
        headers: Mapping[str, str] | None,
        set_cookies: list[str] | None = None,
    ) -> dict[str, Any]:
        encoded = jsoncodec.dumps(body)
        started = time.perf_counter()
        try:
            status, raw = await origin.post(
                encoded,
                {**(headers or {}), **self.static_headers},
                self.timeouts.get(subgraph, self.timeout_s),
                set_cookies,
            )
        except HTTPError as exc:
            _requests_counter(subgraph, "unreachable").inc()
            raise SubgraphUnavailable(subgraph, str(exc)) from exc
        finally:
            _latency_histogram(subgraph).observe(time.perf_counter() - started)
        return _graphql_payload(subgraph, status, raw)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        for origin in self._origins.values():
            origin.close()
