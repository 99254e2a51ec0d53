"""Print a supergraph as `@join__*` SDL (join spec v0.3, the form Apollo Router and Hive Gateway read).

Loading such a file back is a later step (see `sources.SupergraphFile`)."""

from __future__ import annotations

import json
import re

from graphql import print_ast, print_type

from gateway.composition.supergraph import Supergraph

JOIN_PRELUDE = """\
directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, \
external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, \
resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | \
ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}
"""


def graph_enum_name(subgraph: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", subgraph).upper()


def _field_set(selection_text: str) -> str:
    return json.dumps(selection_text)


def print_supergraph_sdl(supergraph: Supergraph) -> str:
    schema = supergraph.api_schema
    roots = [
        f"  {op}: {t.name}"
        for op, t in (
            ("query", schema.query_type),
            ("mutation", schema.mutation_type),
            ("subscription", schema.subscription_type),
        )
        if t is not None
    ]
    parts = [
        'schema\n  @link(url: "https://specs.apollo.dev/link/v1.0")\n'
        '  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)\n{\n' + "\n".join(roots) + "\n}",
        JOIN_PRELUDE.rstrip(),
        "enum join__Graph {\n"
        + "\n".join(
            f"  {graph_enum_name(s.name)} @join__graph(name: {json.dumps(s.name)}, url: {json.dumps(s.url)})"
            for s in supergraph.subgraphs.values()
        )
        + "\n}",
    ]
    for name, t in supergraph.types.items():
        api_type = schema.get_type(name)
        if api_type is None:
            continue
        printed = print_type(api_type)
        header, brace, body = printed.partition(" {")
        type_directives = []
        for s in t.subgraphs:
            graph = graph_enum_name(s)
            keys = t.keys.get(s, [])
            sub_type = supergraph.subgraphs[s].types[name]
            extra = ", isInterfaceObject: true" if sub_type.interface_object else ""
            if keys:
                for key in keys:
                    resolvable = "" if key.resolvable else ", resolvable: false"
                    key_text = _field_set(key.fields)
                    type_directives.append(f"@join__type(graph: {graph}, key: {key_text}{resolvable}{extra})")
            else:
                type_directives.append(f"@join__type(graph: {graph}{extra})")
            for interface in sub_type.interfaces:
                type_directives.append(f"@join__implements(graph: {graph}, interface: {json.dumps(interface)})")
            for member in sub_type.union_members:
                type_directives.append(f"@join__unionMember(graph: {graph}, member: {json.dumps(member)})")
        directives = "".join(f"\n  {d}" for d in type_directives)
        if not brace:
            members = "\n  =" + printed.split(" =", 1)[1] if " =" in printed else ""
            parts.append(header.split(" =")[0] + directives + members)
            continue
        lines = body.rstrip("}").rstrip("\n").split("\n")
        out_lines = []
        for line in lines:
            field_name = line.strip().split("(")[0].split(":")[0]
            f = t.fields.get(field_name)
            annotations = ""
            if (
                f is not None
                and f.via_interface_object
                and not any(name in supergraph.subgraphs[s].types for s in f.definers)
            ):
                annotations = " @join__field"  # only through an @interfaceObject: no subgraph has it on this type
            elif f is not None and (set(f.definers) != set(t.subgraphs) or f.external_in or f.requires or f.provides):
                for s in f.definers:
                    if name not in supergraph.subgraphs[s].types:
                        continue  # added through an @interfaceObject: the interface's annotations say it
                    attrs = [f"graph: {graph_enum_name(s)}"]
                    if s in f.requires:
                        attrs.append(f"requires: {_field_set(_inline(print_ast(f.requires[s])))}")
                    if s in f.provides:
                        attrs.append(f"provides: {_field_set(_inline(print_ast(f.provides[s])))}")
                    if s in f.external_in:
                        attrs.append("external: true")
                    sub_field = supergraph.subgraphs[s].types[name].fields.get(field_name)
                    if sub_field is not None and sub_field.override_from:
                        attrs.append(f"override: {json.dumps(sub_field.override_from)}")
                    annotations += f" @join__field({', '.join(attrs)})"
            out_lines.append(line + annotations)
        parts.append(header + directives + "\n{" + "\n".join(out_lines) + "\n}")
    return "\n\n".join(parts) + "\n"


def _inline(selection_set_text: str) -> str:
    """`{\\n  id\\n  org {\\n id\\n }\\n}` -> `id org { id }`."""
    text = " ".join(selection_set_text.split())
    return text[1:-1].strip() if text.startswith("{") else text
