"""The built web app served by the gateway (GATEWAY_WEB_DIR): index.html at / and for the app's routes, files with
their caching, the app's Content-Security-Policy, and the API routes never swallowed by the SPA fallback."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.config import GatewaySettings
from gateway.web import IMMUTABLE
from kabinet_gateway_tests.test_persisted_and_cost import GatewayHarness, harness

INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head></html>'
APP_JS = "console.log('the cabinet');\n" * 100
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws://gw wss://gw; frame-ancestors 'none'; base-uri 'self'"
)


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-1a2b3c.js").write_text(APP_JS)
    (dist / "manifest.webmanifest").write_text('{"name": "Kabinet", "start_url": "/"}')
    (dist / ".env").write_text("SECRET=1")
    (tmp_path / "outside.txt").write_text("not served")
    async for gw in harness(GatewaySettings(compose_timeout_s=5, web_dir=dist, console_enabled=True)):
        yield gw


async def test_index_at_root_and_for_every_app_route_without_caching(web: GatewayHarness) -> None:
    for path in ("/", "/signin", "/c/7f1e/lessons/42", "/c/7f1e/money?month=2025-09"):
        response = await web.client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["content-security-policy"] == APP_CSP
        assert response.headers["x-content-type-options"] == "nosniff"
    again = await web.client.get("/", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_hashed_assets_are_cached_for_a_year_and_sent_gzipped(web: GatewayHarness) -> None:
    plain = await web.client.get("/assets/app-1a2b3c.js", headers={"accept-encoding": "identity"})
    assert plain.status_code == 200 and plain.text == APP_JS
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == IMMUTABLE
    assert "content-encoding" not in plain.headers
    raw = b""
    async with web.client.stream("GET", "/assets/app-1a2b3c.js", headers={"accept-encoding": "gzip"}) as zipped:
        assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "accept-encoding"
        async for chunk in zipped.aiter_raw():
            raw += chunk
    assert len(raw) < len(APP_JS) / 10 and gzip.decompress(raw).decode() == APP_JS
    manifest = await web.client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.headers["cache-control"] == "no-cache"


async def test_missing_files_and_api_paths_are_not_found_never_the_app(web: GatewayHarness) -> None:
    for path in ("/assets/app-old.js", "/favicon.ico", "/graphql/extra", "/console/nothing", "/services/x/graphql",
                 "/calendar/abc.ics", "/.well-known/jwks.json", "/.env", "/../outside.txt", "/%2e%2e/outside.txt"):
        response = await web.client.get(path)
        assert response.status_code == 404, path
        assert INDEX not in response.text and "SECRET" not in response.text and "not served" not in response.text


async def test_the_api_routes_keep_working_next_to_the_app(web: GatewayHarness) -> None:
    assert (await web.client.get("/healthz")).json() == {"status": "ok"}
    assert (await web.client.post("/graphql", json={"query": "{ me { name } }"})).json() == {
        "data": {"me": {"name": "Ada Lovelace"}}
    }
    console = await web.client.get("/console")
    assert console.status_code == 200 and "Kabinet GraphQL console" in console.text
    assert "unsafe-inline" not in console.headers["content-security-policy"].split("script-src")[1].split(";")[0]


async def test_without_a_web_dir_nothing_is_served_at_root() -> None:
    async for gw in harness(GatewaySettings(compose_timeout_s=5)):
        assert (await gw.client.get("/")).status_code == 404
        assert (await gw.client.get("/c/1")).status_code == 404


async def test_the_policy_names_only_a_well_formed_host_and_head_sends_no_body(web: GatewayHarness) -> None:
    forged = await web.client.get("/", headers={"host": "gw; script-src *"})
    policy = forged.headers["content-security-policy"]
    assert "script-src *" not in policy and "connect-src 'self';" in policy
    head = await web.client.head("/assets/app-1a2b3c.js", headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(APP_JS)) and head.headers["cache-control"] == IMMUTABLE
