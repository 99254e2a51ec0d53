"""Response names a subgraph would reject: `... on Car { value } ... on Boat { value }` is invalid in a subgraph
where `Car.value` is `String!` and `Boat.value` is `String` (GraphQL's "fields in set can merge" rule), even if
the supergraph merged both to `String`. As Apollo's planner does, all but the first are sent under an alias
and renamed back when the fetch's result arrives (`execution.merging.apply_renames`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from graphql import FieldNode, InlineFragmentNode, NameNode, SelectionNode, SelectionSetNode, print_ast

from gateway.composition.subgraph_schema import SubgraphSchema
from gateway.planning.plan import FetchNode

ALIAS_INFIX = "__alias_"


def alias_conflicts(
    schema: SubgraphSchema, node: FetchNode, path: tuple[str, ...], selections: list[SelectionNode]
) -> list[SelectionNode]:
    seen: dict[str, str] = {}  # response name -> the subgraph type of its first occurrence
    conflicts = False

    def scan(selections: Sequence[SelectionNode], typename: str | None) -> None:
        nonlocal conflicts
        for selection in selections:
            if isinstance(selection, FieldNode):
                typed = _field_type(schema, typename, selection) if typename else None
                if typed is not None and seen.setdefault(typed[0], typed[1]) != typed[1]:
                    conflicts = True
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else typename
                scan(selection.selection_set.selections, condition)

    scan(selections, None)
    if not conflicts:
        return selections
    relative = path[len(node.path) :]
    counter = itertools.count()

    def _rewritten(selection: SelectionNode, typename: str | None) -> SelectionNode:
        if isinstance(selection, FieldNode) and typename is not None:
            typed = _field_type(schema, typename, selection)
            if typed is not None and seen[typed[0]] != typed[1]:
                alias = f"{typed[0]}{ALIAS_INFIX}{next(counter)}"
                node.renames.append((relative, typename, alias, typed[0]))
                return FieldNode(
                    alias=NameNode(value=alias),
                    name=selection.name,
                    arguments=selection.arguments,
                    directives=selection.directives,
                    selection_set=selection.selection_set,
                )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else typename
            return InlineFragmentNode(
                type_condition=selection.type_condition,
                directives=selection.directives,
                selection_set=SelectionSetNode(
                    selections=tuple(rewrite(selection.selection_set.selections, condition))
                ),
            )
        return selection

    def rewrite(selections: Sequence[SelectionNode], typename: str | None) -> list[SelectionNode]:
        out: list[SelectionNode] = []
        for selection in selections:
            out.append(_rewritten(selection, typename))
        return out

    return rewrite(selections, None)


def _field_type(schema: SubgraphSchema, typename: str, selection: SelectionNode) -> tuple[str, str] | None:
    if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
        return None
    t = schema.types.get(typename)
    f = t.fields.get(selection.name.value) if t else None
    if f is None:
        return None
    key = selection.alias.value if selection.alias else selection.name.value
    return key, print_ast(f.type)
