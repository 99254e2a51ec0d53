"""Build the client-facing API schema: the merged types, minus federation internals and `@inaccessible` parts."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    print_ast,
    validate_schema,
)

from gateway.composition.errors import CompositionIssue
from gateway.composition.subgraph_schema import SubgraphField, SubgraphSchema
from gateway.composition.supergraph import SupergraphType


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def _description(text: str | None) -> StringValueNode | None:
    return StringValueNode(value=text, block=True) if text else None


def build_api_schema(
    types: dict[str, SupergraphType], subgraphs: dict[str, SubgraphSchema], issues: list[CompositionIssue]
) -> GraphQLSchema | None:
    definitions: list[TypeDefinitionNode] = []
    hidden = {t.name for t in types.values() if t.inaccessible}
    for t in types.values():
        if t.inaccessible:
            continue
        defs = [subgraphs[s].types[t.name] for s in t.subgraphs]
        description = merge_description([subgraphs[s].types[t.name].description for s in sorted(t.subgraphs)])
        if t.kind in ("object", "interface"):
            fields = []
            for f in t.fields.values():
                if f.inaccessible or f.named_type in hidden:
                    continue
                source = _field_source(t.name, f.name, f.definers, subgraphs)
                arguments = _merge_arguments(t.name, f.name, f.definers, subgraphs, issues)
                fields.append(
                    FieldDefinitionNode(
                        name=_name(f.name),
                        type=f.type,
                        arguments=arguments,
                        directives=(),
                        description=_description(source.description if source else None),
                    )
                )
            interfaces = []
            for d in defs:
                for i in d.interfaces:
                    if i not in interfaces and i not in hidden and i in types:
                        interfaces.append(i)
            node_class = ObjectTypeDefinitionNode if t.kind == "object" else InterfaceTypeDefinitionNode
            definitions.append(
                node_class(
                    name=_name(t.name),
                    description=_description(description),
                    fields=tuple(fields),
                    interfaces=tuple(NamedTypeNode(name=_name(i)) for i in interfaces),
                    directives=(),
                )
            )
        elif t.kind == "union":
            members: list[str] = []
            for d in defs:
                members.extend(m for m in d.union_members if m not in members and m not in hidden)
            definitions.append(
                UnionTypeDefinitionNode(
                    name=_name(t.name),
                    description=_description(description),
                    types=tuple(NamedTypeNode(name=_name(m)) for m in members),
                    directives=(),
                )
            )
        elif t.kind == "enum":
            values: dict[str, EnumValueDefinitionNode] = {}
            inaccessible: set[str] = set()
            for d in defs:
                inaccessible |= d.inaccessible_enum_values
                for name, node in d.enum_values.items():
                    values.setdefault(name, EnumValueDefinitionNode(name=node.name, description=node.description))
            definitions.append(
                EnumTypeDefinitionNode(
                    name=_name(t.name),
                    description=_description(description),
                    values=tuple(v for n, v in values.items() if n not in inaccessible),
                    directives=(),
                )
            )
        elif t.kind == "input":
            # Input types merge by intersection: a field only some subgraphs accept cannot be sent to all.
            common = [n for n in defs[0].input_fields if all(n in d.input_fields for d in defs)]
            input_hidden: set[str] = set()
            for d in defs:
                input_hidden |= d.inaccessible_input_fields
            input_fields = []
            for n in common:
                if n in input_hidden:
                    continue
                input_node = defs[0].input_fields[n]
                input_fields.append(
                    InputValueDefinitionNode(
                        name=input_node.name,
                        type=input_node.type,
                        default_value=input_node.default_value,
                        description=input_node.description,
                        directives=(),
                    )
                )
            definitions.append(
                InputObjectTypeDefinitionNode(
                    name=_name(t.name),
                    description=_description(description),
                    fields=tuple(input_fields),
                    directives=(),
                )
            )
        elif t.kind == "scalar" and t.name not in ("String", "Int", "Float", "Boolean", "ID"):
            definitions.append(
                ScalarTypeDefinitionNode(name=_name(t.name), description=_description(description), directives=())
            )
    try:
        schema = build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid_sdl=False)
    except (GraphQLError, TypeError) as exc:
        issues.append(CompositionIssue("INVALID_API_SCHEMA", str(exc)))
        return None
    errors = validate_schema(schema)
    if errors:
        issues.extend(CompositionIssue("INVALID_API_SCHEMA", e.message) for e in errors)
        return None
    return schema


def _field_source(
    type_name: str, field_name: str, definers: list[str], subgraphs: dict[str, SubgraphSchema]
) -> SubgraphField | None:
    fields = [
        subgraphs[s].types[type_name].fields[field_name]
        for s in sorted(definers)
        if type_name in subgraphs[s].types and field_name in subgraphs[s].types[type_name].fields
    ]
    description = merge_description([f.description for f in fields])
    return next((f for f in fields if f.description == description), fields[0] if fields else None)


def merge_description(descriptions: list[str | None]) -> str | None:
    """Apollo's rule: the description most subgraphs give (subgraphs taken by name), the first on a tie."""
    seen: list[str] = []
    counts: list[int] = []
    for d in descriptions:
        if d is None:
            continue
        if d in seen:
            counts[seen.index(d)] += 1
        else:
            seen.append(d)
            counts.append(-(2**31) if d == "" else 1)
    if not seen:
        return None
    return seen[counts.index(max(counts))]


def _merge_arguments(
    type_name: str,
    field_name: str,
    definers: list[str],
    subgraphs: dict[str, SubgraphSchema],
    issues: list[CompositionIssue],
) -> tuple[InputValueDefinitionNode, ...]:
    """Arguments merge by intersection (an argument must be accepted by every subgraph that may get the call)."""
    fields = [
        subgraphs[s].types[type_name].fields[field_name]
        for s in definers
        if type_name in subgraphs[s].types and field_name in subgraphs[s].types[type_name].fields
    ]
    per_subgraph = [{a.name.value: a for a in f.arguments} for f in fields]
    if not per_subgraph:
        return ()
    # An argument `@inaccessible` in any subgraph is not part of the API (its default may name hidden values).
    hidden = {name for f in fields for name in f.inaccessible_arguments}
    merged = []
    for name, arg in per_subgraph[0].items():
        if name in hidden or not all(name in args for args in per_subgraph):
            continue
        for other in per_subgraph[1:]:
            if print_ast(other[name].type) != print_ast(arg.type):
                issues.append(
                    CompositionIssue(
                        "FIELD_ARGUMENT_TYPE_MISMATCH",
                        f"argument {type_name}.{field_name}({name}:) has types {print_ast(arg.type)} and "
                        f"{print_ast(other[name].type)} in different subgraphs",
                    )
                )
        merged.append(
            InputValueDefinitionNode(
                name=arg.name,
                type=arg.type,
                default_value=arg.default_value,
                description=arg.description,
                directives=(),
            )
        )
    return tuple(merged)
