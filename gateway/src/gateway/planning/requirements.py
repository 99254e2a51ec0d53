"""Helpers for planning `@requires`: the representation's fields and the fetch a requirement waits for."""

from __future__ import annotations

from graphql import FieldNode, InlineFragmentNode, NameNode, SelectionNode, SelectionSetNode

from gateway.planning.plan import FetchNode

REQUIRED_ALIAS_PREFIX = "_required_"


def alias_arguments(required: SelectionSetNode) -> SelectionSetNode:
    """A required field with arguments (`score(scale: 10)`) gets an alias, so it never clashes with the same
    field the client selects with other arguments; the representation is built under the field's name."""
    selections: list[SelectionNode] = []
    for selection in required.selections:
        if isinstance(selection, FieldNode) and selection.arguments and selection.alias is None:
            selections.append(
                FieldNode(
                    alias=NameNode(value=f"{REQUIRED_ALIAS_PREFIX}{selection.name.value}"),
                    name=selection.name,
                    arguments=selection.arguments,
                    directives=selection.directives,
                    selection_set=selection.selection_set,
                )
            )
        else:
            selections.append(selection)
    return SelectionSetNode(selections=tuple(selections))


def field_ids(selection_set: SelectionSetNode | None) -> set[int]:
    """The identities of every field node in a selection set (the planner passes them on unchanged)."""
    ids: set[int] = set()
    if selection_set is None:
        return ids
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            ids.add(id(selection))
            ids |= field_ids(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            ids |= field_ids(selection.selection_set)
    return ids


def deepest_supplier(node: FetchNode, wanted: set[int]) -> FetchNode | None:
    """The deepest fetch below `node` that fetches one of the `wanted` fields: a fetch attached to it runs after
    every fetch that supplies a requirement (steps run in order, each after all of the previous one)."""
    best: tuple[int, FetchNode] | None = None
    stack = [(child, 1) for child in node.children]
    while stack:
        current, depth = stack.pop()
        if any(id(f) in wanted for f in current.fields) and (best is None or depth > best[0]):
            best = (depth, current)
        stack.extend((child, depth + 1) for child in current.children)
    return best[1] if best else None
