"""Federation `FieldSet` strings (`"id"`, `"sku package"`, `"id org { id }"`) as graphql-core selection sets."""

from __future__ import annotations

from functools import lru_cache

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode, parse
from graphql.language import OperationDefinitionNode


@lru_cache(maxsize=4096)
def parse_field_set(fields: str) -> SelectionSetNode:
    """Parse a FieldSet by wrapping it in braces, the way the federation spec defines it."""
    document = parse("{" + fields + "}", no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def top_level_field_names(selection_set: SelectionSetNode) -> list[str]:
    names: list[str] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names.extend(top_level_field_names(selection.selection_set))
    return names
