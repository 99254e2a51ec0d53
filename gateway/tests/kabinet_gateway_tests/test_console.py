"""The console: GraphiQL with sign-in, and saved operations that stay valid against the real services' schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from gateway.cli import service_sdls
from gateway.composition.compose import compose
from gateway.config import GatewaySettings
from gateway.console import (
    ASSET_CACHE_CONTROL,
    ASSETS_DIR,
    CONSOLE_CSP,
    EXAMPLE_OPERATIONS,
    OWN_DIR,
    OWN_SCRIPTS,
    OWN_STYLESHEETS,
    PAGE_SCRIPTS,
    PAGE_STYLESHEETS,
    REFRESH_MUTATION,
    SIGN_IN_MUTATION,
    SIGN_OUT_MUTATION,
)
from gateway.subscriptions import GATEWAY_SUBGRAPH, subscription_sdl
from kabinet_gateway_tests.test_persisted_and_cost import harness


@pytest.fixture(scope="module")
def services_api_schema() -> GraphQLSchema:
    sdls = service_sdls()
    assert set(sdls) == {"identity", "scheduling", "billing", "learning"}
    return compose({**sdls, GATEWAY_SUBGRAPH: subscription_sdl()}).api_schema


@pytest.mark.parametrize("example", EXAMPLE_OPERATIONS, ids=lambda e: e.title)
def test_saved_operations_validate_against_the_composed_services(services_api_schema, example):
    document = parse(example.query)
    assert validate(services_api_schema, document) == []
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    coerced = get_variable_values(services_api_schema, operation.variable_definitions or (), example.variables)
    assert not isinstance(coerced, list), coerced  # the sample variables are accepted too


@pytest.mark.parametrize("mutation", [SIGN_IN_MUTATION, REFRESH_MUTATION, SIGN_OUT_MUTATION])
def test_the_session_mutations_are_identitys(services_api_schema, mutation):
    assert validate(services_api_schema, parse(mutation)) == []


async def test_console_page_signs_in_and_opens_the_saved_operations():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=True)):
        page = await gw.client.get("/console")
        assert page.status_code == 200
        text = page.text
        assert "signInWithPassword" in text
        assert "refreshSession" in text and "signOut" in text  # access tokens live under a minute: refreshed
        script = (await gw.client.get("/console/assets/console.js")).text
        assert "sessionStorage" in script and 'headers.set("Authorization", "Bearer " + current)' in script
        assert "freshToken" in script and "config.refresh" in script
        for example in EXAMPLE_OPERATIONS:
            assert example.title in text
        assert "query MonthSchedule" in text and "mutation RecordPayment" in text
        # A browser that opens /graphql (the console's old address) is sent to /console.
        old = await gw.client.get("/graphql", headers={"accept": "text/html"})
        assert old.status_code == 302 and old.headers["location"] == "console"
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=False)):
        assert (await gw.client.get("/console")).status_code == 404
        assert (await gw.client.get("/graphql", headers={"accept": "text/html"})).status_code == 404


async def test_console_page_has_no_inline_script_and_its_own_policy():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=True)):
        page = await gw.client.get("/console")
        assert page.headers["content-security-policy"] == CONSOLE_CSP
        assert "script-src 'self';" in CONSOLE_CSP and "frame-ancestors 'none'" in CONSOLE_CSP
        # Every <script> is a file of this origin, or the JSON configuration (data, never run).
        for tag in re.findall(r"<script\b[^>]*>", page.text):
            assert 'src="console/assets/' in tag or 'type="application/json"' in tag, tag
        assert "<style" not in page.text


async def test_introspection_and_the_console_are_off_unless_configured():
    # They show the whole API to anyone: a gateway started with no settings has neither.
    async for gw in harness(GatewaySettings(compose_timeout_s=5)):
        response = await gw.client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert (await gw.client.post("/graphql", json={"query": "{ me { __typename name } }"})).status_code == 200
        assert (await gw.client.get("/console")).status_code == 404
        assert (await gw.client.get("/console/assets/console.js")).status_code == 404
    async for gw in harness(GatewaySettings(compose_timeout_s=5, introspection_enabled=True)):
        response = await gw.client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
        assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


# --- the console's assets: served by the gateway itself, so the console works without internet access ----------

CONSOLE_DIR = Path(__file__).resolve().parents[2] / "console"  # gateway/console: package.json, update_assets.sh


def _tags(page: str) -> list[str]:
    return re.findall(r"<(?:script|link)\b[^>]*>", page)


async def test_the_page_loads_only_the_gateways_own_assets():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=True)):
        page = (await gw.client.get("/console")).text
        tags = _tags(page)
        assert tags, page
        for tag in tags:
            assert "https://" not in tag and "http://" not in tag and "//" not in tag.replace("</", ""), tag
        assert "unpkg" not in page and "https://" not in page
        # Relative to /console, stylesheets before the scripts, React before ReactDOM before GraphiQL, then ours.
        srcs = re.findall(r'<script src="([^"]+)"', page)
        hrefs = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
        assert [u.split("?")[0] for u in srcs] == [f"console/assets/{n}" for n in (*PAGE_SCRIPTS, *OWN_SCRIPTS)]
        assert [u.split("?")[0] for u in hrefs] == [
            f"console/assets/{n}" for n in (*PAGE_STYLESHEETS, *OWN_STYLESHEETS)
        ]
        assert PAGE_SCRIPTS == ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")


async def test_served_assets_are_the_committed_files_with_long_cache_headers():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=True)):
        page = (await gw.client.get("/console")).text
        urls = re.findall(r'(?:src|href)="(console/assets/[^"]+)"', page)
        assert len(urls) == len(PAGE_SCRIPTS) + len(PAGE_STYLESHEETS) + len(OWN_SCRIPTS) + len(OWN_STYLESHEETS)
        expected_types = {".js": "text/javascript", ".css": "text/css"}
        for url in urls:
            name = url.split("?")[0].rsplit("/", 1)[1]
            served = await gw.client.get("/" + url)
            assert served.status_code == 200, url
            source = ASSETS_DIR / name if (ASSETS_DIR / name).exists() else OWN_DIR / name
            assert served.content == source.read_bytes(), name
            assert served.headers["content-type"].split(";")[0] == expected_types[Path(name).suffix]
            assert served.headers["cache-control"] == ASSET_CACHE_CONTROL
            assert served.headers["x-content-type-options"] == "nosniff"
            # The ?v= in the page is the file's content hash, so a new file gets a new URL.
            assert url.split("?v=")[1] in served.headers["etag"]
            again = await gw.client.get("/" + url, headers={"if-none-match": served.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        # The licences ship beside the files (and are served as text); nothing outside the folder is.
        for package in ("graphiql", "react", "react-dom"):
            licence = await gw.client.get(f"/console/assets/{package}.LICENSE")
            assert licence.status_code == 200 and "MIT License" in licence.text
            assert licence.headers["content-type"].startswith("text/plain")
        for bad in ("nope.js", "..%2Fconsole.py", "%2E%2E%2Fapp.py", "graphiql.min.js.map"):
            assert (await gw.client.get(f"/console/assets/{bad}")).status_code == 404, bad
    async for gw in harness(GatewaySettings(compose_timeout_s=5, console_enabled=False)):
        assert (await gw.client.get("/console/assets/graphiql.min.js")).status_code == 404


def test_committed_assets_match_the_pinned_npm_versions():
    """console_assets/ is what update_assets.sh copies for the versions pinned in gateway/console/package.json."""
    pinned = json.loads((CONSOLE_DIR / "package.json").read_text())["devDependencies"]
    versions = json.loads((ASSETS_DIR / "versions.json").read_text())
    assert versions == {name: pinned[name] for name in ("graphiql", "react", "react-dom")}
    react = (ASSETS_DIR / "react.production.min.js").read_text()
    assert f'version="{versions["react"]}"' in react
    react_dom = (ASSETS_DIR / "react-dom.production.min.js").read_text()
    assert f'"{versions["react-dom"]}"' in react_dom
    assert "window.GraphiQL" in (ASSETS_DIR / "graphiql.min.js").read_text()
    assert (CONSOLE_DIR / "update_assets.sh").stat().st_mode & 0o111
    # Nothing in the stylesheet reaches out of the page either (GraphiQL's fonts are inlined as data: URLs).
    css = (ASSETS_DIR / "graphiql.min.css").read_text()
    assert "@import" not in css and not re.search(r"url\((?!data:)", css)
