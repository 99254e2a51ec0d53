"""The query plan: fetch nodes arranged in phases and steps.

A phase is a unit that must finish before the next starts (a query has one; a mutation has one per group of
consecutive root fields, because mutation root fields run in order). Within a phase, steps run one after
another and every fetch group in a step runs in parallel. A fetch group is exactly one HTTP request: all the
`_entities` fetch nodes of one step that go to the same subgraph are sent together (one aliased `_entities`
field per node), so N objects never cost N requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    InlineFragmentNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
)

# Marks "flatten the list here" in a fetch path.
LIST_MARKER = "@"
TYPENAME_FIELD = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())


@dataclass(eq=False)
class FetchNode:
    id: int
    subgraph: str
    kind: Literal["root", "entity"]
    # Response path (from the data root) to the objects an entity fetch extends; LIST_MARKER flattens lists.
    path: tuple[str, ...] = ()
    # Selections sent to the subgraph: root fields for a root fetch, `... on T { }` fragments for entities.
    selections: list[SelectionNode] = field(default_factory=list)
    # Entity fetches: typename -> selection set copied from each object into its representation
    # (the key fields, plus `@requires` fields).
    representation_fields: dict[str, SelectionSetNode] = field(default_factory=dict)
    # Entity fetches on an `@interfaceObject` subgraph send the interface name as `__typename`.
    representation_typename: dict[str, str] = field(default_factory=dict)
    # Entity fetches: typename -> the `@requires` fields of its representation (not key fields). One may be
    # absent from an object when the field needing it was excluded by `@skip`/`@include`: the representation is
    # then sent without it (the fetch may still serve the object's other fields).
    optional_fields: dict[str, frozenset[str]] = field(default_factory=dict)
    children: list[FetchNode] = field(default_factory=list)
    # Entity fetches: the client fields this fetch exists for. If every one is excluded by `@skip`/`@include`
    # for this request's variables, the executor skips the fetch.
    fields: list[FieldNode] = field(default_factory=list)
    # Per field: the `@skip`/`@include` of the fragments (and requiring fields) it was planned under.
    conditions: list[tuple[DirectiveNode, ...]] = field(default_factory=list)
    # An `_entities` fetch to the owner of an interface, for objects an `@interfaceObject` subgraph returned
    # with the interface's name as `__typename`: its answer's `__typename` (the real type) replaces it.
    resolves_typename: bool = False
    # Response names aliased because two implementations give the field different types in this subgraph
    # (which it would reject): (path below this fetch's objects, typename, alias, the client's name).
    renames: list[tuple[tuple[str, ...], str, str, str]] = field(default_factory=list)
    # Filled in when the plan is finished.
    variable_names: tuple[str, ...] = ()
    operation_text: str = ""
    # The entity cache's hash of what this node asks (subgraph and selection), computed at its first use.
    cache_digest: bytes = b""
    # It asks for a field its subgraph declared never kept (`@cacheControl(maxAge: 0)`): the cache stores nothing
    # of it.
    never_kept: bool = False

    @property
    def type_conditions(self) -> frozenset[str]:
        return frozenset(self.representation_fields)


@dataclass(eq=False)
class FetchGroup:
    """One HTTP request: a root fetch, or all entity fetches for one subgraph in one step."""

    subgraph: str
    nodes: list[FetchNode]
    variable_names: tuple[str, ...] = ()
    # Operation text per subset of nodes that actually had representations (computed lazily, then kept).
    _texts: dict[tuple[int, ...], str] = field(default_factory=dict)

    def entities_operation(self, nodes: list[FetchNode], var_defs: dict[str, VariableDefinitionNode]) -> str:
        ids = tuple(n.id for n in nodes)
        text = self._texts.get(ids)
        if text is None:
            text = self._texts[ids] = build_entities_operation(nodes, var_defs)
        return text


@dataclass
class QueryPlan:
    operation_type: OperationType
    phases: list[list[list[FetchGroup]]]
    # Root fields answered by the gateway itself from the API schema (`__schema`, `__type`).
    introspection_document: DocumentNode | None
    variable_definitions: dict[str, VariableDefinitionNode]

    def fetch_nodes(self) -> list[FetchNode]:
        return [n for phase in self.phases for step in phase for group in step for n in group.nodes]

    def describe(self) -> str:
        """A readable dump of the plan, for logs and tests."""
        lines = [f"QueryPlan ({self.operation_type.value})"]
        for p, phase in enumerate(self.phases):
            lines.append(f"  phase {p}")
            for s, step in enumerate(phase):
                for group in step:
                    for node in group.nodes:
                        where = ".".join(node.path) or "<root>"
                        lines.append(f"    step {s} {node.kind} {node.subgraph} at {where}")
        return "\n".join(lines)


def alias_for(index: int, count: int) -> str:
    return "_entities" if count == 1 else f"_{index}"


def representations_variable(index: int, count: int) -> str:
    return "representations" if count == 1 else f"representations_{index}"


def build_entities_operation(nodes: list[FetchNode], var_defs: dict[str, VariableDefinitionNode]) -> str:
    any_type = NonNullTypeNode(type=ListTypeNode(type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value="_Any")))))
    definitions: list[VariableDefinitionNode] = []
    selections: list[SelectionNode] = []
    used: list[str] = []
    for index, node in enumerate(nodes):
        var_name = representations_variable(index, len(nodes))
        definitions.append(VariableDefinitionNode(variable=VariableNode(name=NameNode(value=var_name)), type=any_type))
        alias = alias_for(index, len(nodes))
        selections.append(
            FieldNode(
                alias=NameNode(value=alias) if alias != "_entities" else None,
                name=NameNode(value="_entities"),
                arguments=(
                    ArgumentNode(
                        name=NameNode(value="representations"),
                        value=VariableNode(name=NameNode(value=var_name)),
                    ),
                ),
                directives=(),
                selection_set=SelectionSetNode(selections=tuple(node.selections)),
            )
        )
        used.extend(v for v in node.variable_names if v not in used)
    definitions.extend(var_defs[v] for v in used if v in var_defs)
    operation = OperationDefinitionNode(
        operation=OperationType.QUERY,
        variable_definitions=tuple(definitions),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    return print_ast(operation)


def wrap_in_fragments(selection: SelectionNode, wrappers: tuple[tuple[DirectiveNode, ...], ...]) -> SelectionNode:
    """Re-apply the `@skip`/`@include` of enclosing root fragments around a flattened root field."""
    for directives in reversed(wrappers):
        selection = InlineFragmentNode(
            type_condition=None, directives=directives, selection_set=SelectionSetNode(selections=(selection,))
        )
    return selection


def conditional_directives(node: SelectionNode) -> tuple[DirectiveNode, ...]:
    """A selection's `@skip`/`@include` directives."""
    return tuple(d for d in node.directives or () if d.name.value in ("skip", "include"))
