"""Merging one field's type as declared by several subgraphs (Apollo's rules, simplified)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast


def named_type_name(type_node: TypeNode) -> str:
    while isinstance(type_node, NonNullTypeNode | ListTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def merge_output_types(
    a: TypeNode, b: TypeNode, subtypes: Mapping[str, AbstractSet[str]] | None = None
) -> TypeNode | None:
    """The supertype of two output types, or None if they are incompatible.

    Output positions may differ in nullability (the merged field is nullable where either is nullable,
    since a client must be ready for null from either subgraph) and, as in Apollo's composition, in the named
    type when one is an interface or union and the other one of its members (`subtypes`: abstract type ->
    its object types in any subgraph), but not in list shape.
    """
    if isinstance(a, NonNullTypeNode) and isinstance(b, NonNullTypeNode):
        inner = merge_output_types(a.type, b.type, subtypes)
        return NonNullTypeNode(type=inner) if isinstance(inner, NamedTypeNode | ListTypeNode) else None
    if isinstance(a, NonNullTypeNode):
        return merge_output_types(a.type, b, subtypes)
    if isinstance(b, NonNullTypeNode):
        return merge_output_types(a, b.type, subtypes)
    if isinstance(a, ListTypeNode) and isinstance(b, ListTypeNode):
        inner = merge_output_types(a.type, b.type, subtypes)
        return ListTypeNode(type=inner) if inner is not None else None
    if isinstance(a, NamedTypeNode) and isinstance(b, NamedTypeNode):
        if a.name.value == b.name.value:
            return a
        if subtypes is not None:
            if b.name.value in subtypes.get(a.name.value, ()):
                return a
            if a.name.value in subtypes.get(b.name.value, ()):
                return b
    return None


def same_type(a: TypeNode, b: TypeNode) -> bool:
    return print_ast(a) == print_ast(b)
