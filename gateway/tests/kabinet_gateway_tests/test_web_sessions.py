"""The web app's side of the gateway: the session cookie forwarded to the session subgraph only (and its cookies
passed back, never cached), in-process and over real HTTP; trusted documents next to arbitrary ones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL
from websockets.asyncio.client import connect

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig
from gateway.documents import sha256_hex
from gateway.testing.servers import serve_apps_in_loop

SEEN: dict[str, list[dict[str, str | None]]] = {"identity": [], "other": []}


def _seen(info: strawberry.Info, subgraph: str) -> str:
    request = info.context["request"]
    SEEN[subgraph].append({"cookie": request.headers.get("cookie"), "mode": request.headers.get("x-kabinet-session")})
    return subgraph


@strawberry.type
class Query:
    @strawberry.field
    def identity_seen(self, info: strawberry.Info) -> str:
        return _seen(info, "identity")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def sign_in(self, info: strawberry.Info) -> str:
        _seen(info, "identity")
        info.context["response"].set_cookie("kabinet_refresh", "fresh-token", path="/graphql", httponly=True,
                                            samesite="strict", max_age=3600)
        return "ok"


@strawberry.type(name="Query")
class OtherQuery:
    @strawberry.field
    def other_seen(self, info: strawberry.Info) -> str:
        return _seen(info, "other")


IDENTITY = strawberry.federation.Schema(query=Query, mutation=Mutation)
OTHER = strawberry.federation.Schema(query=OtherQuery)
SIGN_IN = "mutation SignIn { signIn }"
BOTH = "query Both { identitySeen otherSeen }"
BROWSER = {"cookie": "kabinet_refresh=old-token; theme=dark", "x-kabinet-session": "cookie"}


def _apps() -> dict[str, Any]:
    return {"identity": GraphQL(IDENTITY), "other": GraphQL(OTHER)}


async def _gateway(subgraphs: list[SubgraphConfig], **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5, poll_interval_s=0, **settings), subgraphs)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        yield client


@pytest.fixture(params=["in-process", "http"])
async def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway over both subgraph clients: ASGI in-process (embedded mode) and real HTTP (deployments)."""
    for calls in SEEN.values():
        calls.clear()
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha256_hex(SIGN_IN): SIGN_IN}))
    settings = {"trusted_documents": manifest, "trusted_documents_only": False}
    if request.param == "in-process":
        configs = [SubgraphConfig(n, f"http://{n}/graphql", httpx.ASGITransport(app=a)) for n, a in _apps().items()]
        async for client in _gateway(configs, **settings):
            yield client
    else:
        async with serve_apps_in_loop(_apps()) as urls:
            async for client in _gateway([SubgraphConfig(n, u) for n, u in urls.items()], **settings):
                yield client


async def test_the_session_cookie_reaches_identity_only_and_its_cookie_comes_back_uncached(gateway) -> None:
    # A query: identity reads the cookie in its session mutations only, so no subgraph gets it (and the
    # gateway's cache may serve the browser's queries like any other client's).
    response = await gateway.post("/graphql", json={"query": BOTH}, headers=BROWSER)
    assert response.json() == {"data": {"identitySeen": "identity", "otherSeen": "other"}}
    assert SEEN["identity"] == [{"cookie": None, "mode": None}]
    assert SEEN["other"] == [{"cookie": None, "mode": None}]
    assert "set-cookie" not in response.headers

    signed = await gateway.post("/graphql", json={"query": SIGN_IN}, headers=BROWSER)
    assert signed.json() == {"data": {"signIn": "ok"}}
    # A mutation: the session cookie (not the other cookies) and the mode header reach identity.
    assert SEEN["identity"][-1] == {"cookie": "kabinet_refresh=old-token", "mode": "cookie"}
    cookies = signed.headers.get_list("set-cookie")
    assert len(cookies) == 1 and cookies[0].startswith("kabinet_refresh=fresh-token;")
    assert "HttpOnly" in cookies[0] and "SameSite=strict" in cookies[0] and "Path=/graphql" in cookies[0]
    assert signed.headers["cache-control"] == "no-store"


