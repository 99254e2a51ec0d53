"""Entity fetches: reaching a field in another subgraph through a key, with its `@requires` fields first.

Mixed into the builder (`planner._PlanBuilder`). A target whose key and requirements the current subgraph can
supply is preferred; requirements it cannot supply are planned as if the client had selected them (each may hop,
through chains of requirements), and the fetch then waits for the deepest fetch that supplies one.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    SelectionNode,
    SelectionSetNode,
)

from gateway.composition.field_sets import top_level_field_names
from gateway.composition.supergraph import SupergraphField
from gateway.planning.builder_base import BuilderBase
from gateway.planning.cost import UNPLANNABLE, Cost, fetch_cost
from gateway.planning.paths import FieldTree, PlanningError
from gateway.planning.plan import TYPENAME_FIELD, FetchNode, conditional_directives, wrap_in_fragments
from gateway.planning.requirements import alias_arguments, deepest_supplier, field_ids


class EntityFetches(BuilderBase):
    def _entity_hop(
        self,
        node: FetchNode,
        subgraph: str,
        type_name: str,
        field: FieldNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        """Fetch `field` of the `type_name` objects at `path` from another subgraph; returns what the current
        subgraph must select for the representations (key fields and `@requires` fields)."""
        f = self._field(type_name, field.name.value)
        entity = self.supergraph.types[type_name]
        targets = [t for t in f.resolvers if t != subgraph or t in f.requires]
        # A target whose requirements the current subgraph has is cheapest; others fetch them first.
        targets.sort(
            key=lambda t: (
                not self.subtree_resolvable(t, f.named_type, field.selection_set),
                bool(self._missing(f.requires.get(t), subgraph, type_name, provided)),
            )
        )
        options = [
            (target, key.selection)
            for target in targets
            for key in entity.resolvable_keys(target)
            if self._can_supply(subgraph, type_name, key.selection, provided)
        ]
        if len(options) > 1:
            # Each alternative planned on a scratch copy; the cheapest wins (ties keep the order above).
            options.sort(
                key=lambda o: self._trial_cost(node, subgraph, o[0], type_name, o[1], field, path, provided, f)
            )
        for target, key_selection in options:
            return self._fetch_after_requirements(
                node, subgraph, target, type_name, key_selection, f.requires.get(target), field, path, provided, f
            )
        # Two hops: first ask an intermediate subgraph for the key fields the target needs.
        for target in targets:
            for key in entity.resolvable_keys(target):
                for middle in entity.subgraphs:
                    if middle in (subgraph, target) or not self._can_supply(middle, type_name, key.selection, None):
                        continue
                    middle_key = next(
                        (
                            k
                            for k in entity.resolvable_keys(middle)
                            if self._can_supply(subgraph, type_name, k.selection, provided)
                        ),
                        None,
                    )
                    if middle_key is None:
                        continue
                    key_fields = [s for s in key.selection.selections if isinstance(s, FieldNode)]
                    selections = self._add_entity_fetch(
                        node,
                        subgraph,
                        middle,
                        type_name,
                        middle_key.selection,
                        None,
                        key_fields,
                        path,
                        provided,
                        None,
                    )
                    middle_node = next(c for c in node.children if c.subgraph == middle and c.path == path)
                    required = self._required(f, target, middle, type_name, None)
                    extra = self._add_entity_fetch(
                        middle_node, middle, target, type_name, key.selection, required, [field], path, None, f
                    )
                    middle_node.selections.append(self._inline(type_name, (), [*extra, TYPENAME_FIELD]))
                    return selections
        raise PlanningError(
            f"cannot plan {type_name}.{f.name}: it is resolved by {', '.join(f.resolvers) or 'no subgraph'} "
            f"but no resolvable @key of {type_name} there can be fetched from subgraph {subgraph!r}"
        )

    def _trial_cost(
        self,
        node: FetchNode,
        subgraph: str,
        target: str,
        type_name: str,
        key: SelectionSetNode,
        field: FieldNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
        f: SupergraphField,
    ) -> Cost:
        """What fetching `field` from `target` adds to `node`'s plan: (new fetches, new sequential steps); a fetch
        that would merge into one `node` already has costs nothing."""
        scratch = FetchNode(id=-1, subgraph=node.subgraph, kind=node.kind, path=node.path)
        try:
            self._fetch_after_requirements(
                scratch, subgraph, target, type_name, key, f.requires.get(target), field, path, provided, f
            )
        except PlanningError:
            return UNPLANNABLE
        fetches, steps = fetch_cost(scratch)
        shared = sum(
            1
            for c in scratch.children
            if any(
                e.subgraph == c.subgraph and e.path == c.path and e.resolves_typename == c.resolves_typename
                for e in node.children
            )
        )
        return fetches - 1 - shared, steps - 1

    def _missing(
        self, required: SelectionSetNode | None, subgraph: str, type_name: str, provided: FieldTree | None
    ) -> list[FieldNode]:
        """The `@requires` fields `subgraph` cannot resolve itself."""
        if required is None:
            return []
        return [
            s
            for s in required.selections
            if isinstance(s, FieldNode) and not self._can_resolve(subgraph, type_name, s.name.value, provided)
        ]

    def _fetch_after_requirements(
        self,
        node: FetchNode,
        subgraph: str,
        target: str,
        type_name: str,
        key: SelectionSetNode,
        required: SelectionSetNode | None,
        field: FieldNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
        f: SupergraphField,
    ) -> list[SelectionNode]:
        """The entity fetch of `field` from `target`. Its `@requires` fields are planned as if the client had
        selected them, so each may hop (through other subgraphs, or chains of requirements); the fetch then runs
        after the deepest fetch that supplies one of them. Returns what the current subgraph must select."""
        guard = (target, type_name, f.name)
        if guard in self._requiring:
            raise PlanningError(f"{type_name}.{f.name} @requires itself (a circular requirement)")
        self._requiring.add(guard)
        conditions = conditional_directives(field)
        # Fetches that supply the requirements run only when the field that needs them is included.
        self._conditions.append(conditions)
        try:
            representation = SelectionSetNode(
                selections=(*key.selections, *(alias_arguments(required).selections if required else ()))
            )
            selections = self._plan_selection_set(node, subgraph, type_name, representation, path, provided)
        finally:
            self._requiring.discard(guard)
            self._conditions.pop()
        supplier = deepest_supplier(node, field_ids(representation)) or node
        child = self._attach_entity_fetch(supplier, target, type_name, representation, [field], path, f)
        if required is not None:
            key_names = set(top_level_field_names(key))
            optional = {n for n in top_level_field_names(required) if n not in key_names}
            child.optional_fields[type_name] = child.optional_fields.get(type_name, frozenset()) | optional
        if conditions and required is not None:
            # The requirements are fetched only when the field that needs them is.
            return [self._inline(None, conditions, selections)]
        return selections

    def _can_supply(
        self, subgraph: str, type_name: str, selection: SelectionSetNode, provided: FieldTree | None
    ) -> bool:
        return all(self._can_resolve(subgraph, type_name, k, provided) for k in top_level_field_names(selection))

    def _required(
        self, f: SupergraphField, target: str, subgraph: str, type_name: str, provided: FieldTree | None
    ) -> SelectionSetNode | None:
        required = f.requires.get(target)
        if required is not None:
            missing = [
                r for r in top_level_field_names(required) if not self._can_resolve(subgraph, type_name, r, provided)
            ]
            if missing:
                raise PlanningError(
                    f"{type_name}.{f.name} @requires {', '.join(missing)} which subgraph {subgraph!r} "
                    "cannot provide; multi-hop @requires is not supported yet"
                )
        return required

    def _add_entity_fetch(
        self,
        node: FetchNode,
        subgraph: str,
        target: str,
        type_name: str,
        key: SelectionSetNode,
        required: SelectionSetNode | None,
        fields: list[FieldNode],
        path: tuple[str, ...],
        provided: FieldTree | None,
        f: SupergraphField | None,
    ) -> list[SelectionNode]:
        representation = list(key.selections)
        if required is not None:
            representation.extend(required.selections)
        representation_set = SelectionSetNode(selections=tuple(representation))
        self._attach_entity_fetch(node, target, type_name, representation_set, fields, path, f)
        # What the current subgraph must select so representations can be built.
        return self._plan_selection_set(node, subgraph, type_name, representation_set, path, provided)

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
    ) -> FetchNode:
        """The `_entities` fetch to `target` that runs after `node` (one per target and path, shared)."""
        child = next(
            (
                c
                for c in node.children
                if c.subgraph == target and c.path == path and c.resolves_typename == resolves_typename
            ),
            None,
        )
        if child is None:
            child = FetchNode(
                id=next(self._ids), subgraph=target, kind="entity", path=path, resolves_typename=resolves_typename
            )
            node.children.append(child)
        existing = child.representation_fields.get(type_name)
        selections = tuple(representation.selections)
        if existing is not None:
            selections = (*existing.selections, *selections)
        child.representation_fields[type_name] = SelectionSetNode(selections=selections)
        fragment_type = type_name
        if f is not None and f.via_interface_object:
            child.representation_typename[type_name] = f.via_interface_object
            fragment_type = f.via_interface_object
        child.fields.extend(fields)
        groups = tuple(group for group in self._conditions if group)
        enclosing = tuple(d for group in groups for d in group)
        child.conditions.extend(enclosing for _ in fields)
        planned: list[SelectionNode] = [
            self._plan_field(child, target, type_name, field, path, None) for field in fields
        ]
        if enclosing:
            # Inside `... @skip/@include` fragments of the client's operation: the same conditions here.
            planned = [wrap_in_fragments(p, groups) for p in planned]  # one fragment per group: no repeats
        child.selections.append(self._inline(fragment_type, (), planned))
        return child
