"""Supergraph files (`@join__*` SDL) and scheduled recomposition.

- Apollo's supergraph (from `@apollo/composition`) and ours load into the same API schema as composing the
  subgraphs directly; `@apollo/gateway` serving *our* printed supergraph answers like our gateway.
- A gateway started from a file serves it; a recomposing gateway picks up a changed subgraph without a restart
  and keeps the last good supergraph when composition fails.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import strawberry
from graphql import lexicographic_sort_schema, print_schema
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.composition import compose
from gateway.composition.supergraph_file import load_supergraph_sdl
from gateway.composition.supergraph_sdl import print_supergraph_sdl
from gateway.config import GatewaySettings, SubgraphConfig
from gateway.testing.apollo import compose_with_apollo
from gateway.testing.servers import ThreadedServer, apollo_gateway, serve_apps

from .conftest import SCHEMAS, subgraph_configs
from .parity_corpus import CORPUS


def sdls() -> dict[str, str]:
    return {name: schema.as_str() for name, schema in SCHEMAS.items()}


def api(supergraph) -> str:
    return print_schema(lexicographic_sort_schema(supergraph.api_schema))


def test_apollo_and_our_supergraph_files_load_into_the_composed_api_schema():
    ours = compose(sdls())
    apollo = compose_with_apollo(sdls())
    assert apollo.ok and apollo.supergraph_sdl
    from_apollo = load_supergraph_sdl(apollo.supergraph_sdl)
    from_ours = load_supergraph_sdl(print_supergraph_sdl(ours))
    assert api(from_apollo) == api(ours) == api(from_ours)
    # The planner's model survives the round trip: keys, @requires, @provides, @override, @interfaceObject.
    for loaded in (from_apollo, from_ours):
        product = loaded.types["Product"]
        assert {s: sorted(k.fields for k in keys) for s, keys in product.keys.items()} == {
            "inventory": ["sku package"],
            "products": ["sku package", "upc"],
            "reviews": ["upc"],
        }
        assert product.fields["shippingEstimate"].requires.keys() == {"inventory"}
        assert loaded.types["User"].fields["karma"].resolvers == ["reviews"]
        assert loaded.types["Review"].fields["author"].provides.keys() == {"reviews"}
        assert loaded.types["Media"].interface_object_in == ["ratings"]


def test_apollo_gateway_serving_our_supergraph_answers_like_ours(tmp_path: Path):
    apps = {name: GraphQL(schema) for name, schema in SCHEMAS.items()}
    picked = [op for op in CORPUS if not op[0].startswith("error-") and not op[0].startswith("introspection")][::3]
    with serve_apps(apps) as urls:
        supergraph = compose(sdls(), urls)
        path = tmp_path / "supergraph.graphql"
        path.write_text(print_supergraph_sdl(supergraph))
        ours = ThreadedServer(create_gateway_app(GatewaySettings(supergraph_file=path, poll_interval_s=0))).start()
        try:
            with apollo_gateway(supergraph_file=str(path)) as apollo_url:
                for name, query, variables, operation_name in picked:
                    body = {"query": query, "variables": variables, "operationName": operation_name}
                    a = httpx.post(apollo_url, json=body, timeout=30)
                    b = httpx.post(ours.url, json=body, timeout=30)
                    assert json.dumps(b.json(), sort_keys=True) == json.dumps(a.json(), sort_keys=True), name
        finally:
            ours.stop()


async def test_gateway_serves_a_supergraph_file(tmp_path: Path):
    path = tmp_path / "supergraph.graphql"
    apollo = compose_with_apollo(sdls())
    assert apollo.supergraph_sdl
    path.write_text(apollo.supergraph_sdl)
    # Subgraphs named in GATEWAY_SUBGRAPHS override the file's URLs (here: in-process transports).
    app = create_gateway_app(GatewaySettings(supergraph_file=path, poll_interval_s=0), subgraph_configs([]))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        response = await client.post(
            "/graphql", json={"query": "{ reviews { author { name } product { shippingEstimate } } }"}
        )
        assert response.json()["data"]["reviews"][0] == {
            "author": {"name": "Ada Lovelace"},
            "product": {"shippingEstimate": 0},
        }


@strawberry.type
class V1Query:
    @strawberry.field
    def hello(self) -> str:
        return "v1"


@strawberry.type
class V2Query:
    @strawberry.field
    def hello(self) -> str:
        return "v2"

    @strawberry.field
    def added(self) -> int:
        return 2


@strawberry.type
class BrokenQuery(V2Query):
    @strawberry.field
    def me(self) -> int:  # clashes with accounts' `me: User!`: composition fails
        return 0


class SwitchableTransport(httpx.AsyncBaseTransport):
    def __init__(self, schema: strawberry.Schema) -> None:
        self.use(schema)

    def use(self, schema: strawberry.Schema) -> None:
        self.inner = httpx.ASGITransport(app=GraphQL(schema))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)


async def test_recomposition_picks_up_changes_and_keeps_the_last_good_supergraph():
    switch = SwitchableTransport(strawberry.federation.Schema(query=V1Query))
    configs = [*subgraph_configs([])[:1], SubgraphConfig("hello", "http://hello/graphql", switch)]
    app = create_gateway_app(GatewaySettings(poll_interval_s=0.05, compose_timeout_s=5), configs)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):

        async def ask(query: str) -> dict:
            return (await client.post("/graphql", json={"query": query})).json()

        async def until(predicate, query: str) -> dict:
            for _ in range(100):
                result = await ask(query)
                if predicate(result):
                    return result
                await asyncio.sleep(0.05)
            raise AssertionError(result)

        assert await ask("{ hello }") == {"data": {"hello": "v1"}}
        switch.use(strawberry.federation.Schema(query=V2Query))
        await until(lambda r: r.get("data") == {"hello": "v2", "added": 2}, "{ hello added }")

        switch.use(strawberry.federation.Schema(query=BrokenQuery))
        state = app.state.gateway
        for _ in range(100):
            if state.composition_error:
                break
            await asyncio.sleep(0.05)
        assert "me" in (state.composition_error or "")
        assert await ask("{ hello added me { name } }") == {
            "data": {"hello": "v2", "added": 2, "me": {"name": "Ada Lovelace"}}
        }
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert "last_composition_error" in ready.json()
