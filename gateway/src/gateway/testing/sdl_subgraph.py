"""Small SDL-first Federation v2 subgraphs on graphql-core, for differential tests of odd supergraph shapes.

A subgraph is its Federation SDL (exactly what `_service { sdl }` returns) plus in-memory data: records per type
name (dicts; nested objects are nested dicts carrying `__typename`) and root field resolvers. A record's field
may be a callable `fn(obj, **args)` (a field with arguments, or one computed from `@requires` fields, which the
representation brings in), or an exception (the field errors). `_entities` finds the record whose key fields
equal the representation's (or, for an extension subgraph without data, builds the object from the
representation itself) and lays the representation over it, so `@requires` fields reach the resolvers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaExtensionNode,
    StringValueNode,
    build_ast_schema,
    graphql,
    is_interface_type,
    is_object_type,
    parse,
)

from gateway.composition.field_sets import parse_field_set, top_level_field_names

Resolver = Callable[..., Any]

_ENTITY_SUPPORT = """
scalar _Any
type _Service { sdl: String }
"""


@dataclass
class SdlSubgraph:
    sdl: str
    data: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    # "Type.field" -> fn(obj, **args); root fields get obj None.
    resolvers: Mapping[str, Resolver] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.schema, self._keys = _executable_schema(self.sdl)

    async def execute(self, query: str, variables: dict[str, Any] | None, operation_name: str | None) -> dict[str, Any]:
        result = await graphql(
            self.schema,
            query,
            root_value=None,
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=self._resolve_field,
        )
        out: dict[str, Any] = {}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        out["data"] = result.data
        return out

    # --- resolvers --------------------------------------------------------------------------------------

    def _resolve_field(self, obj: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        parent = info.parent_type.name
        name = info.field_name
        if parent == "Query" and name == "_service":
            return {"sdl": self.sdl}
        if parent == "Query" and name == "_entities":
            return [self._entity(r) for r in args["representations"]]
        resolver = self.resolvers.get(f"{parent}.{name}")
        if resolver is not None:
            value = resolver(obj, **args)
        elif isinstance(obj, dict):
            value = obj.get(name)
            if callable(value):
                value = value(obj, **args)
        else:
            value = None
        if isinstance(value, Exception):
            raise value if isinstance(value, GraphQLError) else GraphQLError(str(value))
        return value

    def _entity(self, representation: dict[str, Any]) -> Any:
        typename = representation.get("__typename")
        gql_type = self.schema.get_type(str(typename))
        if gql_type is None:
            return None
        candidates: list[str] = [str(typename)]
        if is_interface_type(gql_type):
            candidates = [t.name for t in self.schema.get_possible_types(gql_type)]
        for candidate in candidates:
            for record in self.data.get(candidate, ()):
                if self._matches(str(typename), record, representation):
                    return {**record, **_without_typename(representation), "__typename": candidate}
        if is_object_type(gql_type) and not self.data.get(str(typename)):
            return dict(representation)  # an extension subgraph: the representation is the object
        return None

    def _matches(self, typename: str, record: dict[str, Any], representation: dict[str, Any]) -> bool:
        for key in self._keys.get(typename, ()):
            if all(name in representation for name in key) and all(
                record.get(name) == representation[name] for name in key
            ):
                return True
        return False


def _without_typename(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != "__typename"}


_OBJECT_LIKE = (
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
)


def _executable_schema(sdl: str) -> tuple[GraphQLSchema, dict[str, list[list[str]]]]:
    document = parse(sdl)
    definitions = [d for d in document.definitions if not isinstance(d, SchemaExtensionNode)]
    keys: dict[str, list[list[str]]] = {}
    entities: list[str] = []
    has_query = False
    for d in definitions:
        if not isinstance(d, _OBJECT_LIKE):
            continue
        has_query = has_query or d.name.value == "Query"
        for directive in d.directives or ():
            if directive.name.value != "key":
                continue
            fields = next(a.value for a in directive.arguments or () if a.name.value == "fields")
            assert isinstance(fields, StringValueNode)
            keys.setdefault(d.name.value, []).append(list(top_level_field_names(parse_field_set(fields.value))))
            if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and d.name.value not in entities:
                entities.append(d.name.value)
    extra = _ENTITY_SUPPORT
    root_fields = "_service: _Service!"
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        root_fields += " _entities(representations: [_Any!]!): [_Entity]!"
    extra += f"{'extend type' if has_query else 'type'} Query {{ {root_fields} }}\n"
    full = DocumentNode(definitions=(*definitions, *parse(extra).definitions))
    return build_ast_schema(full, assume_valid_sdl=True), keys


class SdlSubgraphsApp:
    """One ASGI app serving many `SdlSubgraph`s at `/<name>/graphql` (one server thread for a whole corpus)."""

    def __init__(self, subgraphs: Mapping[str, SdlSubgraph]) -> None:
        self.subgraphs = dict(subgraphs)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        name = scope["path"].strip("/").removesuffix("/graphql")
        subgraph = self.subgraphs.get(name)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if subgraph is None or scope["method"] != "POST":
            await _respond(send, 404, {"errors": [{"message": "not found"}]})
            return
        request = json.loads(body or b"{}")
        result = await subgraph.execute(
            request.get("query", ""), request.get("variables"), request.get("operationName")
        )
        await _respond(send, 200, result)


async def _respond(send: Callable[..., Any], status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
