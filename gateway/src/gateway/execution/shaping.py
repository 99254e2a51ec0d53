"""Shape the assembled subgraph data into the client's response, following the GraphQL spec's execution rules.

Only what the client selected is returned, in the client's field order, under the client's aliases, with
`@skip`/`@include` and fragment type conditions applied; `__typename` is answered from the runtime type; a null
in a non-null position nulls the nearest nullable parent (with an error unless one already explains it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
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


def include_node(node: SelectionNode, variables: Mapping[str, Any]) -> bool:
    for directive in node.directives or ():
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
                return NULL_PROPAGATES
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


def shape_response(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    data: Mapping[str, Any],
    errors: list[dict[str, Any]],
    errored_paths: list[ResponsePath],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Returns (data, errors) for the client: the subgraph errors first, then the gateway's own."""
    root = schema.get_root_type(operation.operation)
    assert root is not None
    shaper = _Shaper(schema, fragments, variables, errors, list(errored_paths))
    result = shaper.complete_object(root, [operation.selection_set], data, ())
    return (None if result is NULL_PROPAGATES else result), [*errors, *shaper.new_errors]  # type: ignore[return-value]
