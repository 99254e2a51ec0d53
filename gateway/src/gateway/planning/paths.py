"""Path search: which subgraph can answer a selection on its own, and which subgraph a root field goes to.

The builder (`planner._PlanBuilder`) mixes this in. Root fields resolvable in several subgraphs are planned once
per candidate and the cheapest plan wins (`cost.fetch_cost`; a subgraph already chosen for another root field
saves a fetch); a shared root field whose type has no key, which no candidate answers alone, is split: each
part of its selection goes to a subgraph that resolves it, and the results merge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
)

from gateway.planning.cost import Cost, fetch_cost

if TYPE_CHECKING:
    from gateway.composition.supergraph import Supergraph
    from gateway.planning.plan import FetchNode

FieldTree = dict[str, "FieldTree"]


class PlanningError(Exception):
    """The operation cannot be split into subgraph fetches (a supergraph the planner does not support yet)."""


@dataclass
class RootItem:
    field: FieldNode
    wrappers: tuple[tuple[DirectiveNode, ...], ...]


class PathSearch:
    if TYPE_CHECKING:  # provided by the builder (planner._PlanBuilder)
        supergraph: Supergraph
        fragments: dict[str, FragmentDefinitionNode]

        def _can_resolve(self, subgraph: str, type_name: str, field_name: str, provided: FieldTree | None) -> bool: ...
        def _root_node(self, subgraph: str, root_name: str, items: list[RootItem]) -> FetchNode: ...
        def _possible_types(self, type_name: str) -> list[str]: ...

    # --- can one subgraph answer a whole selection? --------------------------------------------------------

    def subtree_resolvable(self, subgraph: str, type_name: str, selection_set: SelectionSetNode | None) -> bool:
        """True if `subgraph` resolves every field of the selection (and below) without another fetch."""
        if selection_set is None:
            return True
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue
                if not self._can_resolve(subgraph, type_name, name, None):
                    return False
                f = self.supergraph.field(type_name, name)
                if f is not None and not self.subtree_resolvable(subgraph, f.named_type, selection.selection_set):
                    return False
                continue
            condition, inner = self.fragment_parts(selection)
            for runtime in self._possible_types(condition or type_name):
                if runtime != (condition or type_name) and not self.supergraph.subgraph_defines(subgraph, runtime):
                    continue
                target = condition or type_name
                if not self.supergraph.subgraph_defines(subgraph, target):
                    break
                if not self.subtree_resolvable(subgraph, target, inner):
                    return False
                break
        return True

    def fragment_parts(self, selection: SelectionNode) -> tuple[str | None, SelectionSetNode]:
        if isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments[selection.name.value]
            return fragment.type_condition.name.value, fragment.selection_set
        assert isinstance(selection, InlineFragmentNode)
        condition = selection.type_condition.name.value if selection.type_condition else None
        return condition, selection.selection_set

    def is_value_type(self, type_name: str) -> bool:
        """A composite type without a key in any subgraph: it can only be reached through its parent."""
        t = self.supergraph.types.get(type_name)
        return t is not None and t.kind in ("object", "interface", "union") and not any(t.keys.values())

    # --- root fields ---------------------------------------------------------------------------------------

    def choose_root_subgraphs(
        self, root_name: str, items: list[RootItem], *, split: bool
    ) -> list[tuple[str, RootItem]]:
        """Each root field's subgraph, by cost. `split` (queries): a keyless shared field may be divided."""
        chosen: list[tuple[str, RootItem]] = []
        used: list[str] = []
        for item in items:
            f = self.supergraph.field(root_name, item.field.name.value)
            if f is None:
                raise PlanningError(f"unknown field {root_name}.{item.field.name.value}")
            candidates = f.resolvers
            if not candidates:
                raise PlanningError(f"no subgraph resolves {root_name}.{f.name}")
            if len(candidates) == 1:
                picks = [(candidates[0], item)]
            else:
                picks = self._cheapest_root(root_name, item, candidates, used, split=split)
            for subgraph, _ in picks:
                if subgraph not in used:
                    used.append(subgraph)
            chosen.extend(picks)
        return chosen

    def _cheapest_root(
        self, root_name: str, item: RootItem, candidates: list[str], used: list[str], *, split: bool
    ) -> list[tuple[str, RootItem]]:
        best: tuple[Cost, int, str] | None = None
        for order, candidate in enumerate(candidates):
            try:
                fetches, steps = fetch_cost(self._root_node(candidate, root_name, [item]))
            except PlanningError:
                continue
            # A subgraph already fetching another root field takes this one in the same request.
            cost = (fetches - (1 if candidate in used else 0), steps)
            if best is None or (cost, order) < (best[0], best[1]):
                best = (cost, order, candidate)
        if best is not None:
            return [(best[2], item)]
        f = self.supergraph.field(root_name, item.field.name.value)
        assert f is not None
        if split and self.is_value_type(f.named_type) and item.field.selection_set is not None:
            parts = self._split(f.named_type, item, candidates, used)
            if parts is not None:
                return parts
        raise PlanningError(f"no subgraph can plan {root_name}.{f.name}")

    def _split_selections(
        self, type_name: str, selections: Sequence[SelectionNode], order: list[str]
    ) -> dict[str, list[SelectionNode]] | None:
        parts: dict[str, list[SelectionNode]] = {}
        for selection in selections:
            single = SelectionSetNode(selections=(selection,))
            owner = next((c for c in order if self.subtree_resolvable(c, type_name, single)), None)
            if owner is not None:
                parts.setdefault(owner, []).append(selection)
                continue
            if isinstance(selection, FieldNode):
                return None
            # A fragment no subgraph answers whole: split inside it, keeping its condition and directives.
            condition, inner = self.fragment_parts(selection)
            inner_parts = self._split_selections(condition or type_name, inner.selections, order)
            if inner_parts is None:
                return None
            for subgraph, inner_selections in inner_parts.items():
                parts.setdefault(subgraph, []).append(
                    InlineFragmentNode(
                        type_condition=NamedTypeNode(name=NameNode(value=condition)) if condition else None,
                        directives=selection.directives,
                        selection_set=SelectionSetNode(selections=tuple(inner_selections)),
                    )
                )
        return parts

    def _split(
        self, type_name: str, item: RootItem, candidates: list[str], used: list[str]
    ) -> list[tuple[str, RootItem]] | None:
        """Divide a keyless shared root field's selection among the subgraphs that resolve each part."""
        assert item.field.selection_set is not None
        order = sorted(candidates, key=lambda c: c not in used)
        parts = self._split_selections(type_name, item.field.selection_set.selections, order)
        if parts is None:
            return None
        return [
            (
                subgraph,
                RootItem(
                    FieldNode(
                        alias=item.field.alias,
                        name=item.field.name,
                        arguments=item.field.arguments,
                        directives=item.field.directives,
                        selection_set=SelectionSetNode(selections=tuple(selections)),
                    ),
                    item.wrappers,
                ),
            )
            for subgraph, selections in parts.items()
        ]
