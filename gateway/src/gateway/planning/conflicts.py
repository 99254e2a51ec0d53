"""Response names a subgraph would reject: `... on Car { value } ... on Boat { value }` is invalid in a subgraph
where `Car.value` is `String!` and `Boat.value` is `String` (GraphQL's "fields in set can merge" rule), even if
the supergraph merged both to `String`. As Apollo's planner does, all but the first are sent under an alias
and renamed back when the fetch's result arrives (`execution.merging.apply_renames`)."""

from __future__ import annotations

from graphql import FieldNode, InlineFragmentNode, NameNode, SelectionNode, SelectionSetNode, print_ast

from gateway.composition.subgraph_schema import SubgraphSchema
from gateway.planning.plan import FetchNode

ALIAS_INFIX = "__alias_"


def alias_conflicts(
    schema: SubgraphSchema, node: FetchNode, path: tuple[str, ...], selections: list[SelectionNode]
) -> list[SelectionNode]:
    seen: dict[str, str] = {}  # response name -> the subgraph type of its first occurrence
    conflicts = False
    for selection in selections:
        for key, field_type in _typed_fields(schema, selection):
            if seen.setdefault(key, field_type) != field_type:
                conflicts = True
    if not conflicts:
        return selections
    relative = path[len(node.path) :]
    out: list[SelectionNode] = []
    counter = 0
    for selection in selections:
        if not isinstance(selection, InlineFragmentNode) or selection.type_condition is None:
            out.append(selection)
            continue
        typename = selection.type_condition.name.value
        inner: list[SelectionNode] = []
        for child in selection.selection_set.selections:
            typed = _field_type(schema, typename, child)
            if typed is not None and isinstance(child, FieldNode) and seen[typed[0]] != typed[1]:
                alias = f"{typed[0]}{ALIAS_INFIX}{counter}"
                counter += 1
                node.renames.append((relative, typename, alias, typed[0]))
                child = FieldNode(
                    alias=NameNode(value=alias),
                    name=child.name,
                    arguments=child.arguments,
                    directives=child.directives,
                    selection_set=child.selection_set,
                )
            inner.append(child)
        out.append(
            InlineFragmentNode(
                type_condition=selection.type_condition,
                directives=selection.directives,
                selection_set=SelectionSetNode(selections=tuple(inner)),
            )
        )
    return out


def _typed_fields(schema: SubgraphSchema, selection: SelectionNode) -> list[tuple[str, str]]:
    if isinstance(selection, FieldNode):
        return []
    if not isinstance(selection, InlineFragmentNode) or selection.type_condition is None:
        return []
    typename = selection.type_condition.name.value
    return [t for child in selection.selection_set.selections if (t := _field_type(schema, typename, child))]


def _field_type(schema: SubgraphSchema, typename: str, selection: SelectionNode) -> tuple[str, str] | None:
    if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
        return None
    t = schema.types.get(typename)
    f = t.fields.get(selection.name.value) if t else None
    if f is None:
        return None
    key = selection.alias.value if selection.alias else selection.name.value
    return key, print_ast(f.type)
