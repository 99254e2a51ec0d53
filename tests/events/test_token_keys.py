"""Identity's keys at a service's start and during identity's outage, through the TCP proxy: valid tokens
are accepted by every one of many concurrent requests right after the start (one fetch of the keys), and
while identity is unreachable a request with a token gets a typed SERVICE_UNAVAILABLE, not a 401 or 500."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
import strawberry

from kabinet.auth import KeySource, Principal, Role, SigningKey, jwks
from kabinet.graphql.schema import subgraph_schema
from kabinet.testing.stack import GraphQLClient, token_for
from kabinet.testing.tcp_proxy import TcpProxy
from kabinet.web.app import create_service_app


@strawberry.type
class Query:
    @strawberry.field
    def me(self, info: strawberry.Info) -> str | None:
        return info.context.principal.user_id  # type: ignore[no-any-return]


class JwksServer:
    """identity's /.well-known/jwks.json, slow on purpose (a fetch in flight while requests arrive)."""

    def __init__(self, key: SigningKey, delay_s: float = 0.3) -> None:
        self.body = json.dumps(jwks([key])).encode()
        self.delay_s = delay_s
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            await asyncio.sleep(self.delay_s)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                         b"content-length: %d\r\n\r\n%s" % (len(self.body), self.body))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


@pytest.fixture
async def identity() -> AsyncIterator[tuple[SigningKey, JwksServer, TcpProxy]]:
    key = SigningKey.generate()
    server = JwksServer(key)
    await server.start()
    async with TcpProxy("127.0.0.1", server.port) as proxy:
        yield key, server, proxy
    await server.close()


async def test_concurrent_requests_right_after_start_all_accept_a_valid_token(identity, kt_db, make_runtime):
    key, server, proxy = identity
    keys = KeySource(jwks_url=f"http://127.0.0.1:{proxy.port}/.well-known/jwks.json")
    runtime = make_runtime(await kt_db(), key_source=keys)
    app = create_service_app(runtime, subgraph_schema(Query), manage_runtime=False)
    token = token_for(key, Principal(user_id="u1", role=Role.GUARDIAN, family_id="f1"))
    client = GraphQLClient(app, token)
    await runtime.start()  # fetches the keys in the background; the requests come at once
    try:
        results = await asyncio.gather(*(client.execute("{ me }") for _ in range(20)))
        assert [r["_status"] for r in results] == [200] * 20, results
        assert all(r["data"] == {"me": "u1"} for r in results)
        assert server.requests == 1  # they all waited for the one fetch in flight
    finally:
        await client.aclose()
        await runtime.stop()


async def test_identity_unreachable_is_service_unavailable_not_unauthenticated(
    identity, kt_db, make_runtime, caplog
):
    key, _server, proxy = identity
    keys = KeySource(jwks_url=f"http://127.0.0.1:{proxy.port}/.well-known/jwks.json", retry_after_s=0.0)
    runtime = make_runtime(await kt_db(), key_source=keys)
    app = create_service_app(runtime, subgraph_schema(Query), manage_runtime=False)
    client = GraphQLClient(app, token_for(key, Principal(user_id="u1", role=Role.GUARDIAN, family_id="f1")))
    caplog.set_level(logging.INFO)
    await proxy.down()  # identity is down while the service starts
    try:
        result = await client.execute("{ me }")
        assert result["_status"] == 503
        assert result["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "Traceback" not in json.dumps(result)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        await proxy.up()  # identity is back: the same token is accepted, nobody was logged out
        result = await client.execute("{ me }")
        assert result["_status"] == 200 and result["data"] == {"me": "u1"}
    finally:
        await client.aclose()
        await runtime.stop()
