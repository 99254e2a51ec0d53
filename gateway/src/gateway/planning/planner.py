"""The query planner.

It walks the client's operation against the supergraph, keeping each field in the subgraph that is already
fetching its parent whenever that subgraph can resolve it (fewest hops), and otherwise opening an entity fetch
to a subgraph that can: the parent selection then gets `__typename` and the key (plus `@requires`) fields so
the executor can build `_entities` representations. Fields the client did not ask for are dropped when the
response is shaped, so the planner may add whatever it needs.

`@skip`/`@include` are copied into subgraph operations (so plans do not depend on variable values and can be
cached per document + operation name); the executor and the shaper evaluate them with the request's variables.
"""

from __future__ import annotations

import itertools

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    TypeNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    is_abstract_type,
    is_object_type,
    print_ast,
    visit,
)

from gateway.composition.supergraph import Supergraph, SupergraphField
from gateway.planning.conflicts import alias_conflicts
from gateway.planning.entities import EntityFetches
from gateway.planning.interface_objects import InterfaceObjects
from gateway.planning.paths import FieldTree, PathSearch, PlanningError, RootItem
from gateway.planning.plan import LIST_MARKER, TYPENAME_FIELD, FetchGroup, FetchNode, QueryPlan, wrap_in_fragments

INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})


def _field_tree(selection_set: SelectionSetNode | None) -> FieldTree:
    tree: FieldTree = {}
    if selection_set is None:
        return tree
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            tree.setdefault(selection.name.value, {}).update(_field_tree(selection.selection_set))
        elif isinstance(selection, InlineFragmentNode):
            tree.update(_field_tree(selection.selection_set))
    return tree


def _list_depth(type_node: TypeNode) -> int:
    depth = 0
    while isinstance(type_node, NonNullTypeNode | ListTypeNode):
        if isinstance(type_node, ListTypeNode):
            depth += 1
        type_node = type_node.type
    return depth


def _response_key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


class _VariableCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_variable(self, node: VariableNode, *_args: object) -> None:
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def used_variables(selections: list[SelectionNode]) -> tuple[str, ...]:
    collector = _VariableCollector()
    visit(SelectionSetNode(selections=tuple(selections)), collector)
    return tuple(collector.names)


