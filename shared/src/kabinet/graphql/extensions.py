"""The standard extension set of every subgraph: caches, limits, error codes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from kabinet.graphql.errors import ErrorCodes
from kabinet.graphql.ids import IdArguments
from kabinet.graphql.input_limits import InputLimits


@cache
def limit_rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias rules, built once: the validation cache is keyed by the rule classes, so rules
    made anew per request (as the limiters do) would never let it hit."""
    return (*QueryDepthLimiter(max_depth=max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules)


def standard_extensions(
    max_depth: int = 15, max_aliases: int = 30, max_tokens: int = 5000, cache_size: int = 1024
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    # Factories: a fresh extension per request; the parse/validation LRU caches are module-level and shared.
    rules = list(limit_rules(max_depth, max_aliases))
    return [
        ErrorCodes,
        IdArguments,
        InputLimits,
        lambda: ParserCache(maxsize=cache_size),
        lambda: ValidationCache(maxsize=cache_size),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
    ]
