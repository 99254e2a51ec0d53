"""Shape the assembled subgraph data into the client's response, following the GraphQL spec's execution rules.

Only what the client selected is returned, in the client's field order, under the client's aliases, with
`@skip`/`@include` and fragment type conditions applied; `__typename` is answered from the runtime type; a null
in a non-null position nulls the nearest nullable parent (with an error unless one already explains it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
)

from gateway.execution.merging import ResponsePath


class _Null:
    """Returned when a non-null violation must null the parent."""


NULL_PROPAGATES = _Null()
_NULL: _Null = NULL_PROPAGATES


def include_node(node: SelectionNode, variables: Mapping[str, Any]) -> bool:
    return directives_allow(node.directives or (), variables)


def directives_allow(directives: Sequence[DirectiveNode], variables: Mapping[str, Any]) -> bool:
    """False if a `@skip(if: true)` or `@include(if: false)` among `directives` excludes the selection."""
    for directive in directives:
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value: Any = None
        for argument in directive.arguments or ():
            if argument.name.value == "if":
                if isinstance(argument.value, BooleanValueNode):
                    value = argument.value.value
                elif isinstance(argument.value, VariableNode):
                    value = variables.get(argument.value.name.value)
        if name == "skip" and value is True:
            return False
        if name == "include" and value is not True:
            return False
    return True


class _Shaper:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        errors: list[dict[str, Any]],
        errored_paths: list[ResponsePath],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.errors = errors
        self.errored_paths = errored_paths
        self.new_errors: list[dict[str, Any]] = []
        # Enum values the API schema does not have (`@inaccessible` ones a subgraph returned): nulled and
        # reported under `extensions.valueCompletion`, as Apollo's gateway does.
        self.value_completion: list[dict[str, Any]] = []

    def collect_fields(
        self, object_type: GraphQLObjectType, selection_set: SelectionSetNode, out: dict[str, list[FieldNode]]
    ) -> None:
        for selection in selection_set.selections:
            if not include_node(selection, self.variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if self._applies(condition, object_type):
                    self.collect_fields(object_type, selection.selection_set, out)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(fragment.type_condition.name.value, object_type):
                    self.collect_fields(object_type, fragment.selection_set, out)

    def _applies(self, condition: str | None, object_type: GraphQLObjectType) -> bool:
        if condition is None or condition == object_type.name:
            return True
        condition_type = self.schema.get_type(condition)
        return isinstance(condition_type, GraphQLInterfaceType | GraphQLUnionType) and self.schema.is_sub_type(
            condition_type, object_type
        )

    def complete_object(
        self,
        object_type: GraphQLObjectType,
        selection_sets: list[SelectionSetNode],
        source: Mapping[str, Any],
        path: ResponsePath,
    ) -> dict[str, Any] | _Null:
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self.collect_fields(object_type, selection_set, fields)
        result: dict[str, Any] = {}
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                result[key] = object_type.name
                continue
            if name in ("__schema", "__type"):
                result[key] = source.get(key)
                continue
            field_def = object_type.fields.get(name)
            if field_def is None:
                continue
            value = self.complete_value(field_def.type, nodes, source.get(key), (*path, key), object_type, name)
            if value is NULL_PROPAGATES:
                return _NULL  # the same object, typed (the `is` test above makes mypy see Any)
            result[key] = value
        return result

    def complete_value(
        self,
        type_: GraphQLOutputType,
        nodes: list[FieldNode],
        value: Any,
        path: ResponsePath,
        parent: GraphQLObjectType,
        field_name: str,
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            completed = self.complete_value(type_.of_type, nodes, value, path, parent, field_name)
            if completed is None or completed is NULL_PROPAGATES:
                if completed is None:
                    self._null_error(path, parent, field_name)
                return NULL_PROPAGATES
            return completed
        if value is None:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                return None
            items = []
            for index, item in enumerate(value):
                completed = self.complete_value(type_.of_type, nodes, item, (*path, index), parent, field_name)
                if completed is NULL_PROPAGATES:
                    # A non-null item was null: the list itself becomes null (and may propagate further).
                    return None
                items.append(completed)
            return items
        if is_leaf_type(type_):
            if isinstance(type_, GraphQLEnumType) and not _valid_enum_value(type_, value):
                self.value_completion.append(
                    {
                        # Apollo names the field by its response name (the alias, if any).
                        "message": f"Invalid value found for field {parent.name}.{_response_name(path)}.",
                        "path": list(path),
                        "extensions": {"code": "INVALID_GRAPHQL"},
                    }
                )
                self.errored_paths.append(path)
                return None
            return value
        if not isinstance(value, dict):
            return None
        runtime: Any = type_
        if is_abstract_type(type_):
            runtime = self.schema.get_type(value.get("__typename", ""))
            if not isinstance(runtime, GraphQLObjectType):
                return None
        selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        completed_object = self.complete_object(runtime, selection_sets, value, path)
        return None if completed_object is NULL_PROPAGATES else completed_object

    def _null_error(self, path: ResponsePath, parent: GraphQLObjectType, field_name: str) -> None:
        for errored in self.errored_paths:
            # Explained already if a reported error is at, above or below this position.
            shortest = min(len(errored), len(path))
            if tuple(errored[:shortest]) == tuple(path[:shortest]):
                return
        self.new_errors.append(
            {"message": f"Cannot return null for non-nullable field {parent.name}.{field_name}.", "path": list(path)}
        )
        self.errored_paths.append(path)


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables that `@skip`/`@include` read anywhere in the document: the only request input, besides the
    document itself, that changes which fields are collected (so compiled shapes are cached per their values)."""
    names: dict[str, None] = {}

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            names[argument.value.name.value] = None
            if isinstance(selection, FieldNode | InlineFragmentNode):
                walk(selection.selection_set)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            walk(definition.selection_set)
    return tuple(names)


