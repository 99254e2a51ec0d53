"""One way to build a subgraph schema: Federation v2 pinned, the standard extensions on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from kabinet.graphql.errors import log_errors
from kabinet.graphql.extensions import standard_extensions
from kabinet.graphql.types import SCALAR_MAP

# Pinned so every subgraph links the same spec, one that Apollo Gateway/Router and Hive Gateway all read.
FEDERATION_VERSION: Final = "2.9"


class SubgraphSchema(strawberry.federation.Schema):
    """Strawberry logs every error at ERROR with its traceback; a client's mistake is one INFO line here."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        log_errors(errors)


def subgraph_schema(
    query: type, mutation: type | None = None, types: Iterable[type] = (), **kwargs: Any
) -> strawberry.federation.Schema:
    return SubgraphSchema(
        query=query, mutation=mutation, types=list(types), extensions=standard_extensions(),
        federation_version=FEDERATION_VERSION, config=StrawberryConfig(scalar_map=SCALAR_MAP),
        **kwargs,
    )


# The @cost weight of each item of a list computed over a window rather than read by key: with the gateway's
# assumed list size (10) such a field weighs about 200, and the default budget (GATEWAY_MAX_COST = 2500)
# admits about a dozen of them in one request.
EXPENSIVE_FIELD_COST: Final = 20
