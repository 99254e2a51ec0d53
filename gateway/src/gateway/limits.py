"""Request limits checked once per document (the result is cached with it): depth, aliases, tokens."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


@dataclass
class RequestLimits:
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 15000

    def violations(self, document: DocumentNode) -> list[str]:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        problems: list[str] = []
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            depth = _depth(definition.selection_set, fragments, frozenset())
            if self.max_depth and depth > self.max_depth:
                name = definition.name.value if definition.name else "anonymous"
                problems.append(f"Operation '{name}' exceeds the maximum query depth of {self.max_depth} ({depth}).")
        aliases = _aliases(document)
        if self.max_aliases and aliases > self.max_aliases:
            problems.append(f"The document uses {aliases} aliases; at most {self.max_aliases} are allowed.")
        return problems


def _depth(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str]
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection is bounded by the schema itself
            inner = 1 + _depth(selection.selection_set, fragments, seen) if selection.selection_set else 0
            deepest = max(deepest, inner)
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                deepest = max(deepest, _depth(fragment.selection_set, fragments, seen | {selection.name.value}))
    return deepest


def _aliases(document: DocumentNode) -> int:
    count = 0

    def walk(selection_set: SelectionSetNode | None) -> None:
        nonlocal count
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.alias is not None:
                count += 1
            walk(getattr(selection, "selection_set", None))

    for definition in document.definitions:
        walk(getattr(definition, "selection_set", None))
    return count
