"""The gateway proves itself to the subgraphs (shared secret) and tells them the client's address (issue #10,
points 9 and 15): from the socket, or from X-Forwarded-For only behind a configured trusted proxy."""

from __future__ import annotations

import secrets

import httpx
import pytest
from pydantic import SecretStr

from gateway.app import create_gateway_app
from gateway.client_address import client_address, parse_networks
from gateway.config import GatewaySettings
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER, SECRET_HEADER, MissingGatewaySecret
from kabinet_gateway_tests.conftest import RecordedRequest, subgraph_configs

PROXIES = parse_networks("10.0.0.0/8, 2001:db8::/32")


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.5", None, "203.0.113.5"),                                # no proxy: the socket's peer
    ("203.0.113.5", "198.51.100.1", "203.0.113.5"),                      # an untrusted peer's header is ignored
    ("10.1.2.3", "198.51.100.1", "198.51.100.1"),                        # behind the trusted proxy
    ("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.9.9.9", "198.51.100.1"),     # the client's own entries are skipped
    ("10.1.2.3", "not-an-ip, 198.51.100.1", "198.51.100.1"),
    ("10.1.2.3", "198.51.100.1, garbage", "10.1.2.3"),                   # a broken chain: trust no further
    ("10.1.2.3", "10.4.4.4", "10.4.4.4"),                                # only proxies: the farthest one
    ("2001:db8::1", "2001:DB9:0:0:0:0:0:5, 2001:db8::3", "2001:db9::5"),  # canonical form
    (None, "198.51.100.1", None),
])
def test_client_address(peer: str | None, forwarded: str | None, expected: str | None) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


async def _gateway_requests(settings: GatewaySettings, headers: dict[str, str],
                            peer: tuple[str, int] = ("203.0.113.9", 4000)) -> list[RecordedRequest]:
    log: list[RecordedRequest] = []
    app = create_gateway_app(settings, subgraph_configs(log))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=peer), base_url="http://gw") as client,
    ):
        response = await client.post("/graphql", json={"query": "{ me { name } }"}, headers=headers)
        assert response.status_code == 200, response.text
    return log


async def test_every_subgraph_request_carries_the_secret_and_the_address_the_gateway_saw() -> None:
    secret = secrets.token_hex(32)
    settings = GatewaySettings(compose_timeout_s=5, subgraph_secret=SecretStr(secret))
    forged = {SECRET_HEADER: "guess", CLIENT_ADDRESS_HEADER: "1.2.3.4", "x-forwarded-for": "5.6.7.8"}
    log = await _gateway_requests(settings, forged)
    assert log  # (the recorder leaves out the SDL fetches; the embedded stack's services refuse those without it)
    assert all(r.headers[SECRET_HEADER] == secret and r.headers[CLIENT_ADDRESS_HEADER] == "203.0.113.9"
               for r in log)
    settings.trusted_proxies = parse_networks("203.0.113.0/24")
    behind = await _gateway_requests(settings, {"x-forwarded-for": "5.6.7.8"})
    assert {r.headers[CLIENT_ADDRESS_HEADER] for r in behind} == {"5.6.7.8"}


def test_no_working_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABINET_GATEWAY_SECRET", raising=False)
    assert GatewaySettings().subgraph_secret is None
    from gateway.cli import main

    monkeypatch.setenv("GATEWAY_SUBGRAPHS", "identity=http://127.0.0.1:9/graphql")
    assert main(["serve"]) == 2  # refuses to start instead of calling services that would refuse it
    with pytest.raises(MissingGatewaySecret):
        create_gateway_app(GatewaySettings(subgraph_secret=SecretStr("CHANGE-ME")), [])
