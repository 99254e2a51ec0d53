"""`@interfaceObject`: a subgraph that sees an entity interface as an object type answers with the interface's
name as `__typename`; the interface's owner is asked for the real type (and the fields only it resolves).

Mixed into the builder (`planner._PlanBuilder`).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    SelectionNode,
    SelectionSetNode,
)

from gateway.planning.builder_base import BuilderBase
from gateway.planning.paths import FieldTree
from gateway.planning.plan import TYPENAME_FIELD, FetchNode


class InterfaceObjects(BuilderBase):
    def _interface_owner(self, subgraph: str, type_name: str) -> tuple[str, SelectionSetNode] | None:
        """If `subgraph` sees the interface `type_name` only as an `@interfaceObject`, the subgraph (and key)
        that knows its implementations: objects from `subgraph` carry the interface's name as `__typename`
        and must be asked there for their real type."""
        sub_type = self.supergraph.subgraphs[subgraph].types.get(type_name)
        if sub_type is None or not sub_type.interface_object:
            return None
        for name, schema in self.supergraph.subgraphs.items():
            t = schema.types.get(type_name)
            if name == subgraph or t is None or t.kind != "interface":
                continue
            for key in t.keys:
                if key.resolvable and self._can_supply(subgraph, type_name, key.selection, None):
                    return name, key.selection
        return None

    def _plan_interface_object_selections(
        self,
        node: FetchNode,
        subgraph: str,
        owner: tuple[str, SelectionSetNode],
        type_name: str,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        """Interface-level fields the `@interfaceObject` subgraph resolves stay here; `__typename`, type
        conditions and the interface's other fields go to the owner in an `_entities` fetch that also
        replaces the interface name in `__typename` with the real type."""
        owner_name, key = owner
        here: list[SelectionNode] = []
        there: list[SelectionNode] = []
        for selection in selection_set.selections:
            if (
                isinstance(selection, FieldNode)
                and selection.name.value != "__typename"
                and self._can_resolve(subgraph, type_name, selection.name.value, provided)
            ):
                here.append(selection)
            else:
                there.append(selection)
        out = self._plan_selection_set_plain(node, subgraph, type_name, here, path, provided)
        out.extend(self._plan_selection_set_plain(node, subgraph, type_name, list(key.selections), path, provided))
        out.append(TYPENAME_FIELD)
        child = self._attach_entity_fetch(node, owner_name, type_name, key, [], path, None, resolves_typename=True)
        planned = self._plan_selection_set(
            child, owner_name, type_name, SelectionSetNode(selections=tuple(there)), path, None
        )
        child.selections.append(self._inline(type_name, (), [*planned, TYPENAME_FIELD]))
        return out

    def _plan_selection_set_plain(
        self,
        node: FetchNode,
        subgraph: str,
        type_name: str,
        selections: list[SelectionNode],
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        return [
            self._plan_field(node, subgraph, type_name, s, path, provided)
            for s in selections
            if isinstance(s, FieldNode)
        ]
