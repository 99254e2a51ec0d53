"""The composed supergraph: which subgraphs define and resolve each type and field, plus the API schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLSchema, SelectionSetNode, TypeNode, print_schema

from gateway.composition.subgraph_schema import EntityKey, ListSize, SubgraphSchema, TypeKind


@dataclass
class SupergraphField:
    type_name: str
    name: str
    type: TypeNode
    named_type: str
    # Subgraphs that can resolve the field on their own (declared, not @external, not overridden away).
    resolvers: list[str] = field(default_factory=list)
    # Every subgraph that declares it, @external ones included.
    definers: list[str] = field(default_factory=list)
    external_in: set[str] = field(default_factory=set)
    requires: dict[str, SelectionSetNode] = field(default_factory=dict)
    provides: dict[str, SelectionSetNode] = field(default_factory=dict)
    # Set when the field exists on an object only because an `@interfaceObject` subgraph adds it to the
    # interface: the entity fetch then sends the interface's name as `__typename`.
    via_interface_object: str | None = None
    inaccessible: bool = False
    # Cost directives merged from every subgraph that declares them (the largest weight and size win).
    cost: int | None = None
    argument_costs: dict[str, int] = field(default_factory=dict)
    list_size: ListSize | None = None
    # Some subgraph declares the field's answers never kept (`@cacheControl(maxAge: 0)`): the planner marks the
    # fetches asking for it, and the entity cache stores none of them.
    never_kept: bool = False


@dataclass
class SupergraphType:
    name: str
    kind: TypeKind
    subgraphs: list[str] = field(default_factory=list)
    keys: dict[str, list[EntityKey]] = field(default_factory=dict)
    fields: dict[str, SupergraphField] = field(default_factory=dict)
    interface_object_in: list[str] = field(default_factory=list)
    inaccessible: bool = False
    cost: int | None = None

    def resolvable_keys(self, subgraph: str) -> list[EntityKey]:
        return [k for k in self.keys.get(subgraph, []) if k.resolvable]


@dataclass
class Supergraph:
    subgraphs: dict[str, SubgraphSchema]
    types: dict[str, SupergraphType]
    api_schema: GraphQLSchema

    def field(self, type_name: str, field_name: str) -> SupergraphField | None:
        t = self.types.get(type_name)
        return t.fields.get(field_name) if t else None

    def subgraph_defines(self, subgraph: str, type_name: str) -> bool:
        return type_name in self.subgraphs[subgraph].types

    def api_sdl(self) -> str:
        return print_schema(self.api_schema)
