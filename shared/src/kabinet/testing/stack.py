"""Helpers for tests that run services: start runtimes, call their GraphQL over ASGI, mint tokens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette

from kabinet.auth import Principal, SigningKey, TokenIssuer
from kabinet.runtime import ServiceRuntime
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER, SECRET_HEADER


class GraphQLClient:
    """A client for one ASGI app's /graphql (no network), with an optional bearer token.

    For a service's own app it calls as the gateway does (the one place tests do): with the shared secret and
    ``client_address`` as the forwarded client address. Pass ``as_gateway=False`` to call as an outsider."""

    def __init__(self, app: Starlette, token: str | None = None, path: str = "/graphql", *,
                 as_gateway: bool = True, client_address: str = "192.0.2.1") -> None:
        self.app, self.token, self.path = app, token, path
        headers = gateway_headers(app, client_address) if as_gateway else {}
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                         headers=headers)

    def as_(self, token: str | None) -> GraphQLClient:
        other = GraphQLClient.__new__(GraphQLClient)
        other.app, other.token, other.path, other._client = self.app, token, self.path, self._client
        return other

    async def execute(self, query: str, variables: dict[str, Any] | None = None,
                      headers: dict[str, str] | None = None) -> dict[str, Any]:
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        resp = await self._client.post(self.path, json={"query": query, "variables": variables or {}}, headers=h)
        data: dict[str, Any] = resp.json()
        data["_status"] = resp.status_code
        return data

    async def ok(self, query: str, variables: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> dict[str, Any]:
        """``execute`` for a step that must succeed: no top-level errors and no payload ``errors``; the data."""
        return succeeded(await self.execute(query, variables, headers))

    async def get(self, path: str) -> httpx.Response:
        return await self._client.get(path)

    async def aclose(self) -> None:
        await self._client.aclose()


def succeeded(got: dict[str, Any]) -> dict[str, Any]:
    """The data of a response that must have succeeded: no top-level errors and no payload ``errors``."""
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """``await ok(client, query, variables)``: the one helper for a step that must succeed (``client.ok``)."""
    return await client.ok(query, variables)


def gateway_headers(app: Starlette, client_address: str = "192.0.2.1") -> dict[str, str]:
    """The headers the gateway adds to a call to this service's app (none for an app that is not a service)."""
    runtime = getattr(app.state, "runtime", None)
    secret = getattr(getattr(runtime, "settings", None), "gateway_secret", None)
    if secret is None:
        return {}
    return {SECRET_HEADER: secret.get_secret_value(), CLIENT_ADDRESS_HEADER: client_address}


def token_for(key: SigningKey, principal: Principal, issuer: str = "kabinet-identity",
              audience: str = "kabinet", ttl_s: int = 900) -> str:
    return TokenIssuer(key, issuer, audience, ttl_s).issue(principal)


@contextlib.asynccontextmanager
async def running(*runtimes: ServiceRuntime, migrate: bool = True, ready_timeout_s: float = 30
                  ) -> AsyncIterator[None]:
    """Migrate, start and wait until every runtime is ready; stop them all after."""
    if migrate:
        await asyncio.gather(*(r.migrate() for r in runtimes))
    for r in runtimes:
        await r.start()
    try:
        await asyncio.gather(*(r.wait_ready(ready_timeout_s) for r in runtimes))
        yield
    finally:
        for r in reversed(runtimes):
            await r.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 20, interval_s: float = 0.05,
                     message: str = "condition") -> None:
    """Wait for an asynchronous effect (an event being applied) without a fixed sleep."""
    async with asyncio.timeout(timeout_s):
        while not await check():  # noqa: ASYNC110 - polling an external effect, no event to wait on
            await asyncio.sleep(interval_s)
