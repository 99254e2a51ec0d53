"""One subgraph's Federation SDL, read into a model the composer and planner can query.

Federation directives are recognised under whatever name the subgraph's `@link` gives them
(`@key`, an `as:` rename, or the `@federation__key` namespaced form), so a subgraph may rename them freely.
Federation internals (`_service`, `_entities`, `_Any`, `_Entity`, `link__*`, `federation__*`) are dropped here:
nothing downstream should ever see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    IntValueNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
    parse,
)

from gateway.composition.errors import CompositionError, CompositionIssue
from gateway.composition.field_sets import parse_field_set

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]

FEDERATION_SPEC_PREFIX = "https://specs.apollo.dev/federation/"
LINK_SPEC_PREFIX = "https://specs.apollo.dev/link/"
# Federation 2.9 imports @cost/@listSize from the federation spec; they also have their own spec.
COST_SPEC_PREFIX = "https://specs.apollo.dev/cost/"

# Directives whose meaning the gateway understands; anything else federation defines is accepted and ignored.
FEDERATION_DIRECTIVES = frozenset(
    {
        "key",
        "requires",
        "provides",
        "external",
        "shareable",
        "override",
        "inaccessible",
        "interfaceObject",
        "tag",
        "extends",
        "composeDirective",
        "authenticated",
        "requiresScopes",
        "policy",
        "context",
        "fromContext",
        "cost",
        "listSize",
    }
)

# Apollo's cache hint directive; `maxAge: 0` marks a field whose answers are never kept (see never_kept).
CACHE_CONTROL = "cacheControl"

INTERNAL_TYPE_NAMES = frozenset({"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet"})
INTERNAL_ROOT_FIELDS = frozenset({"_entities", "_service"})


@dataclass(frozen=True)
class EntityKey:
    """One `@key` of an entity in one subgraph."""

    fields: str
    selection: SelectionSetNode
    resolvable: bool = True


@dataclass(frozen=True)
class ListSize:
    """`@listSize` (IBM cost spec, Federation 2.9): how many items a list field returns, for the cost estimate."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass
class SubgraphField:
    name: str
    type: TypeNode
    arguments: tuple[InputValueDefinitionNode, ...]
    description: str | None = None
    external: bool = False
    shareable: bool = False
    inaccessible: bool = False
    inaccessible_arguments: frozenset[str] = frozenset()
    requires: str | None = None
    provides: str | None = None
    override_from: str | None = None
    tags: tuple[str, ...] = ()
    # `@cost(weight:)` on the field, on its arguments; `@listSize` on the field.
    cost: int | None = None
    argument_costs: dict[str, int] = field(default_factory=dict)
    list_size: ListSize | None = None
    # `@cacheControl(maxAge: 0)` (Apollo's cache hint) on the field: the subgraph says its answers must not be
    # kept - the entity cache never stores a fetch that asks for it.
    never_kept: bool = False


