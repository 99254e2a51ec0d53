"""Automatic persisted queries, the trusted-documents mode, and the @cost/@listSize cost estimate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.app import create_gateway_app
from gateway.composition.compose import compose
from gateway.composition.supergraph_file import load_supergraph_sdl
from gateway.config import GatewaySettings
from gateway.cost import CostEstimator
from gateway.documents import sha256_hex
from gateway.testing.apollo import ApolloHarnessMissing, compose_with_apollo
from kabinet_gateway_tests.conftest import GatewayHarness, RecordedRequest, subgraph_configs

QUERY = "{ me { name } }"
APQ = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(QUERY)}}


async def harness(settings: GatewaySettings) -> AsyncIterator[GatewayHarness]:
    log: list[RecordedRequest] = []
    app = create_gateway_app(settings, subgraph_configs(log))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        yield GatewayHarness(client=client, app=app, requests=log)


# --- automatic persisted queries ------------------------------------------------------------------------


async def test_apq_hash_then_register_then_hash(gateway):
    miss = await gateway.client.post("/graphql", json={"extensions": APQ})
    assert miss.status_code == 200
    assert miss.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    assert gateway.requests == []
    registered = await gateway.client.post("/graphql", json={"query": QUERY, "extensions": APQ})
    assert registered.json() == {"data": {"me": {"name": "Ada Lovelace"}}}
    hit = await gateway.client.post("/graphql", json={"extensions": APQ})
    assert hit.json() == {"data": {"me": {"name": "Ada Lovelace"}}}
    # Over GET too (queries only), which is what lets CDNs cache APQ requests.
    got = await gateway.client.get("/graphql", params={"extensions": json.dumps(APQ)})
    assert got.status_code == 200 and got.json() == {"data": {"me": {"name": "Ada Lovelace"}}}


async def test_apq_hash_mismatch_and_bad_version(gateway):
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ users { id } }")}}
    response = await gateway.client.post("/graphql", json={"query": QUERY, "extensions": wrong})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    response = await gateway.client.post(
        "/graphql", json={"query": QUERY, "extensions": {"persistedQuery": {"version": 2, "sha256Hash": "x"}}}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert gateway.requests == []


async def test_apq_mutation_over_get_is_still_405(gateway, mutation_log):
    mutation = 'mutation { login(username: "ada") { id } }'
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(mutation)}}
    await gateway.client.get("/graphql", params={"query": mutation, "extensions": json.dumps(ext)})
    response = await gateway.client.get("/graphql", params={"extensions": json.dumps(ext)})
    assert response.status_code == 405
    assert mutation_log == []


async def test_apq_can_be_turned_off():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, apq_enabled=False)):
        response = await gw.client.post("/graphql", json={"query": QUERY, "extensions": APQ})
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


# --- trusted documents ----------------------------------------------------------------------------------


TRUSTED = ["query Me { me { name } }", "query Users { users { id } }"]


@pytest.fixture
async def trusted(tmp_path: Path) -> AsyncIterator[GatewayHarness]:
    manifest = tmp_path / "trusted.json"
    manifest.write_text(json.dumps({sha256_hex(d): d for d in TRUSTED}))
    async for gw in harness(GatewaySettings(compose_timeout_s=5, trusted_documents=manifest)):
        yield gw


async def test_trusted_documents_by_id_hash_or_text(trusted):
    me = {"data": {"me": {"name": "Ada Lovelace"}}}
    by_id = await trusted.client.post("/graphql", json={"documentId": f"sha256:{sha256_hex(TRUSTED[0])}"})
    assert by_id.json() == me
    by_get = await trusted.client.get("/graphql", params={"documentId": sha256_hex(TRUSTED[0])})
    assert by_get.json() == me
    by_apq = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(TRUSTED[1])}}
    response = await trusted.client.post("/graphql", json={"extensions": by_apq})
    assert response.json() == {"data": {"users": [{"id": "1"}, {"id": "2"}]}}
    by_text = await trusted.client.post("/graphql", json={"query": TRUSTED[0]})
    assert by_text.json() == me


async def test_only_trusted_documents_run(trusted):
    unknown = await trusted.client.post("/graphql", json={"documentId": sha256_hex("{ me { id } }")})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    freeform = await trusted.client.post("/graphql", json={"query": "{ me { id } }"})
    assert freeform.status_code == 403
    assert freeform.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    # No registration in this mode: sending the text with its hash does not add it.
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ me { id } }")}}
    response = await trusted.client.post("/graphql", json={"query": "{ me { id } }", "extensions": ext})
    assert response.status_code == 403
    assert (await trusted.client.post("/graphql", json={"documentId": sha256_hex("{ me { id } }")})).status_code == 404
    assert trusted.requests == []


def test_apollo_manifest_format_is_read(tmp_path):
    from gateway.documents import load_manifest

    manifest = tmp_path / "pq.json"
    operations = [{"id": sha256_hex(d), "body": d, "name": "X", "type": "query"} for d in TRUSTED]
    apollo = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    manifest.write_text(json.dumps(apollo))
    assert load_manifest(manifest) == {sha256_hex(d): d for d in TRUSTED}
    manifest.write_text(json.dumps({"0" * 64: TRUSTED[0]}))
    with pytest.raises(ValueError, match="not the sha256"):
        load_manifest(manifest)


# --- cost -----------------------------------------------------------------------------------------------

COST_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])

type Query {
  books(first: Int = 20, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
  shelves: [Shelf!]! @listSize(assumedSize: 3)
  authors(first: Int! = 5): AuthorConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
  search(term: String! @cost(weight: 7)): [Book!]!
  expensive: Int @cost(weight: 50)
}

type Shelf { id: ID! books: [Book!]! }
type Book @key(fields: "id") { id: ID! title: String! author: Author }
type Author @cost(weight: 3) { name: String! }
type AuthorConnection { edges: [AuthorEdge!]! }
type AuthorEdge { node: Author! }
"""


