"""What of a subgraph's error reaches the client (docs/gateway.md, "Subgraph errors").

Kabinet's services mask their own unexpected errors, and every message they send under a typed code was written
for the client. An error under any other code, or under none (a service's bug that escaped the kit, a subgraph
that is not Kabinet's), may carry internal text - a query, a host name, a value - so the gateway answers it with
a generic message and ``DOWNSTREAM_SERVICE_ERROR``, keeping only its path and the service's name.

Typed codes: the values of the API schema's ``ErrorCode`` enum (the union of the services' domain codes) and the
kit's GraphQL-level codes (``kabinet.graphql.error_codes.GRAPHQL_ERROR_CODES``). ``GATEWAY_SUBGRAPH_ERROR_MESSAGES
=all`` passes every message as it came, as Apollo's gateway does (tests comparing with it; debugging).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLSchema

from kabinet.graphql.error_codes import GRAPHQL_ERROR_CODES

UNTYPED_CODE = "DOWNSTREAM_SERVICE_ERROR"
UNTYPED_MESSAGE = "A service could not answer this part of the request."


class SubgraphErrors:
    def __init__(self, schema: GraphQLSchema, *, verbatim: bool = False) -> None:
        enum = schema.get_type("ErrorCode")
        domain = frozenset(enum.values) if isinstance(enum, GraphQLEnumType) else frozenset()
        self.typed = GRAPHQL_ERROR_CODES | domain
        self.verbatim = verbatim

    def screen(self, error: dict[str, Any]) -> dict[str, Any]:
        """The error as the client gets it. Only subgraph errors (they carry ``serviceName``) are screened."""
        extensions = error.get("extensions")
        if self.verbatim or not isinstance(extensions, dict) or "serviceName" not in extensions:
            return error
        code = extensions.get("code")
        if isinstance(code, str) and code in self.typed:
            return error
        screened: dict[str, Any] = {"message": UNTYPED_MESSAGE}
        if "path" in error:
            screened["path"] = error["path"]
        screened["extensions"] = {"code": UNTYPED_CODE, "serviceName": extensions["serviceName"]}
        return screened
