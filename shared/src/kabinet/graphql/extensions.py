"""The standard extension set of every subgraph: caches, limits, error codes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, execute, specified_rules
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.extensions.parser_cache import _get_parse_cache
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from kabinet.graphql.errors import ErrorCodes

if TYPE_CHECKING:
    from strawberry.schema import Schema


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


class Standard:
    """The factory of `StandardExtension` (a fresh one per request when Strawberry's own path runs) and the same
    work in one pass (:meth:`execute`), for a schema whose only extension it is.

    Strawberry's ``Schema.execute`` builds the extension, an extensions runner and four hook contexts (operation,
    parse, validate, execute) and an empty middleware manager on every request: about half of a small subgraph
    request's CPU beside graphql-core's own execution. :meth:`execute` does exactly what that path does with this
    extension (the same caches, rules, token limit, error codes and 503, the same errors logged, the same
    exceptions for the view's 400s), straight."""

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], max_tokens: int, cache_size: int) -> None:
        self.rules, self.max_tokens, self.cache_size = rules, max_tokens, cache_size
        self.cached_parse = _get_parse_cache(cache_size)
        # What `StandardExtension.on_operation` makes of the execution context's default rules.
        self.all_rules: tuple[type[ASTValidationRule], ...] = (*specified_rules, *rules)

    def __call__(self) -> StandardExtension:
        return StandardExtension(self.rules, self.max_tokens, self.cache_size)

    async def execute(
        self, schema: Schema, query: str, variable_values: dict[str, Any] | None, context_value: Any,
        root_value: Any, operation_name: str | None, allowed_operation_types: Iterable[OperationType],
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        context = ExecutionContext(
            query=query, schema=schema, allowed_operations=allowed_operation_types, context=context_value,
            root_value=root_value, variables=variable_values, provided_operation_name=operation_name,
            operation_extensions=operation_extensions, validation_rules=self.all_rules)
        context.parse_options["max_tokens"] = self.max_tokens
        try:
            context.graphql_document = document = self.cached_parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return self._finish(schema, context, PreExecutionError(data=None, errors=[error]))
        except Exception as error:
            return self._finish(schema, context, PreExecutionError(
                data=None, errors=[GraphQLError(str(error), original_error=error)]))
        name = context.operation_name
        try:
            operation_type = context.operation_type
        except RuntimeError as error:
            raise CannotGetOperationTypeError(name) from error
        if operation_type not in context.allowed_operations:
            raise InvalidOperationTypeError(operation_type)
        errors = context.pre_execution_errors = _validated(schema._schema, query, self.max_tokens, self.all_rules)
        if errors:
            return self._finish(schema, context, PreExecutionError(data=None, errors=errors))
        try:
            # No middleware manager: Strawberry passes an empty one, which graphql-core asks for every field.
            raw = await await_maybe(execute(
                schema._schema, document, root_value=root_value, variable_values=variable_values,
                operation_name=name, context_value=context_value,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]  # as Strawberry passes it
                **execution_context_class_kwargs(schema.execution_context_class),
                operation_extensions=operation_extensions))
        except Exception as exc:
            # As Strawberry: an error escaping the executor ends the operation without the error codes' pass.
            escaped = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            schema._process_errors([escaped], context)
            failed = PreExecutionError(data=None, errors=[escaped])
            failed.extensions = {}
            context.result = failed
            return failed
        if raw.errors:
            context.pre_execution_errors = raw.errors
            schema._process_errors(raw.errors, context)
        result = ExecutionResult(data=raw.data, errors=raw.errors)
        result.extensions = {}
        context.result = result
        ErrorCodes.finish(context)
        return result

    @staticmethod
    def _finish(schema: Schema, context: ExecutionContext, result: PreExecutionError) -> ExecutionResult:
        context.pre_execution_errors = result.errors
        schema._process_errors(result.errors or [], context)
        result.extensions = {}
        context.result = result
        ErrorCodes.finish(context)
        return result


def standard_extensions(
    max_depth: int = 15, max_aliases: int = 30, max_tokens: int = 5000, cache_size: int = CACHE_SIZE
) -> list[Standard]:
    # A factory: a fresh extension per request; the parse/validation LRU caches are module-level and shared.
    # No ``resolve`` hook (it would run for every field of every answer): the id and text checks on arguments
    # are wrapped around the fields that take them (`kabinet.graphql.schema`).
    return [Standard(limit_rules(max_depth, max_aliases), max_tokens, cache_size)]
