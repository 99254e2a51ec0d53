"""The standard extension set of every subgraph: caches, limits, error codes."""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from kabinet.graphql.errors import ErrorCodes
from kabinet.graphql.ids import IdArguments


def standard_extensions(
    max_depth: int = 15, max_aliases: int = 30, max_tokens: int = 5000, cache_size: int = 1024
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    # Factories: a fresh extension per request; the parse/validation LRU caches are module-level and shared.
    return [
        ErrorCodes,
        IdArguments,
        lambda: ParserCache(maxsize=cache_size),
        lambda: ValidationCache(maxsize=cache_size),
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
    ]
