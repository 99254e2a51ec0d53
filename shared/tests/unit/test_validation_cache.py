"""The subgraphs' validation cache hits for a repeated document (the limits' rules are built once)."""

from __future__ import annotations

import strawberry

from kabinet.graphql.extensions import validation_cache_info
from kabinet.graphql.schema import subgraph_schema


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"


def test_a_repeated_document_is_validated_once() -> None:
    schema = subgraph_schema(Query)
    document = "query Hello { hello a1: hello }"
    assert schema.execute_sync(document).data == {"hello": "hi", "a1": "hi"}
    before = validation_cache_info()
    for _ in range(3):
        assert schema.execute_sync(document).errors is None
    after = validation_cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses


def test_the_limits_still_apply() -> None:
    schema = subgraph_schema(Query)
    deep_aliases = "query { " + " ".join(f"a{i}: hello" for i in range(31)) + " }"
    result = schema.execute_sync(deep_aliases)
    assert result.errors and "aliases" in result.errors[0].message.lower()


def test_an_invalid_document_keeps_its_errors_when_cached() -> None:
    schema = subgraph_schema(Query)
    for _ in range(2):
        result = schema.execute_sync("query { nope }")
        assert result.errors and "nope" in result.errors[0].message