async def test_one_browsers_cookie_never_reaches_identity_for_another(gateway) -> None:
    # The teacher signs in (identity sets her refresh cookie); then a fresh browser with no cookie restores "its"
    # session. The subgraph client must not have kept her cookie and sent it for the stranger: identity would
    # refresh her session and hand it to him.
    await gateway.post("/graphql", json={"query": SIGN_IN}, headers=BROWSER)
    gateway.cookies.clear()  # the stranger's browser: this test client would keep and send her cookie itself
    stranger = await gateway.post("/graphql", json={"query": SIGN_IN}, headers={"x-kabinet-session": "cookie"})
    assert stranger.json() == {"data": {"signIn": "ok"}}
    assert SEEN["identity"][-1] == {"cookie": None, "mode": "cookie"}
    await gateway.post("/graphql", json={"query": BOTH})
    assert SEEN["identity"][-1] == {"cookie": None, "mode": None}


async def test_the_cookie_comes_back_for_a_request_by_document_id(gateway) -> None:
    signed = await gateway.post("/graphql", json={"documentId": f"sha256:{sha256_hex(SIGN_IN)}"}, headers=BROWSER)
    assert signed.json() == {"data": {"signIn": "ok"}}
    assert signed.headers.get_list("set-cookie")[0].startswith("kabinet_refresh=fresh-token;")
    assert signed.headers["cache-control"] == "no-store"


async def test_a_get_forwards_no_cookie(gateway) -> None:
    response = await gateway.get("/graphql", params={"query": "{ identitySeen }"}, headers=BROWSER)
    assert response.json() == {"data": {"identitySeen": "identity"}}
    assert SEEN["identity"] == [{"cookie": None, "mode": None}]


async def test_without_the_cookie_or_header_nothing_is_forwarded(gateway) -> None:
    signed = await gateway.post("/graphql", json={"query": SIGN_IN})
    assert signed.json() == {"data": {"signIn": "ok"}}
    assert SEEN["identity"] == [{"cookie": None, "mode": None}]
    assert "set-cookie" not in signed.headers


async def test_registered_documents_run_by_id_next_to_arbitrary_ones(gateway) -> None:
    assert (await gateway.post("/graphql", json={"query": "{ otherSeen }"})).json() == {"data": {"otherSeen": "other"}}
    unknown = await gateway.post("/graphql", json={"documentId": f"sha256:{sha256_hex('{ otherSeen }')}"})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_only_refuses_what_is_not_in_the_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha256_hex(SIGN_IN): SIGN_IN}))
    configs = [SubgraphConfig(n, f"http://{n}/graphql", httpx.ASGITransport(app=a)) for n, a in _apps().items()]
    async for client in _gateway(configs, trusted_documents=manifest, trusted_documents_only=True):
        by_id = await client.post("/graphql", json={"documentId": f"sha256:{sha256_hex(SIGN_IN)}"})
        assert by_id.json() == {"data": {"signIn": "ok"}}
        freeform = await client.post("/graphql", json={"query": "{ otherSeen }"})
        assert freeform.status_code == 403
        assert freeform.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_graphql_ws_subscribe_runs_trusted_documents_by_id(tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-documents.json"
    query = "query Seen { identitySeen }"
    manifest.write_text(json.dumps({sha256_hex(query): query}))
    configs = [SubgraphConfig(n, f"http://{n}/graphql", httpx.ASGITransport(app=a)) for n, a in _apps().items()]
    settings = GatewaySettings(compose_timeout_s=5, poll_interval_s=0, trusted_documents=manifest)
    app = create_gateway_app(settings, configs)
    async with app.router.lifespan_context(app), serve_apps_in_loop({"gw": app}) as urls:
        url = urls["gw"].replace("http://", "ws://")
        async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            by_id = {"documentId": f"sha256:{sha256_hex(query)}", "operationName": "Seen"}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": by_id}))
            assert json.loads(await ws.recv()) == {"id": "1", "type": "next", "payload": {"data": {"identitySeen":
                                                                                                  "identity"}}}
            assert json.loads(await ws.recv()) == {"id": "1", "type": "complete"}
            await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": "{ otherSeen }"}}))
            refused = json.loads(await ws.recv())
            assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == (
                "PERSISTED_QUERY_NOT_IN_LIST")
