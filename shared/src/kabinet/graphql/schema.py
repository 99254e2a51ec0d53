"""One way to build a subgraph schema: Federation v2 pinned, the standard extensions on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema, default_field_resolver
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.schema_directive import Location
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from kabinet.graphql.errors import log_errors
from kabinet.graphql.extensions import Standard, standard_extensions
from kabinet.graphql.ids import checking_ids, id_arguments
from kabinet.graphql.input_limits import checking_texts
from kabinet.graphql.types import SCALAR_MAP

# Pinned so every subgraph links the same spec, one that Apollo Gateway/Router and Hive Gateway all read.
FEDERATION_VERSION: Final = "2.9"


def install_argument_checks(schema: GraphQLSchema) -> None:
    """Every field that takes an id checks it (`kabinet.graphql.ids`); every root field checks its texts
    (`kabinet.graphql.input_limits`), before its resolver. Wrapped here, once, rather than by a schema
    extension's ``resolve`` hook: such a hook runs for every field of every answer (a list of 50 lessons is
    hundreds of calls), while only a few fields take arguments at all."""
    roots = {t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t}
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not field.args:
                continue
            resolve = field.resolve or default_field_resolver
            ids = id_arguments(field.args) if name != "_entities" else []
            if ids:
                resolve = checking_ids(resolve, ids)
            if type_.name in roots:
                resolve = checking_texts(resolve)
            if resolve is not (field.resolve or default_field_resolver):
                field.resolve = resolve


class CachedNameConverter(NameConverter):
    """Strawberry converts each argument's Python name to its GraphQL name on every call of a field that takes
    arguments (``_entities`` included); the answer never changes, so it is remembered."""

    def __init__(self, auto_camel_case: bool = True) -> None:
        super().__init__(auto_camel_case)
        self._names: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        converted = self._names.get(name)
        if converted is None:
            converted = self._names[name] = super().apply_naming_config(name)
        return converted


class SubgraphSchema(strawberry.federation.Schema):
    """Strawberry logs every error at ERROR with its traceback; a client's mistake is one INFO line here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_argument_checks(self._schema)
        # The standard extension alone (no other extension, no operation directive, no incremental delivery):
        # requests take its direct path, the same work without Strawberry's per-request extension machinery.
        only = self.extensions[0] if len(self.extensions) == 1 else None
        self._standard = only if (isinstance(only, Standard) and not self.directives
                                  and not self.config.enable_experimental_incremental_execution) else None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if self._standard is None or not query:  # no query: Strawberry's own path raises what the view expects
            return await super().execute(query, variable_values, context_value, root_value, operation_name,
                                         allowed_operation_types, operation_extensions)
        return await self._standard.execute(
            self, query, variable_values, context_value, root_value, operation_name,
            DEFAULT_ALLOWED_OPERATION_TYPES if allowed_operation_types is None else allowed_operation_types,
            operation_extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors)


def subgraph_schema(
    query: type, mutation: type | None = None, types: Iterable[type] = (), **kwargs: Any
) -> strawberry.federation.Schema:
    return SubgraphSchema(
        query=query, mutation=mutation, types=list(types), extensions=standard_extensions(),
        federation_version=FEDERATION_VERSION,
        config=StrawberryConfig(scalar_map=SCALAR_MAP, name_converter=CachedNameConverter()),
        **kwargs,
    )


# The @cost weight of each item of a list computed over a window rather than read by key: with the gateway's
# assumed list size (10) such a field weighs about 200, and the default budget (GATEWAY_MAX_COST = 2500)
# admits about a dozen of them in one request.
EXPENSIVE_FIELD_COST: Final = 20


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="cacheControl")
class CacheControl:
    """Apollo's cache hint on a field. ``CacheControl(max_age=0)``: its answers are never kept - the gateway reads
    it from the subgraph's SDL at composition and its entity cache stores no fetch asking for the field (a field
    whose answer changes with events its subgraph does not announce)."""

    max_age: int


NEVER_KEPT: Final = CacheControl(max_age=0)
