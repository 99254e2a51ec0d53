"""Compose subgraph schemas into a `Supergraph`: merge types and fields, check sharing rules, build the API schema.

This follows Apollo Federation 2 composition for what a gateway needs to plan and serve queries; it does not
(yet) run Apollo's full satisfiability analysis. `gateway.testing.apollo` cross-checks against the reference.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import print_ast

from gateway.composition.api_schema import build_api_schema
from gateway.composition.errors import CompositionError, CompositionIssue
from gateway.composition.field_sets import parse_field_set, top_level_field_names
from gateway.composition.subgraph_schema import (
    ListSize,
    SubgraphField,
    SubgraphSchema,
    SubgraphType,
    parse_subgraph_sdl,
)
from gateway.composition.supergraph import Supergraph, SupergraphField, SupergraphType
from gateway.composition.type_merging import merge_output_types, named_type_name


def compose(sdls: Mapping[str, str], urls: Mapping[str, str] | None = None) -> Supergraph:
    """Compose `{subgraph name: SDL}` into a supergraph; raises `CompositionError` listing every problem."""
    urls = urls or {}
    issues: list[CompositionIssue] = []
    subgraphs: dict[str, SubgraphSchema] = {}
    for name, sdl in sdls.items():
        try:
            subgraphs[name] = parse_subgraph_sdl(name, sdl, urls.get(name, ""))
        except CompositionError as exc:
            issues.extend(exc.issues)
    if issues:
        raise CompositionError(issues)
    return compose_subgraphs(list(subgraphs.values()))


def compose_subgraphs(subgraphs: list[SubgraphSchema]) -> Supergraph:
    issues: list[CompositionIssue] = []
    by_name = {s.name: s for s in subgraphs}
    types: dict[str, SupergraphType] = {}
    subtypes = _abstract_members(subgraphs)

    # Subgraphs in name order, as Apollo merges them: the API schema lists types and fields in the same order.
    for subgraph in sorted(subgraphs, key=lambda s: s.name):
        for t in subgraph.types.values():
            merged = types.get(t.name)
            kind = "interface" if t.interface_object else t.kind
            if merged is None:
                merged = types[t.name] = SupergraphType(name=t.name, kind=kind)
            elif merged.kind != kind:
                if t.kind == "interface" and merged.kind == "object" and merged.interface_object_in:
                    merged.kind = "interface"
                else:
                    issues.append(
                        CompositionIssue(
                            "TYPE_KIND_MISMATCH",
                            f"type {t.name!r} is a {kind} in subgraph {subgraph.name!r} "
                            f"but a {merged.kind} in {', '.join(repr(s) for s in merged.subgraphs)}",
                        )
                    )
                    continue
            merged.subgraphs.append(subgraph.name)
            merged.inaccessible = merged.inaccessible or t.inaccessible
            if t.cost is not None:
                merged.cost = t.cost if merged.cost is None else max(merged.cost, t.cost)
            if t.keys:
                merged.keys[subgraph.name] = list(t.keys)
            if t.interface_object:
                merged.interface_object_in.append(subgraph.name)
            if t.kind in ("object", "interface"):
                _merge_fields(merged, subgraph, t, issues, subtypes)

    _check_external_types(types, by_name, issues)
    _check_field_sharing(types, by_name, issues)
    _apply_overrides(types, by_name, issues)
    _add_interface_object_fields(types, by_name)
    _check_resolvability(types, issues)
    if "Query" not in types:
        issues.append(CompositionIssue("NO_QUERIES", "no subgraph defines any Query field"))
    if issues:
        raise CompositionError(issues)

    api_schema = build_api_schema(types, by_name, issues)
    if issues or api_schema is None:
        raise CompositionError(issues)
    return Supergraph(subgraphs=by_name, types=types, api_schema=api_schema)


def _abstract_members(subgraphs: list[SubgraphSchema]) -> dict[str, set[str]]:
    """Each union's members and each interface's implementations, over all subgraphs."""
    members: dict[str, set[str]] = {}
    for subgraph in subgraphs:
        for t in subgraph.types.values():
            if t.kind == "union":
                members.setdefault(t.name, set()).update(t.union_members)
            for interface in t.interfaces:
                members.setdefault(interface, set()).add(t.name)
    return members


def _merge_fields(
    merged: SupergraphType,
    subgraph: SubgraphSchema,
    t: SubgraphType,
    issues: list[CompositionIssue],
    subtypes: dict[str, set[str]],
) -> None:
    key_fields = {name for key in t.keys for name in top_level_field_names(key.selection)}
    for f in t.fields.values():
        existing = merged.fields.get(f.name)
        if existing is None:
            existing = merged.fields[f.name] = SupergraphField(
                type_name=merged.name, name=f.name, type=f.type, named_type=named_type_name(f.type)
            )
        else:
            combined = merge_output_types(existing.type, f.type, subtypes)
            if combined is None:
                issues.append(
                    CompositionIssue(
                        "FIELD_TYPE_MISMATCH",
                        f"field {merged.name}.{f.name} has type {print_ast(existing.type)} in "
                        f"{', '.join(repr(s) for s in existing.definers)} but {print_ast(f.type)} "
                        f"in {subgraph.name!r}",
                    )
                )
                continue
            existing.type = combined
            existing.named_type = named_type_name(combined)
        existing.definers.append(subgraph.name)
        existing.inaccessible = existing.inaccessible or f.inaccessible
        # A Federation 1 subgraph marks the key fields of an extended entity @external, yet it can resolve
        # them (it received them in the representation), so they count as resolvable there.
        if f.external and not (f.name in key_fields and not subgraph.federation_v2):
            existing.external_in.add(subgraph.name)
        else:
            existing.resolvers.append(subgraph.name)
        if f.requires:
            existing.requires[subgraph.name] = parse_field_set(f.requires)
        if f.provides:
            existing.provides[subgraph.name] = parse_field_set(f.provides)
        _merge_cost(existing, f)
        existing.never_kept = existing.never_kept or f.never_kept


def _merge_cost(merged: SupergraphField, f: SubgraphField) -> None:
    """@cost: the largest weight any subgraph gives; @listSize: the largest assumed size, every slicing
    argument and sized field any subgraph names (the estimate must not be lower than any subgraph's)."""
    if f.cost is not None:
        merged.cost = f.cost if merged.cost is None else max(merged.cost, f.cost)
    for name, weight in f.argument_costs.items():
        merged.argument_costs[name] = max(weight, merged.argument_costs.get(name, weight))
    if f.list_size is None:
        return
    old = merged.list_size
    if old is None:
        merged.list_size = f.list_size
        return
    sizes = [s for s in (old.assumed_size, f.list_size.assumed_size) if s is not None]
    merged.list_size = ListSize(
        assumed_size=max(sizes) if sizes else None,
        slicing_arguments=tuple(dict.fromkeys((*old.slicing_arguments, *f.list_size.slicing_arguments))),
        sized_fields=tuple(dict.fromkeys((*old.sized_fields, *f.list_size.sized_fields))),
        require_one_slicing_argument=old.require_one_slicing_argument and f.list_size.require_one_slicing_argument,
    )


def _check_external_types(
    types: dict[str, SupergraphType], subgraphs: dict[str, SubgraphSchema], issues: list[CompositionIssue]
) -> None:
    """An @external declaration must repeat the field's type exactly (it describes data another subgraph sends)."""
    for t in types.values():
        for f in t.fields.values():
            if not f.external_in or not f.resolvers:
                continue
            owner = f.resolvers[0]
            owner_type = print_ast(subgraphs[owner].types[t.name].fields[f.name].type)
            for s in sorted(f.external_in):
                external_type = print_ast(subgraphs[s].types[t.name].fields[f.name].type)
                if external_type != owner_type:
                    issues.append(
                        CompositionIssue(
                            "EXTERNAL_TYPE_MISMATCH",
                            f"field {t.name}.{f.name} has type {owner_type} in {owner!r} but is marked @external "
                            f"with type {external_type} in {s!r}",
                        )
                    )


def _check_field_sharing(
    types: dict[str, SupergraphType], subgraphs: dict[str, SubgraphSchema], issues: list[CompositionIssue]
) -> None:
    """A field resolved by several subgraphs must be @shareable in each (key fields and Fed1 excepted)."""
    for t in types.values():
        if t.kind != "object" or t.name == "Subscription":
            continue
        for f in t.fields.values():
            if len(f.resolvers) < 2:
                continue
            overridden = {
                sub_field.override_from
                for s in f.resolvers
                if (sub_field := subgraphs[s].types[t.name].fields.get(f.name)) and sub_field.override_from
            }
            unshared = []
            for s in f.resolvers:
                if s in overridden:
                    continue
                sub = subgraphs[s]
                sub_type = sub.types[t.name]
                sub_field = sub_type.fields[f.name]
                key_fields = {n for k in sub_type.keys for n in top_level_field_names(k.selection)}
                if not sub.federation_v2 or sub_field.shareable or f.name in key_fields or sub_field.override_from:
                    continue
                unshared.append(s)
            sharing = [s for s in f.resolvers if s not in overridden]
            if unshared and len(sharing) > 1:
                issues.append(
                    CompositionIssue(
                        "INVALID_FIELD_SHARING",
                        f"non-shareable field {t.name}.{f.name} is resolved from multiple subgraphs: it is "
                        f"resolved from subgraphs {', '.join(repr(s) for s in sharing)} and defined as "
                        f"non-shareable in {', '.join(repr(s) for s in unshared)}",
                    )
                )


def _apply_overrides(
    types: dict[str, SupergraphType], subgraphs: dict[str, SubgraphSchema], issues: list[CompositionIssue]
) -> None:
    """`@override(from: "X")` moves a field's resolution away from subgraph X."""
    for t in types.values():
        for f in t.fields.values():
            for s in list(f.resolvers):
                sub_field = subgraphs[s].types[t.name].fields.get(f.name)
                source = sub_field.override_from if sub_field else None
                if not source:
                    continue
                if source == s:
                    issues.append(
                        CompositionIssue("OVERRIDE_FROM_SELF_ERROR", f"{t.name}.{f.name} in {s!r} overrides itself")
                    )
                elif source in f.resolvers:
                    f.resolvers.remove(source)


def _add_interface_object_fields(types: dict[str, SupergraphType], subgraphs: dict[str, SubgraphSchema]) -> None:
    """Fields an `@interfaceObject` subgraph adds to an interface also appear on every implementation."""
    for interface in types.values():
        if interface.kind != "interface" or not interface.interface_object_in:
            continue
        implementations = [
            types[name]
            for name in types
            if types[name].kind == "object"
            and any(interface.name in s.types[name].interfaces for s in subgraphs.values() if name in s.types)
        ]
        for f in interface.fields.values():
            added_by = [s for s in f.resolvers if s in interface.interface_object_in]
            if not added_by:
                continue
            for impl in implementations:
                if f.name in impl.fields:
                    continue
                impl.fields[f.name] = SupergraphField(
                    type_name=impl.name,
                    name=f.name,
                    type=f.type,
                    named_type=f.named_type,
                    resolvers=list(added_by),
                    definers=list(added_by),
                    via_interface_object=interface.name,
                    never_kept=f.never_kept,
                    # `@requires` on the interface object's field holds on every implementation.
                    requires={s: f.requires[s] for s in added_by if s in f.requires},
                )
            for s in added_by:
                for impl in implementations:
                    impl.keys.setdefault(s, interface.keys.get(s, []))


def _check_resolvability(types: dict[str, SupergraphType], issues: list[CompositionIssue]) -> None:
    for t in types.values():
        for f in t.fields.values():
            if not f.resolvers and not f.via_interface_object:
                issues.append(
                    CompositionIssue(
                        "EXTERNAL_MISSING_ON_BASE",
                        f"field {t.name}.{f.name} is marked @external in "
                        f"{', '.join(repr(s) for s in sorted(f.external_in))} but no subgraph resolves it",
                    )
                )
