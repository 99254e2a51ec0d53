"""What the planner's mixins (`entities`, `interface_objects`) use from one another and from the builder
(`planner._PlanBuilder`), declared once for the type checker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from graphql import DirectiveNode, FieldNode, GraphQLSchema, InlineFragmentNode, SelectionNode, SelectionSetNode

from gateway.composition.supergraph import Supergraph, SupergraphField
from gateway.planning.paths import FieldTree
from gateway.planning.plan import FetchNode


class BuilderBase:
    if TYPE_CHECKING:  # provided by the builder (planner._PlanBuilder)
        supergraph: Supergraph
        schema: GraphQLSchema
        _ids: Iterator[int]
        _requiring: set[tuple[str, str, str]]
        _conditions: list[tuple[DirectiveNode, ...]]

        def _field(self, type_name: str, field_name: str) -> SupergraphField: ...
        def _can_resolve(self, subgraph: str, type_name: str, field_name: str, provided: FieldTree | None) -> bool: ...
        def _plan_field(
            self,
            node: FetchNode,
            subgraph: str,
            parent_type: str,
            field: FieldNode,
            path: tuple[str, ...],
            provided: FieldTree | None,
        ) -> FieldNode: ...
        def _plan_selection_set(
            self,
            node: FetchNode,
            subgraph: str,
            parent_type: str,
            selection_set: SelectionSetNode,
            path: tuple[str, ...],
            provided: FieldTree | None,
        ) -> list[SelectionNode]: ...
        def subtree_resolvable(self, subgraph: str, type_name: str, selection_set: SelectionSetNode | None) -> bool: ...
        @staticmethod
        def _inline(
            type_condition: str | None, directives: tuple[DirectiveNode, ...], selections: list[SelectionNode]
        ) -> InlineFragmentNode: ...

        def _can_supply(
            self, subgraph: str, type_name: str, selection: SelectionSetNode, provided: FieldTree | None
        ) -> bool: ...
        def _attach_entity_fetch(
            self,
            node: FetchNode,
            target: str,
            type_name: str,
            representation: SelectionSetNode,
            fields: list[FieldNode],
            path: tuple[str, ...],
            f: SupergraphField | None,
            *,
            resolves_typename: bool = False,
        ) -> FetchNode: ...
