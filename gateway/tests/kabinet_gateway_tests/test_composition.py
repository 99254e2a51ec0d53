"""Composition: merging, sharing rules, errors, API schema without federation internals, Apollo cross-check."""

from __future__ import annotations

import shutil

import pytest
from graphql import parse

from gateway.composition import CompositionError, compose
from gateway.composition.supergraph_sdl import print_supergraph_sdl
from gateway.testing.apollo import compose_with_apollo, node_harness_dir

from .conftest import SCHEMAS

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'


def subgraph_sdls() -> dict[str, str]:
    return {name: schema.as_str() for name, schema in SCHEMAS.items()}


def test_composes_test_subgraphs_into_api_schema_without_internals():
    supergraph = compose(subgraph_sdls())
    sdl = supergraph.api_sdl()
    for internal in ("_service", "_entities", "_Any", "_Entity", "@key", "@link", "join__", "federation__"):
        assert internal not in sdl
    product = supergraph.types["Product"]
    assert {s: [k.fields for k in keys] for s, keys in product.keys.items()} == {
        "products": ["upc", "sku package"],
        "inventory": ["sku package"],
        "reviews": ["upc"],
    }
    assert product.fields["shippingEstimate"].resolvers == ["inventory"]
    assert product.fields["price"].external_in == {"inventory"}
    assert "reviews" in supergraph.types["Review"].fields["author"].provides


def test_non_shareable_field_in_two_subgraphs_is_an_error():
    a = LINK + 'type Query { a: Int } type T @key(fields: "id") { id: ID! name: String }'
    b = LINK + 'type Query { b: Int } type T @key(fields: "id") { id: ID! name: String }'
    with pytest.raises(CompositionError) as info:
        compose({"a": a, "b": b})
    assert [i.code for i in info.value.issues] == ["INVALID_FIELD_SHARING"]
    assert "T.name" in str(info.value)


def test_conflicting_field_types_are_an_error():
    a = LINK + 'type Query { a: Int } type T @key(fields: "id") { id: ID! name: String @shareable }'
    b = LINK + 'type Query { b: Int } type T @key(fields: "id") { id: ID! name: Int @shareable }'
    with pytest.raises(CompositionError) as info:
        compose({"a": a, "b": b})
    assert info.value.issues[0].code == "FIELD_TYPE_MISMATCH"


def test_resolvable_false_override_inaccessible_and_renamed_imports():
    a = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: [{name: "@key", as: "@primaryKey"}, "@inaccessible"])\n'
        'type Query { a: T secret: Int @inaccessible } type T @primaryKey(fields: "id") { id: ID! old: Int }'
    )
    b = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override"])\n'
        'type Query { b: U } type U { t: T } type T @key(fields: "id", resolvable: false) { id: ID! }\n'
        'type V @key(fields: "id") { id: ID! } extend type T @federation__key(fields: "id") '
        '{ old: Int @override(from: "a") }'
    )
    supergraph = compose({"a": a, "b": b})
    assert "secret" not in supergraph.api_sdl()
    t = supergraph.types["T"]
    assert [k.resolvable for k in t.keys["b"]] == [False, True]
    assert t.fields["old"].resolvers == ["b"]


def test_supergraph_sdl_prints_join_directives():
    text = print_supergraph_sdl(compose(subgraph_sdls()))
    parse(text)
    assert '@join__type(graph: PRODUCTS, key: "sku package")' in text
    assert '@join__field(graph: INVENTORY, requires: "price weight")' in text


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_apollo_composes_the_test_subgraphs_and_agrees_on_root_fields():
    if not (node_harness_dir() / "node_modules").is_dir():
        pytest.skip("run `npm ci --prefix tests/node` first")
    sdls = subgraph_sdls()
    apollo = compose_with_apollo(sdls)
    assert apollo.errors == []
    assert apollo.supergraph_sdl
    ours = compose(sdls).api_schema
    apollo_schema = parse(apollo.supergraph_sdl)
    apollo_query_fields = {
        f.name.value
        for d in apollo_schema.definitions
        if getattr(getattr(d, "name", None), "value", None) == "Query"
        for f in d.fields  # type: ignore[attr-defined]
    }
    assert ours.query_type is not None
    assert set(ours.query_type.fields) == apollo_query_fields


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_apollo_also_rejects_what_we_reject():
    if not (node_harness_dir() / "node_modules").is_dir():
        pytest.skip("run `npm ci --prefix tests/node` first")
    a = LINK + 'type Query { a: Int } type T @key(fields: "id") { id: ID! name: String }'
    b = LINK + 'type Query { b: Int } type T @key(fields: "id") { id: ID! name: String }'
    assert [e["code"] for e in compose_with_apollo({"a": a, "b": b}).errors] == ["INVALID_FIELD_SHARING"]


async def test_polling_an_unchanged_graph_composes_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway polls its subgraphs every 30 s: unchanged SDLs reuse the last supergraph (no parse, no
    composition); a changed one is composed again."""
    from gateway.composition import sources
    from gateway.config import SubgraphConfig

    composed: list[dict[str, str]] = []
    real_compose = sources.compose

    def counting(sdls: dict[str, str], urls: dict[str, str]) -> object:
        composed.append(dict(sdls))
        return real_compose(sdls, urls)

    monkeypatch.setattr(sources, "compose", counting)
    source = sources.IntrospectAndCompose([SubgraphConfig(name, f"http://{name}") for name in SCHEMAS])
    answers = subgraph_sdls()

    async def fetch() -> dict[str, str]:
        return dict(answers)

    monkeypatch.setattr(source, "fetch_sdls", fetch)
    first = await source.load()
    assert await source.load() is first and len(composed) == 1
    name = next(iter(answers))
    answers[name] += "\n# changed\n"
    assert await source.load() is not first and len(composed) == 2