def estimate(query: str, variables: dict | None = None, default_list_size: int = 10) -> tuple[int, bool]:
    supergraph = compose({"library": COST_SDL})
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return CostEstimator(supergraph, default_list_size).estimate(operation, fragments, variables or {})


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("{ books { title } }", None, (20, False)),  # the slicing argument's default: 20 x 1
        ("{ books(first: 4, last: 7) { title author { name } } }", None, (7 * (1 + 3), False)),
        ("query($n: Int) { books(first: $n) { id } }", {"n": 2}, (2, True)),
        ("{ shelves { books { id } } }", None, (3 * (1 + 10 * 1), False)),  # assumedSize, then the default
        ("{ authors(first: 4) { edges { node { name } } } }", None, (1 + 4 * (1 + 3), False)),  # sizedFields
        ('{ search(term: "x") { id } }', None, (10 + 7, False)),  # an argument's @cost
        ("{ expensive }", None, (50, False)),
        ("{ ...F } fragment F on Query { expensive books(first: 1) { id } }", None, (51, False)),
        ("query($s: Boolean!) { expensive @skip(if: $s) }", {"s": True}, (0, False)),
    ],
)
def test_cost_estimate_follows_cost_and_list_size(query, variables, expected):
    assert estimate(query, variables) == expected


def test_apollo_composition_keeps_cost_directives_too():
    try:
        result = compose_with_apollo({"library": COST_SDL})
    except ApolloHarnessMissing as exc:
        pytest.skip(str(exc))
    assert result.ok, result.errors
    assert result.supergraph_sdl is not None
    assert "@cost(weight: 50)" in result.supergraph_sdl
    assert '@listSize(assumedSize: 3' in result.supergraph_sdl


async def test_requests_above_the_cost_limit_are_refused():
    async for gw in harness(GatewaySettings(compose_timeout_s=5, max_cost=15)):
        cheap = await gw.client.post("/graphql", json={"query": "{ me { name } topProducts { name } }"})
        assert cheap.status_code == 200, cheap.text  # 1 + 10 x 1
        costly = await gw.client.post("/graphql", json={"query": "{ reviews { body author { name } } }"})
        assert costly.status_code == 400
        error = costly.json()["errors"][0]
        assert error["extensions"] == {"code": "COST_LIMIT_EXCEEDED", "cost": 20, "maxCost": 15}
        assert [r.query for r in gw.requests if "reviews" in r.query] == []


def test_cost_directives_are_read_back_from_a_supergraph_file_composed_elsewhere():
    try:
        result = compose_with_apollo({"library": COST_SDL})
    except ApolloHarnessMissing as exc:
        pytest.skip(str(exc))
    assert result.supergraph_sdl is not None
    from_file = load_supergraph_sdl(result.supergraph_sdl)
    composed = compose({"library": COST_SDL})
    for query in (
        "{ books { title } }",
        "{ shelves { books { id } } }",
        "{ authors(first: 4) { edges { node { name } } } }",
        '{ search(term: "x") { id } }',
        "{ expensive }",
    ):
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        ours = CostEstimator(composed, 10).estimate(operation, {}, {})
        assert CostEstimator(from_file, 10).estimate(operation, {}, {}) == ours, query
        assert ours[0] > 0