@dataclass
class SubgraphType:
    name: str
    kind: TypeKind
    description: str | None = None
    keys: list[EntityKey] = field(default_factory=list)
    shareable: bool = False
    inaccessible: bool = False
    interface_object: bool = False
    extension: bool = False
    cost: int | None = None  # `@cost(weight:)` on the type (objects, interfaces, scalars, enums)
    fields: dict[str, SubgraphField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    union_members: list[str] = field(default_factory=list)
    enum_values: dict[str, EnumValueDefinitionNode] = field(default_factory=dict)
    input_fields: dict[str, InputValueDefinitionNode] = field(default_factory=dict)
    inaccessible_enum_values: set[str] = field(default_factory=set)
    inaccessible_input_fields: set[str] = field(default_factory=set)

    @property
    def is_entity(self) -> bool:
        return bool(self.keys)


@dataclass
class SubgraphSchema:
    name: str
    url: str
    sdl: str
    federation_v2: bool
    types: dict[str, SubgraphType]
    # Operation type -> the type name this subgraph uses for it (almost always Query/Mutation/Subscription).
    root_types: dict[OperationType, str]

    def possible_types(self, type_name: str) -> list[str]:
        """Object types this subgraph can return for an abstract (or object) type."""
        t = self.types.get(type_name)
        if t is None:
            return []
        if t.kind == "object":
            return [type_name]
        if t.kind == "union":
            return [m for m in t.union_members if m in self.types]
        if t.kind == "interface":
            return [n for n, o in self.types.items() if o.kind == "object" and type_name in o.interfaces]
        return []


class _DirectiveNames:
    """Maps the names a subgraph uses for federation directives back to their canonical names."""

    def __init__(self, schema_nodes: list[SchemaDefinitionNode | SchemaExtensionNode]) -> None:
        self.federation_v2 = False
        self._local_to_canonical: dict[str, str] = {}
        namespace = "federation"
        for node in schema_nodes:
            for directive in node.directives or ():
                if directive.name.value != "link":
                    continue
                args = {a.name.value: a.value for a in directive.arguments or ()}
                url = _string(args.get("url"))
                if url and url.startswith(COST_SPEC_PREFIX):
                    imports = args.get("import")
                    if isinstance(imports, ListValueNode):
                        for item in imports.values:
                            self._add_import(item)
                    continue
                if not url or not url.startswith(FEDERATION_SPEC_PREFIX):
                    continue
                self.federation_v2 = True
                alias = _string(args.get("as"))
                if alias:
                    namespace = alias
                imports = args.get("import")
                if isinstance(imports, ListValueNode):
                    for item in imports.values:
                        self._add_import(item)
        self._namespace = namespace

    def _add_import(self, item: ValueNode) -> None:
        if isinstance(item, StringValueNode):
            name = item.value.lstrip("@")
            self._local_to_canonical[name] = name
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name = (_string(fields.get("name")) or "").lstrip("@")
            local = (_string(fields.get("as")) or name).lstrip("@")
            if name:
                self._local_to_canonical[local] = name

    def canonical(self, local_name: str) -> str | None:
        if not self.federation_v2:
            # Federation 1 subgraphs use the plain names without any @link.
            return local_name if local_name in FEDERATION_DIRECTIVES else None
        if local_name in self._local_to_canonical:
            return self._local_to_canonical[local_name]
        prefix = self._namespace + "__"
        if local_name.startswith(prefix):
            return local_name[len(prefix) :]
        return None


def _string(value: ValueNode | None) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _description(node: object) -> str | None:
    description = getattr(node, "description", None)
    return description.value if description is not None else None


class _Directives:
    """The federation directives on one AST node, by canonical name."""

    def __init__(self, nodes: tuple[DirectiveNode, ...] | None, names: _DirectiveNames) -> None:
        self.by_name: dict[str, list[dict[str, ValueNode]]] = {}
        for directive in nodes or ():
            canonical = names.canonical(directive.name.value)
            if canonical is None:
                continue
            args = {a.name.value: a.value for a in directive.arguments or ()}
            self.by_name.setdefault(canonical, []).append(args)

    def has(self, name: str) -> bool:
        return name in self.by_name

    def all(self, name: str) -> list[dict[str, ValueNode]]:
        return self.by_name.get(name, [])

    def string_arg(self, name: str, arg: str) -> str | None:
        for args in self.all(name):
            return _string(args.get(arg))
        return None

    def int_arg(self, name: str, arg: str) -> int | None:
        for args in self.all(name):
            value = args.get(arg)
            return int(value.value) if isinstance(value, IntValueNode) else None
        return None

    def list_size(self) -> ListSize | None:
        for args in self.all("listSize"):
            assumed = args.get("assumedSize")
            require = args.get("requireOneSlicingArgument")
            return ListSize(
                assumed_size=int(assumed.value) if isinstance(assumed, IntValueNode) else None,
                slicing_arguments=_strings(args.get("slicingArguments")),
                sized_fields=_strings(args.get("sizedFields")),
                require_one_slicing_argument=require.value if isinstance(require, BooleanValueNode) else True,
            )
        return None


def _strings(value: ValueNode | None) -> tuple[str, ...]:
    if isinstance(value, ListValueNode):
        return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
    if isinstance(value, StringValueNode):
        return (value.value,)
    return ()


def _is_internal_type(name: str) -> bool:
    return name in INTERNAL_TYPE_NAMES or name.startswith(("link__", "federation__", "join__"))


def parse_subgraph_sdl(name: str, sdl: str, url: str = "") -> SubgraphSchema:
    """Read a subgraph's `_service { sdl }` text into a `SubgraphSchema`."""
    try:
        document: DocumentNode = parse(sdl, no_location=True)
    except GraphQLSyntaxError as exc:
        raise CompositionError(
            [CompositionIssue("INVALID_GRAPHQL", f"subgraph {name!r}: SDL does not parse: {exc.message}")]
        ) from exc

    schema_nodes: list[SchemaDefinitionNode | SchemaExtensionNode] = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    names = _DirectiveNames(schema_nodes)
    root_types = {
        OperationType.QUERY: "Query",
        OperationType.MUTATION: "Mutation",
        OperationType.SUBSCRIPTION: "Subscription",
    }
    for node in schema_nodes:
        for op in node.operation_types or ():
            root_types[op.operation] = op.type.name.value

    types: dict[str, SubgraphType] = {}
    for definition in document.definitions:
        type_name = getattr(getattr(definition, "name", None), "value", None)
        if type_name is None or _is_internal_type(type_name):
            continue
        kind = _kind_of(definition)
        if kind is None:
            continue
        t = types.get(type_name)
        if t is None:
            t = types[type_name] = SubgraphType(name=type_name, kind=kind)
        _merge_definition(t, definition, names)

    # Keep the operation roots named by their standard names so subgraphs that rename them still merge.
    for operation, type_name in root_types.items():
        standard = operation.value.capitalize()
        if type_name != standard and type_name in types:
            t = types.pop(type_name)
            t.name = standard
            types[standard] = t
        root_types[operation] = standard
    query = types.get("Query")
    if query is not None:
        for internal in INTERNAL_ROOT_FIELDS:
            query.fields.pop(internal, None)
        if not query.fields:
            del types["Query"]
    return SubgraphSchema(
        name=name,
        url=url,
        sdl=sdl,
        federation_v2=names.federation_v2,
        types=types,
        root_types=root_types,
    )


def _kind_of(definition: object) -> TypeKind | None:
    if isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
        return "object"
    if isinstance(definition, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
        return "interface"
    if isinstance(definition, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        return "union"
    if isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        return "enum"
    if isinstance(definition, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
        return "input"
    if isinstance(definition, ScalarTypeDefinitionNode | ScalarTypeExtensionNode):
        return "scalar"
    return None


def _merge_definition(t: SubgraphType, definition: object, names: _DirectiveNames) -> None:
    directives = _Directives(getattr(definition, "directives", None), names)
    t.description = t.description or _description(definition)
    if isinstance(definition, ObjectTypeExtensionNode | InterfaceTypeExtensionNode) or directives.has("extends"):
        t.extension = True
    for args in directives.all("key"):
        fields = _string(args.get("fields")) or ""
        resolvable_node = args.get("resolvable")
        resolvable = resolvable_node.value if isinstance(resolvable_node, BooleanValueNode) else True
        t.keys.append(EntityKey(fields=fields, selection=parse_field_set(fields), resolvable=resolvable))
    t.shareable = t.shareable or directives.has("shareable")
    t.inaccessible = t.inaccessible or directives.has("inaccessible")
    t.interface_object = t.interface_object or directives.has("interfaceObject")
    type_cost = directives.int_arg("cost", "weight")
    if type_cost is not None:
        t.cost = type_cost if t.cost is None else max(t.cost, type_cost)
    for interface in getattr(definition, "interfaces", None) or ():
        if interface.name.value not in t.interfaces:
            t.interfaces.append(interface.name.value)
    for member in getattr(definition, "types", None) or ():
        if member.name.value not in t.union_members:
            t.union_members.append(member.name.value)
    if t.kind in ("object", "interface"):
        for field_node in getattr(definition, "fields", None) or ():
            assert isinstance(field_node, FieldDefinitionNode)
            t.fields[field_node.name.value] = _read_field(field_node, names, type_shareable=directives.has("shareable"))
    elif t.kind == "input":
        for input_field in getattr(definition, "fields", None) or ():
            t.input_fields[input_field.name.value] = input_field
            if _Directives(input_field.directives, names).has("inaccessible"):
                t.inaccessible_input_fields.add(input_field.name.value)
    elif t.kind == "enum":
        for value in getattr(definition, "values", None) or ():
            t.enum_values[value.name.value] = value
            if _Directives(value.directives, names).has("inaccessible"):
                t.inaccessible_enum_values.add(value.name.value)


def _read_field(node: FieldDefinitionNode, names: _DirectiveNames, *, type_shareable: bool) -> SubgraphField:
    directives = _Directives(node.directives, names)
    return SubgraphField(
        name=node.name.value,
        type=node.type,
        arguments=tuple(node.arguments or ()),
        description=_description(node),
        external=directives.has("external"),
        # `@shareable` on the type applies to every field the type definition declares.
        shareable=directives.has("shareable") or type_shareable,
        inaccessible=directives.has("inaccessible"),
        inaccessible_arguments=frozenset(
            a.name.value for a in node.arguments or () if _Directives(a.directives, names).has("inaccessible")
        ),
        requires=directives.string_arg("requires", "fields"),
        provides=directives.string_arg("provides", "fields"),
        override_from=directives.string_arg("override", "from"),
        tags=tuple(_string(a.get("name")) or "" for a in directives.all("tag")),
        cost=directives.int_arg("cost", "weight"),
        argument_costs={
            a.name.value: weight
            for a in node.arguments or ()
            if (weight := _Directives(a.directives, names).int_arg("cost", "weight")) is not None
        },
        list_size=directives.list_size(),
        never_kept=never_kept(node),
    )


def never_kept(node: FieldDefinitionNode) -> bool:
    """`@cacheControl(maxAge: 0)` on the field: Apollo's cache hint, not a federation directive, so read by its
    own name (composed or not: a subgraph may also declare it through `@composeDirective`)."""
    for d in node.directives or ():
        if d.name.value == CACHE_CONTROL:
            age = next((a.value for a in d.arguments or () if a.name.value == "maxAge"), None)
            if isinstance(age, IntValueNode) and int(age.value) == 0:
                return True
    return False
