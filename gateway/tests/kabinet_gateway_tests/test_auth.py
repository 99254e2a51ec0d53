"""The caller's token is verified once at the gateway: a bad one is 401 before any subgraph is asked, a good one
is forwarded unchanged, no token is anonymous."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings
from gateway.testing.servers import ThreadedServer
from kabinet.auth import KeySource, Principal, Role, SigningKey, TokenIssuer, jwks
from kabinet_gateway_tests.conftest import GatewayHarness, RecordedRequest, subgraph_configs

KEY = SigningKey.generate()
GUARDIAN = Principal(user_id="u-1", role=Role.GUARDIAN, family_id="f-1")


def token(key: SigningKey = KEY, *, audience: str = "kabinet", ttl_s: int = 900) -> str:
    return TokenIssuer(key, "kabinet-identity", audience, ttl_s).issue(GUARDIAN)


@pytest.fixture
async def secured() -> AsyncIterator[GatewayHarness]:
    log: list[RecordedRequest] = []
    app = create_gateway_app(
        GatewaySettings(compose_timeout_s=5), subgraph_configs(log), key_source=KeySource(static=jwks([KEY]))
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        yield GatewayHarness(client=client, app=app, requests=log)


async def post(gw: GatewayHarness, authorization: str | None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization is not None else {}
    return await gw.client.post("/graphql", json={"query": "{ me { name } }"}, headers=headers)


async def test_a_good_token_is_verified_once_and_forwarded_unchanged(secured):
    good = token()
    for _ in range(3):
        response = await post(secured, f"Bearer {good}")
        assert response.status_code == 200
        assert response.json() == {"data": {"me": {"name": "Ada Lovelace"}}}
    assert [r.headers["authorization"] for r in secured.requests] == [f"Bearer {good}"] * 3
    # The signature was checked on the first request only (verified tokens are kept until they expire).
    assert secured.app.state.gateway.auth.verifications == 1


async def test_no_token_is_anonymous_and_forwarded_as_is(secured):
    response = await post(secured, None)
    assert response.status_code == 200
    assert "authorization" not in secured.requests[0].headers


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(f"Bearer {token(ttl_s=-120)}", id="expired"),
        pytest.param(f"Bearer {token(SigningKey.generate())}", id="unknown-key"),
        pytest.param(f"Bearer {token(audience='someone-else')}", id="wrong-audience"),
        pytest.param(
            "Bearer " + jwt.encode({"sub": "x", "role": "owner", "exp": int(time.time()) + 600}, "secret" * 6,
                                   algorithm="HS256", headers={"kid": KEY.kid}),
            id="wrong-alg",
        ),
        pytest.param("Bearer not-a-jwt", id="garbage"),
        pytest.param(f"Basic {token()}", id="not-bearer"),
        pytest.param("Bearer ", id="empty"),
    ],
)
async def test_a_bad_token_is_401_unauthenticated_and_reaches_no_subgraph(secured, authorization):
    response = await post(secured, authorization)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body
    assert secured.requests == []


async def test_keys_from_a_jwks_url():
    async def keys(_):
        return JSONResponse(jwks([KEY]))

    server = ThreadedServer(Starlette(routes=[Route("/jwks", keys)]), path="/jwks").start()
    try:
        log: list[RecordedRequest] = []
        app = create_gateway_app(GatewaySettings(compose_timeout_s=5, jwks_url=server.url), subgraph_configs(log))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
        ):
            gw = GatewayHarness(client=client, app=app, requests=log)
            assert (await post(gw, f"Bearer {token()}")).status_code == 200
            assert (await post(gw, f"Bearer {token(SigningKey.generate())}")).status_code == 401
    finally:
        server.stop()


async def test_without_keys_tokens_are_only_forwarded(gateway):
    # No JWKS_URL and no keys: the subgraphs verify (the gateway's behaviour before it verified tokens).
    response = await post(gateway, "Bearer opaque")
    assert response.status_code == 200
    assert gateway.requests[0].headers["authorization"] == "Bearer opaque"


async def test_identity_unreachable_is_service_unavailable_not_a_sign_out() -> None:
    """Identity's keys cannot be fetched: the token is neither good nor bad yet, so 503 SERVICE_UNAVAILABLE
    (retry), never 401 (which makes the app sign the user out)."""
    from kabinet.testing.net import free_port

    log: list[RecordedRequest] = []
    keys = KeySource(jwks_url=f"http://127.0.0.1:{free_port()}/.well-known/jwks.json", retry_after_s=0.0)
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), subgraph_configs(log), key_source=keys)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        response = await post(GatewayHarness(client=client, app=app, requests=log), f"Bearer {token()}")
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert log == []  # nothing was forwarded
