"""The standard extension set of every subgraph: caches, limits, error codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.schema.schema import validate_document

from kabinet.graphql.errors import ErrorCodes


@cache
def limit_rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias rules, built once: the validation cache is keyed by the rule classes, so rules
    made anew per request (as the limiters do) would never let it hit."""
    return (*QueryDepthLimiter(max_depth=max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules)


CACHE_SIZE = 1024


@lru_cache(maxsize=CACHE_SIZE)
def _validated(schema: GraphQLSchema, query: str, max_tokens: int, rules: tuple[type[ASTValidationRule], ...]
               ) -> list[GraphQLError]:
    """Keyed by the document's text, not its parsed form: hashing a parsed document walks all its nodes (~45 µs
    for the cabinet's home, on every request), the text's hash is one pass in C. The parse is the cached one."""
    return validate_document(schema, _get_parse_cache(CACHE_SIZE)(query, max_tokens=max_tokens), rules)


def validation_cache_info() -> Any:
    """Hits and misses of the validation cache the subgraphs share (shown on /metrics)."""
    return _validated.cache_info()


class StandardExtension(ErrorCodes):
    """The subgraph's request hooks in one extension: the token limit, the parse and validation caches (shared
    LRUs, as Strawberry's ParserCache and ValidationCache keep them), the depth and alias rules, and the error
    codes. One extension instead of five: Strawberry sets up a context per extension and hook on every request
    (four hooks x five extensions was a tenth of a small request's cost)."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int, cache_size: int) -> None:
        super().__init__()
        self.rules, self.max_tokens = rules, max_tokens
        self.cached_parse = _get_parse_cache(cache_size)

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.cached_parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validated(context.schema._schema, context.query, self.max_tokens,
                                                  context.validation_rules)
        yield


def standard_extensions(
    max_depth: int = 15, max_aliases: int = 30, max_tokens: int = 5000, cache_size: int = CACHE_SIZE
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    # A factory: a fresh extension per request; the parse/validation LRU caches are module-level and shared.
    # No ``resolve`` hook (it would run for every field of every answer): the id and text checks on arguments
    # are wrapped around the fields that take them (`kabinet.graphql.schema`).
    rules = limit_rules(max_depth, max_aliases)
    return [lambda: StandardExtension(rules, max_tokens, cache_size)]
