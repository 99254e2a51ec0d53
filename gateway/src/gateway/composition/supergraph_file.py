"""Load a supergraph SDL composed elsewhere: the `@join__*` form (join spec v0.1-v0.5) that Apollo Router,
Hive Gateway, `@apollo/composition` and our own `print_supergraph_sdl` write.

The file is read back into one `SubgraphSchema` per `join__Graph` value (the way Apollo's
`extractSubgraphsFromSupergraph` does) and those are composed again: the planner then sees exactly the model
it gets from live subgraphs. Sharing rules are not re-checked (whoever composed the file did), so every field
counts as @shareable.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueNode,
    FieldDefinitionNode,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    parse,
    parse_type,
)

from gateway.composition.compose import compose_subgraphs
from gateway.composition.errors import CompositionError, CompositionIssue
from gateway.composition.field_sets import parse_field_set
from gateway.composition.subgraph_schema import (
    EntityKey,
    SubgraphField,
    SubgraphSchema,
    SubgraphType,
    TypeKind,
    _DirectiveNames,
    _Directives,
    never_kept,
    parse_subgraph_sdl,
)
from gateway.composition.supergraph import Supergraph

_SPEC_PREFIXES = ("join__", "link__", "federation__", "inaccessible__", "tag__", "cost__")
_BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def _args(directive: ConstDirectiveNode) -> dict[str, object]:
    out: dict[str, object] = {}
    for argument in directive.arguments or ():
        value = argument.value
        if isinstance(value, StringValueNode | BooleanValueNode | EnumValueNode):
            out[argument.name.value] = value.value
    return out


def _directives(node: object, name: str) -> list[dict[str, object]]:
    return [_args(d) for d in getattr(node, "directives", None) or () if d.name.value == name]


def _has(node: object, name: str) -> bool:
    return any(d.name.value == name for d in getattr(node, "directives", None) or ())


def _description(node: object) -> str | None:
    description = getattr(node, "description", None)
    return description.value if description is not None else None


def load_supergraph_sdl(sdl: str, extra_subgraphs: Mapping[str, str] | None = None) -> Supergraph:
    """Read a `@join__*` supergraph; `extra_subgraphs` ({name: SDL}, the gateway's own) are composed in too."""
    try:
        document = parse(sdl)
    except GraphQLSyntaxError as exc:
        raise CompositionError([CompositionIssue("INVALID_SUPERGRAPH", f"does not parse: {exc.message}")]) from exc
    subgraphs = extract_subgraphs(document)
    subgraphs.extend(parse_subgraph_sdl(name, text) for name, text in (extra_subgraphs or {}).items())
    return compose_subgraphs(subgraphs)


def extract_subgraphs(document: DocumentNode) -> list[SubgraphSchema]:
    graphs: dict[str, tuple[str, str]] = {}  # enum value -> (subgraph name, url)
    root_names = {
        OperationType.QUERY: "Query",
        OperationType.MUTATION: "Mutation",
        OperationType.SUBSCRIPTION: "Subscription",
    }
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == "join__Graph":
            for value in definition.values or ():
                for args in _directives(value, "join__graph"):
                    graphs[value.name.value] = (str(args["name"]), str(args.get("url", "")))
        elif isinstance(definition, SchemaDefinitionNode):
            for op in definition.operation_types:
                root_names[op.operation] = op.type.name.value
    # `@cost`/`@listSize` as the supergraph's `@link` to the cost spec names them (Apollo keeps them).
    names = _DirectiveNames(
        [d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)]
    )
    if not graphs:
        raise CompositionError([CompositionIssue("INVALID_SUPERGRAPH", "no join__Graph enum: not a supergraph SDL")])
    types: dict[str, dict[str, SubgraphType]] = {g: {} for g in graphs}
    standard_root = {v: k.value.capitalize() for k, v in root_names.items()}

    for definition in document.definitions:
        type_name = getattr(getattr(definition, "name", None), "value", None)
        if type_name is None or type_name.startswith(_SPEC_PREFIXES) or type_name in _BUILT_IN_SCALARS:
            continue
        kind = _kind(definition)
        if kind is None:
            continue
        name = standard_root.get(type_name, type_name)
        join_types = _directives(definition, "join__type")
        in_graphs = list(dict.fromkeys(str(a["graph"]) for a in join_types)) if join_types else list(graphs)
        inaccessible = _has(definition, "inaccessible")
        for graph in in_graphs:
            graph_types = types[graph]
            t = graph_types.get(name)
            if t is None:
                t = graph_types[name] = SubgraphType(name=name, kind=kind, description=_description(definition))
            t.inaccessible = inaccessible
            t.cost = _Directives(getattr(definition, "directives", None), names).int_arg("cost", "weight")
            for args in join_types:
                if args["graph"] != graph:
                    continue
                if args.get("isInterfaceObject") is True:
                    t.interface_object = True
                    t.kind = "object"
                if args.get("extension") is True:
                    t.extension = True
                key = args.get("key")
                if isinstance(key, str):
                    t.keys.append(
                        EntityKey(
                            fields=key,
                            selection=parse_field_set(key),
                            resolvable=args.get("resolvable", True) is not False,
                        )
                    )
        _read_members(definition, name, kind, in_graphs, types, names)
    return [
        SubgraphSchema(
            name=graphs[g][0],
            url=graphs[g][1],
            sdl="",
            federation_v2=True,
            types=types[g],
            root_types={op: op.value.capitalize() for op in OperationType},
        )
        for g in graphs
    ]