def _response_name(path: ResponsePath) -> str:
    return next(str(p) for p in reversed(path) if isinstance(p, str))


def _valid_enum_value(type_: GraphQLEnumType, value: Any) -> bool:
    return isinstance(value, str) and value in type_.values


class _Fallback(Exception):
    """A non-null position holds null: the compiled shaper leaves the response to `_Shaper` (which knows paths)."""


_LEAF, _LEAF_NON_NULL, _TYPENAME, _COMPLEX = range(4)
_Completer = Callable[[Any], Any]


class _Compiler:
    """Compiles the shaping of one operation into closures, per (runtime type, selection sets): fields are
    collected once (not once per object), leaves are copied without a call per field, and nothing tracks
    response paths. It gives exactly `_Shaper`'s result whenever no non-null position holds null; when one does
    it raises `_Fallback` and `_Shaper` shapes the response (with the errors and their paths)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.collector = _Shaper(schema, fragments, variables, [], [])
        self.schema = schema
        self.objects: dict[tuple[str, tuple[int, ...]], Callable[[Mapping[str, Any]], dict[str, Any]]] = {}

    def object_shape(
        self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]
    ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        key = (object_type.name, tuple(id(s) for s in selection_sets))
        shape = self.objects.get(key)
        if shape is None:
            # Nested objects compile on first use (a type that contains itself compiles only as deep as data goes).
            shape = self.objects[key] = self._build_object(object_type, selection_sets)
        return shape

    def _build_object(
        self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode]
    ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        fields: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self.collector.collect_fields(object_type, selection_set, fields)
        plan: list[tuple[str, int, Any]] = []
        for key, nodes in fields.items():
            name = nodes[0].name.value
            if name == "__typename":
                plan.append((key, _TYPENAME, object_type.name))
                continue
            if name in ("__schema", "__type"):
                plan.append((key, _LEAF, None))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None:
                continue
            plan.append((key, *self._value(field_def.type, nodes)))
        if all(kind == _LEAF for _, kind, _ in plan):
            keys = tuple(key for key, _, _ in plan)

            def leaves(source: Mapping[str, Any]) -> dict[str, Any]:
                get = source.get
                return {key: get(key) for key in keys}

            return leaves
        if all(kind in (_LEAF, _LEAF_NON_NULL) for _, kind, _ in plan):
            keys = tuple(key for key, _, _ in plan)
            required = tuple(key for key, kind, _ in plan if kind == _LEAF_NON_NULL)

            def checked_leaves(source: Mapping[str, Any]) -> dict[str, Any]:
                get = source.get
                result = {key: get(key) for key in keys}
                for key in required:
                    if result[key] is None:
                        raise _Fallback
                return result

            return checked_leaves
        steps = tuple(plan)

        def complete(source: Mapping[str, Any]) -> dict[str, Any]:
            get = source.get
            result: dict[str, Any] = {}
            for key, kind, argument in steps:
                if kind == _LEAF:
                    result[key] = get(key)
                elif kind == _LEAF_NON_NULL:
                    value = get(key)
                    if value is None:
                        raise _Fallback
                    result[key] = value
                elif kind == _TYPENAME:
                    result[key] = argument
                else:
                    result[key] = argument(get(key))
            return result

        return complete

    def _value(self, type_: GraphQLOutputType, nodes: list[FieldNode]) -> tuple[int, _Completer | None]:
        """(kind, completer) for a field of this type: leaves need no completer."""
        if isinstance(type_, GraphQLNonNull):
            kind, inner = self._value(type_.of_type, nodes)
            if kind == _LEAF:
                return _LEAF_NON_NULL, None
            assert inner is not None
            completer = inner

            def non_null(value: Any) -> Any:
                completed = completer(value)
                if completed is None:
                    raise _Fallback
                return completed

            return _COMPLEX, non_null
        if isinstance(type_, GraphQLList):
            kind, item = self._value(type_.of_type, nodes)
            if kind == _LEAF:

                def leaf_list(value: Any) -> Any:
                    return list(value) if isinstance(value, list) else None

                return _COMPLEX, leaf_list
            if kind == _LEAF_NON_NULL:

                def non_null_leaf_list(value: Any) -> Any:
                    if not isinstance(value, list):
                        return None
                    if None in value:
                        raise _Fallback
                    return list(value)

                return _COMPLEX, non_null_leaf_list
            assert item is not None
            item_completer = item

            def object_list(value: Any) -> Any:
                if not isinstance(value, list):
                    return None
                return [item_completer(entry) for entry in value]

            return _COMPLEX, object_list
        if isinstance(type_, GraphQLEnumType):
            enum_type = type_

            def enum_value(value: Any) -> Any:
                if value is not None and not _valid_enum_value(enum_type, value):
                    raise _Fallback
                return value

            return _COMPLEX, enum_value
        if is_leaf_type(type_):
            return _LEAF, None
        selection_sets = [n.selection_set for n in nodes if n.selection_set is not None]
        if isinstance(type_, GraphQLObjectType):
            object_type = type_
            shapes: list[Callable[[Mapping[str, Any]], dict[str, Any]]] = []

            def object_value(value: Any) -> Any:
                if not isinstance(value, dict):
                    return None
                if not shapes:
                    shapes.append(self.object_shape(object_type, selection_sets))
                return shapes[0](value)

            return _COMPLEX, object_value
        schema = self.schema
        by_typename: dict[Any, Callable[[Mapping[str, Any]], dict[str, Any]] | None] = {}

        def abstract_value(value: Any) -> Any:
            if not isinstance(value, dict):
                return None
            typename = value.get("__typename", "")
            try:
                shape = by_typename[typename]
            except KeyError:
                runtime = schema.get_type(typename) if isinstance(typename, str) else None
                shape = self.object_shape(runtime, selection_sets) if isinstance(runtime, GraphQLObjectType) else None
                if shape is not None:  # only the schema's types: bounded whatever a subgraph sends
                    by_typename[typename] = shape
            except TypeError:  # an unhashable __typename
                return None
            return None if shape is None else shape(value)

        return _COMPLEX, abstract_value


_MAX_COMPILED_PER_DOCUMENT = 16


def _compiler_for(
    cache: dict[Any, _Compiler] | None,
    directive_names: tuple[str, ...],
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> _Compiler:
    if cache is None:
        return _Compiler(schema, fragments, variables)
    try:
        key = tuple(variables.get(name) for name in directive_names)
        compiler = cache.get(key)
    except TypeError:  # an unhashable value: compile for this request only
        return _Compiler(schema, fragments, variables)
    if compiler is None:
        compiler = _Compiler(schema, fragments, variables)
        if len(cache) < _MAX_COMPILED_PER_DOCUMENT:  # n boolean variables could ask for 2^n
            cache[key] = compiler
    return compiler


def shape_response(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    data: Mapping[str, Any],
    errors: list[dict[str, Any]],
    errored_paths: list[ResponsePath],
    *,
    cache: dict[Any, Any] | None = None,
    directive_names: tuple[str, ...] = (),
    value_completion: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Returns (data, errors) for the client: the subgraph errors first, then the gateway's own. Values the
    API schema cannot represent are nulled and reported in `value_completion` (when given).

    `cache` (one dict per document, kept by the caller) keeps the compiled shapes across requests, keyed by the
    values of `directive_names` (the document's `directive_variables`)."""
    root = schema.get_root_type(operation.operation)
    assert root is not None
    compiler = _compiler_for(cache, directive_names, schema, fragments, variables)
    try:
        return compiler.object_shape(root, [operation.selection_set])(data), list(errors)
    except _Fallback:
        pass
    shaper = _Shaper(schema, fragments, variables, errors, list(errored_paths))
    result = shaper.complete_object(root, [operation.selection_set], data, ())
    if value_completion is not None:
        value_completion.extend(shaper.value_completion)
    return (None if result is NULL_PROPAGATES else result), [*errors, *shaper.new_errors]  # type: ignore[return-value]