class QueryPlanner:
    """Builds `QueryPlan`s for one supergraph. Stateless between calls; cache the plans outside."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.api_schema

    def plan(self, document: DocumentNode, operation: OperationDefinitionNode) -> QueryPlan:
        return _PlanBuilder(self, document, operation).build()


class _PlanBuilder(EntityFetches, InterfaceObjects, PathSearch):
    def __init__(self, planner: QueryPlanner, document: DocumentNode, operation: OperationDefinitionNode) -> None:
        self.supergraph = planner.supergraph
        self.schema = planner.schema
        self.operation = operation
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.var_defs = {v.variable.name.value: v for v in operation.variable_definitions or ()}
        self._ids = itertools.count()
        # (subgraph, type, field) whose requirements are being planned: a cycle is a planning error.
        self._requiring: set[tuple[str, str, str]] = set()
        # The `@skip`/`@include` of the client's fragments around what is being planned (entity fetches repeat them).
        self._conditions: list[tuple[DirectiveNode, ...]] = []

    # --- root -----------------------------------------------------------------------------------------

    def build(self) -> QueryPlan:
        operation_type = self.operation.operation
        # A subscription is planned like a query: its root fetch (to the subgraph that owns the subscription
        # field, the gateway's own) yields one result per event, and the rest of the plan runs for each.
        root_type = self.schema.get_root_type(operation_type)
        if root_type is None:
            raise PlanningError(f"the schema has no {operation_type.value} type")
        root_name = root_type.name
        items: list[RootItem] = []
        self._flatten_root(self.operation.selection_set, root_name, (), items)

        introspection = [i for i in items if i.field.name.value in INTROSPECTION_ROOT_FIELDS]
        local = INTROSPECTION_ROOT_FIELDS | {"__typename"}
        fetched = [i for i in items if i.field.name.value not in local]

        chosen = self.choose_root_subgraphs(root_name, fetched, split=operation_type != OperationType.MUTATION)
        used = list(dict.fromkeys(subgraph for subgraph, _ in chosen))

        phases: list[list[list[FetchGroup]]] = []
        if operation_type == OperationType.MUTATION:
            # Consecutive fields on one subgraph share a fetch; order across subgraphs is kept.
            for subgraph, run in itertools.groupby(chosen, key=lambda pair: pair[0]):
                node = self._root_node(subgraph, root_name, [item for _, item in run])
                phases.append(self._steps([node]))
        else:
            roots = [self._root_node(s, root_name, [item for sub, item in chosen if sub == s]) for s in used]
            if roots:
                phases.append(self._steps(roots))

        introspection_document = None
        if introspection:
            introspection_document = DocumentNode(
                definitions=(
                    OperationDefinitionNode(
                        operation=OperationType.QUERY,
                        variable_definitions=self.operation.variable_definitions,
                        directives=(),
                        selection_set=SelectionSetNode(
                            selections=tuple(wrap_in_fragments(i.field, i.wrappers) for i in introspection)
                        ),
                    ),
                    *self.fragments.values(),
                )
            )
        return QueryPlan(
            operation_type=operation_type,
            phases=phases,
            introspection_document=introspection_document,
            variable_definitions=self.var_defs,
        )

    def _flatten_root(
        self,
        selection_set: SelectionSetNode,
        root_name: str,
        wrappers: tuple[tuple[DirectiveNode, ...], ...],
        out: list[RootItem],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                out.append(RootItem(selection, wrappers))
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                inner = fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                inner = selection.selection_set
            directives = tuple(selection.directives or ())
            self._flatten_root(inner, root_name, (*wrappers, directives) if directives else wrappers, out)

    def _root_node(self, subgraph: str, root_name: str, items: list[RootItem]) -> FetchNode:
        node = FetchNode(id=next(self._ids), subgraph=subgraph, kind="root")
        for item in items:
            self._conditions.extend(item.wrappers)
            try:
                planned = self._plan_field(node, subgraph, root_name, item.field, (), None)
            finally:
                del self._conditions[len(self._conditions) - len(item.wrappers) :]
            node.selections.append(wrap_in_fragments(planned, item.wrappers))
        return node

    # --- selections -----------------------------------------------------------------------------------

    def _field(self, type_name: str, field_name: str) -> SupergraphField:
        f = self.supergraph.field(type_name, field_name)
        if f is None:
            raise PlanningError(f"unknown field {type_name}.{field_name}")
        return f

    def _can_resolve(self, subgraph: str, type_name: str, field_name: str, provided: FieldTree | None) -> bool:
        f = self.supergraph.field(type_name, field_name)
        if f is None:
            return False
        if provided is not None and field_name in provided and subgraph in f.definers:
            return True
        if subgraph not in f.resolvers:
            return False
        required = f.requires.get(subgraph)
        # A field that @requires what this subgraph cannot resolve itself needs an entity fetch back to it.
        return required is None or not self._missing(required, subgraph, type_name, None)

    def _reached_through_parent(
        self, subgraph: str, parent_type: str, selection: FieldNode, provided: FieldTree | None
    ) -> bool:
        if selection.selection_set is None or provided is not None:
            return False
        f = self.supergraph.field(parent_type, selection.name.value)
        parent = self.supergraph.types.get(parent_type)
        if f is None or parent is None or not any(parent.keys.values()) or not self.is_value_type(f.named_type):
            return False
        if not self._can_resolve(subgraph, parent_type, f.name, provided):
            return False
        if self.subtree_resolvable(subgraph, f.named_type, selection.selection_set):
            return False
        return any(
            t != subgraph
            and parent.resolvable_keys(t)
            and self.subtree_resolvable(t, f.named_type, selection.selection_set)
            for t in f.resolvers
        )

    def _resolvable_on_implementations(
        self, subgraph: str, parent_type: str, field_name: str, provided: FieldTree | None
    ) -> bool:
        """An interface field is asked at the interface level only if every implementation the subgraph can
        return resolves it there too (`@external` or `@override` on one implementation moves it elsewhere)."""
        if not is_abstract_type(self.schema.get_type(parent_type)):
            return True
        return all(
            self._can_resolve(subgraph, runtime, field_name, provided)
            for runtime in self._possible_types(parent_type)
            if self.supergraph.subgraph_defines(subgraph, runtime)
        )

    def _plan_selection_set(
        self,
        node: FetchNode,
        subgraph: str,
        parent_type: str,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        owner = self._interface_owner(subgraph, parent_type)
        if owner is not None:
            return self._plan_interface_object_selections(
                node, subgraph, owner, parent_type, selection_set, path, provided
            )
        out: list[SelectionNode] = []
        needs_typename = is_abstract_type(self.schema.get_type(parent_type))
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    out.append(selection)
                elif self._reached_through_parent(subgraph, parent_type, selection, provided):
                    # A keyless value this subgraph cannot complete: fetched whole with its parent entity.
                    out.extend(self._entity_hop(node, subgraph, parent_type, selection, path, provided))
                    needs_typename = True
                elif self._can_resolve(subgraph, parent_type, name, provided) and self._resolvable_on_implementations(
                    subgraph, parent_type, name, provided
                ):
                    out.append(self._plan_field(node, subgraph, parent_type, selection, path, provided))
                elif is_abstract_type(self.schema.get_type(parent_type)):
                    # Not resolvable on the interface here: ask per implementation, each may hop.
                    for runtime in self._possible_types(parent_type):
                        if not self.supergraph.subgraph_defines(subgraph, runtime):
                            continue
                        inner = self._plan_selection_set(
                            node, subgraph, runtime, SelectionSetNode(selections=(selection,)), path, provided
                        )
                        if inner:
                            out.append(self._inline(runtime, (), inner))
                else:
                    out.extend(self._entity_hop(node, subgraph, parent_type, selection, path, provided))
                    needs_typename = True
            else:
                if isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments[selection.name.value]
                    condition: str | None = fragment.type_condition.name.value
                    inner_set = fragment.selection_set
                else:
                    assert isinstance(selection, InlineFragmentNode)
                    condition = selection.type_condition.name.value if selection.type_condition else None
                    inner_set = selection.selection_set
                directives = tuple(selection.directives or ())
                out.extend(
                    self._plan_fragment(node, subgraph, parent_type, condition, directives, inner_set, path, provided)
                )
        if needs_typename:
            out.append(TYPENAME_FIELD)
        if is_abstract_type(self.schema.get_type(parent_type)):
            out = alias_conflicts(self.supergraph.subgraphs[subgraph], node, path, out)
        return out

    def _plan_fragment(
        self,
        node: FetchNode,
        subgraph: str,
        parent_type: str,
        condition: str | None,
        directives: tuple[DirectiveNode, ...],
        inner_set: SelectionSetNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        conditions = tuple(d for d in directives if d.name.value in ("skip", "include"))
        if conditions:
            self._conditions.append(conditions)
        try:
            return self._plan_fragment_here(
                node, subgraph, parent_type, condition, directives, inner_set, path, provided
            )
        finally:
            if conditions:
                self._conditions.pop()

    def _plan_fragment_here(
        self,
        node: FetchNode,
        subgraph: str,
        parent_type: str,
        condition: str | None,
        directives: tuple[DirectiveNode, ...],
        inner_set: SelectionSetNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> list[SelectionNode]:
        if condition is None or condition == parent_type:
            inner = self._plan_selection_set(node, subgraph, parent_type, inner_set, path, provided)
            return [self._inline(None, directives, inner)] if inner else []
        parent_runtime = set(self._possible_types(parent_type))
        runtime_types = [t for t in self._possible_types(condition) if t in parent_runtime]
        if not runtime_types:
            return []
        if is_object_type(self.schema.get_type(parent_type)):
            # `... on SomeInterface` inside an object type: the condition always holds here.
            inner = self._plan_selection_set(node, subgraph, parent_type, inner_set, path, provided)
            return [self._inline(None, directives, inner)] if inner else []
        out: list[SelectionNode] = []
        # Plan per runtime type: hops are type-specific and the subgraph may not know `condition` at all.
        for runtime in runtime_types:
            if not self.supergraph.subgraph_defines(subgraph, runtime):
                continue
            inner = self._plan_selection_set(node, subgraph, runtime, inner_set, path, provided)
            if inner:
                out.append(self._inline(runtime, directives, inner))
        return out

    def _plan_field(
        self,
        node: FetchNode,
        subgraph: str,
        parent_type: str,
        field: FieldNode,
        path: tuple[str, ...],
        provided: FieldTree | None,
    ) -> FieldNode:
        declared = self.supergraph.field(parent_type, field.name.value)
        if declared is not None and declared.never_kept:
            node.never_kept = True  # its subgraph says its answers are never kept: nor is this fetch's
        if field.selection_set is None or field.name.value.startswith("__"):
            return field
        f = self._field(parent_type, field.name.value)
        child_path = (*path, _response_key(field), *([LIST_MARKER] * _list_depth(f.type)))
        child_provided: FieldTree | None = None
        if subgraph in f.provides:
            child_provided = _field_tree(f.provides[subgraph])
        elif provided is not None and field.name.value in provided and provided[field.name.value]:
            child_provided = provided[field.name.value]
        selections = self._plan_selection_set(
            node, subgraph, f.named_type, field.selection_set, child_path, child_provided
        )
        return FieldNode(
            alias=field.alias,
            name=field.name,
            arguments=field.arguments,
            directives=field.directives,
            selection_set=SelectionSetNode(selections=tuple(selections)),
        )

    # --- helpers --------------------------------------------------------------------------------------

    def _possible_types(self, type_name: str) -> list[str]:
        t = self.schema.get_type(type_name)
        if t is None:
            return []
        if is_abstract_type(t):
            return [p.name for p in self.schema.get_possible_types(t)]
        return [type_name]

    @staticmethod
    def _inline(
        type_condition: str | None, directives: tuple[DirectiveNode, ...], selections: list[SelectionNode]
    ) -> InlineFragmentNode:
        return InlineFragmentNode(
            type_condition=NamedTypeNode(name=NameNode(value=type_condition)) if type_condition else None,
            directives=directives,
            selection_set=SelectionSetNode(selections=tuple(selections)),
        )

    # --- finishing ------------------------------------------------------------------------------------

    def _steps(self, roots: list[FetchNode]) -> list[list[FetchGroup]]:
        steps: list[list[FetchGroup]] = []
        level = roots
        while level:
            for n in level:
                self._finish(n)
            groups: list[FetchGroup] = []
            for n in level:
                if n.kind == "root":
                    groups.append(FetchGroup(subgraph=n.subgraph, nodes=[n], variable_names=n.variable_names))
                    continue
                group = next((g for g in groups if g.subgraph == n.subgraph and g.nodes[0].kind == "entity"), None)
                if group is None:
                    groups.append(FetchGroup(subgraph=n.subgraph, nodes=[n]))
                else:
                    group.nodes.append(n)
            for g in groups:
                g.variable_names = tuple(dict.fromkeys(v for n in g.nodes for v in n.variable_names))
            steps.append(groups)
            level = [c for n in level for c in n.children]
        return steps

    def _finish(self, node: FetchNode) -> None:
        node.variable_names = tuple(v for v in used_variables(node.selections) if v in self.var_defs)
        if node.kind != "root":
            return
        name = self.operation.name.value if self.operation.name else None
        operation = OperationDefinitionNode(
            operation=self.operation.operation,
            name=NameNode(value=f"{name}__{node.subgraph}__{node.id}") if name else None,
            variable_definitions=tuple(self.var_defs[v] for v in node.variable_names),
            directives=(),
            selection_set=SelectionSetNode(selections=tuple(node.selections)),
        )
        node.operation_text = print_ast(operation)


def variable_definitions(operation: OperationDefinitionNode) -> dict[str, VariableDefinitionNode]:
    return {v.variable.name.value: v for v in operation.variable_definitions or ()}