def _kind(definition: object) -> TypeKind | None:
    if isinstance(definition, ObjectTypeDefinitionNode):
        return "object"
    if isinstance(definition, InterfaceTypeDefinitionNode):
        return "interface"
    if isinstance(definition, UnionTypeDefinitionNode):
        return "union"
    if isinstance(definition, EnumTypeDefinitionNode):
        return "enum"
    if isinstance(definition, InputObjectTypeDefinitionNode):
        return "input"
    if isinstance(definition, ScalarTypeDefinitionNode):
        return "scalar"
    return None


def _read_members(
    definition: object,
    name: str,
    kind: TypeKind,
    in_graphs: list[str],
    types: dict[str, dict[str, SubgraphType]],
    names: _DirectiveNames,
) -> None:
    for args in _directives(definition, "join__implements"):
        t = types[str(args["graph"])].get(name)
        if t is not None and str(args["interface"]) not in t.interfaces:
            t.interfaces.append(str(args["interface"]))
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode) and not _directives(
        definition, "join__implements"
    ):
        # join v0.1 has no @join__implements: every graph of the type implements every interface.
        for graph in in_graphs:
            t = types[graph][name]
            t.interfaces.extend(i.name.value for i in definition.interfaces or () if i.name.value not in t.interfaces)
    if isinstance(definition, UnionTypeDefinitionNode):
        members = _directives(definition, "join__unionMember")
        for graph in in_graphs:
            t = types[graph][name]
            if members:
                t.union_members.extend(str(m["member"]) for m in members if m["graph"] == graph)
            else:
                t.union_members.extend(m.name.value for m in definition.types or ())
    if isinstance(definition, EnumTypeDefinitionNode):
        for value in definition.values or ():
            value_graphs = [str(a["graph"]) for a in _directives(value, "join__enumValue")] or in_graphs
            for graph in value_graphs:
                t = types[graph].get(name)
                if t is None:
                    continue
                t.enum_values[value.name.value] = value
                if _has(value, "inaccessible"):
                    t.inaccessible_enum_values.add(value.name.value)
    if isinstance(definition, InputObjectTypeDefinitionNode):
        for input_field in definition.fields or ():
            field_graphs = [str(a["graph"]) for a in _directives(input_field, "join__field") if "graph" in a]
            for graph in field_graphs or in_graphs:
                t = types[graph].get(name)
                if t is None:
                    continue
                t.input_fields[input_field.name.value] = input_field
                if _has(input_field, "inaccessible"):
                    t.inaccessible_input_fields.add(input_field.name.value)
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        for field_node in definition.fields or ():
            _read_field(field_node, name, kind, in_graphs, types, names)


def _read_field(
    field_node: FieldDefinitionNode,
    type_name: str,
    kind: TypeKind,
    in_graphs: list[str],
    types: dict[str, dict[str, SubgraphType]],
    names: _DirectiveNames,
) -> None:
    joins = _directives(field_node, "join__field")
    cost = _Directives(field_node.directives, names)
    argument_costs = {
        a.name.value: weight
        for a in field_node.arguments or ()
        if (weight := _Directives(a.directives, names).int_arg("cost", "weight")) is not None
    }
    if joins and not any("graph" in j for j in joins):
        return  # exists only through an @interfaceObject: composition adds it again
    per_graph = [(str(j["graph"]), j) for j in joins if "graph" in j] or [(g, {}) for g in in_graphs]
    for graph, join in per_graph:
        t = types[graph].get(type_name)
        if t is None:
            continue
        field_type: TypeNode = field_node.type
        if isinstance(join.get("type"), str):
            field_type = parse_type(str(join["type"]))
        t.fields[field_node.name.value] = SubgraphField(
            name=field_node.name.value,
            type=field_type,
            arguments=tuple(field_node.arguments or ()),
            description=_description(field_node),
            external=join.get("external") is True,
            shareable=True,
            inaccessible=_has(field_node, "inaccessible"),
            requires=join.get("requires") if isinstance(join.get("requires"), str) else None,  # type: ignore[arg-type]
            provides=join.get("provides") if isinstance(join.get("provides"), str) else None,  # type: ignore[arg-type]
            override_from=join.get("override") if isinstance(join.get("override"), str) else None,  # type: ignore[arg-type]
            cost=cost.int_arg("cost", "weight"),
            argument_costs=dict(argument_costs),
            list_size=cost.list_size(),
            never_kept=never_kept(field_node),
        )
