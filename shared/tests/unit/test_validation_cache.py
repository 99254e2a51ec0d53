"""The subgraphs' validation cache hits for a repeated document (the limits' rules are built once)."""

from __future__ import annotations

import strawberry
from strawberry.extensions.validation_cache import _get_validate_cache

from kabinet.graphql.schema import subgraph_schema


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"


def test_a_repeated_document_is_validated_once() -> None:
    schema = subgraph_schema(Query)
    validate = _get_validate_cache(1024)
    document = "query Hello { hello a1: hello }"
    assert schema.execute_sync(document).data == {"hello": "hi", "a1": "hi"}
    before = validate.cache_info()
    for _ in range(3):
        assert schema.execute_sync(document).errors is None
    after = validate.cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses


def test_the_limits_still_apply() -> None:
    schema = subgraph_schema(Query)
    deep_aliases = "query { " + " ".join(f"a{i}: hello" for i in range(31)) + " }"
    result = schema.execute_sync(deep_aliases)
    assert result.errors and "aliases" in result.errors[0].message.lower()
