"""Request limits checked once per document (the result is cached with it): depth, aliases, tokens, and the
field selections the document expands to.

Fragments are walked once each (memoised by name): a fragment spread twice by a fragment spread twice by ...
expands to 2^n selections, so a walk that follows every spread takes exponential time on a 1 KB document (and
the planner, shaper and cost estimate downstream do the same work unless the expanded size is bounded here)."""

from __future__ import annotations

from collections.abc import Callable
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
    # Field selections of an operation with every fragment spread expanded (what planning and shaping walk).
    max_fields: int = 1000

    def violations(self, document: DocumentNode) -> list[str]:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        problems: list[str] = []
        depths: dict[str, int] = {}
        sizes: dict[str, int] = {}
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            name = definition.name.value if definition.name else "anonymous"
            depth = _depth(definition.selection_set, fragments, depths)
            if self.max_depth and depth > self.max_depth:
                problems.append(f"Operation '{name}' exceeds the maximum query depth of {self.max_depth} ({depth}).")
            fields = _fields(definition.selection_set, fragments, sizes)
            if self.max_fields and fields > self.max_fields:
                problems.append(
                    f"Operation '{name}' selects {fields} fields with its fragments expanded; "
                    f"at most {self.max_fields} are allowed."
                )
        aliases = _aliases(document)
        if self.max_aliases and aliases > self.max_aliases:
            problems.append(f"The document uses {aliases} aliases; at most {self.max_aliases} are allowed.")
        return problems


def _fragment(
    name: str,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, int],
    walk: Callable[[SelectionSetNode, dict[str, FragmentDefinitionNode], dict[str, int]], int],
) -> int:
    """A fragment's measure, computed once per document: it does not depend on where it is spread."""
    if name not in memo:
        memo[name] = 0  # while it is being walked: a cycle (refused by validation anyway) adds nothing
        fragment = fragments.get(name)
        if fragment is not None:
            memo[name] = walk(fragment.selection_set, fragments, memo)
    return memo[name]


def _depth(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], memo: dict[str, int]) -> int:
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection is bounded by the schema itself
            inner = 1 + _depth(selection.selection_set, fragments, memo) if selection.selection_set else 0
            deepest = max(deepest, inner)
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, memo))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, _fragment(selection.name.value, fragments, memo, _depth))
    return deepest


def _fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], memo: dict[str, int]) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += 1 + (_fields(selection.selection_set, fragments, memo) if selection.selection_set else 0)
        elif isinstance(selection, InlineFragmentNode):
            count += _fields(selection.selection_set, fragments, memo)
        elif isinstance(selection, FragmentSpreadNode):
            count += _fragment(selection.name.value, fragments, memo, _fields)
    return count


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
