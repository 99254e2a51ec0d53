"""Static cost estimate of an operation, with the IBM GraphQL cost directives' semantics (`@cost`, `@listSize`),
as Apollo's demand control reads them from Federation 2.9 subgraphs.

- A field returning an object, interface or union weighs 1, a scalar or enum 0, unless `@cost(weight:)` on the
  field (or on its type) says otherwise; a root mutation field weighs 10. `@cost` on an argument the operation
  passes adds its weight.
- A list multiplies the cost of its items (their weight plus their selections) by its size: the largest
  value passed to one of its `@listSize(slicingArguments:)` (or that argument's default), else its
  `@listSize(assumedSize:)`, else `GATEWAY_COST_DEFAULT_LIST_SIZE`. With `sizedFields` (connections) the size
  applies to those child fields (`edges`) instead of the field itself.
- Fragments count in full (an upper bound: the estimate does not know which type a union will return);
  `@skip`/`@include` are applied with the request's variables.

The estimate runs on the API schema and the supergraph model, before planning; the result is cached with the
plan unless a slicing argument comes from a variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
    get_named_type,
    is_composite_type,
)

from gateway.composition.supergraph import Supergraph
from gateway.execution.shaping import include_node

MUTATION_ROOT_FIELD_WEIGHT = 10


class CostEstimator:
    def __init__(self, supergraph: Supergraph, default_list_size: int = 10) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.api_schema
        self.default_list_size = default_list_size

    def estimate(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> tuple[int, bool]:
        """(estimated cost, whether it depends on variable values)."""
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0, False
        walk = _Walk(self, fragments, variables, operation.operation == OperationType.MUTATION)
        cost = walk.selection_set(root, operation.selection_set, {}, root=True)
        return round(cost), walk.uses_variables


class _Walk:
    def __init__(
        self,
        estimator: CostEstimator,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        mutation: bool,
    ) -> None:
        self.e = estimator
        self.fragments = fragments
        self.variables = variables
        self.mutation = mutation
        self.uses_variables = False

    def selection_set(
        self, parent: Any, selection_set: SelectionSetNode, sized: Mapping[str, float], *, root: bool = False
    ) -> float:
        total = 0.0
        for selection in selection_set.selections:
            if not include_node(selection, self.variables):
                continue
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, sized.get(selection.name.value), root=root)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_parent = self.e.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(inner_parent, selection.selection_set, sized, root=root)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    inner_parent = self.e.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection_set(inner_parent, fragment.selection_set, sized, root=root)
        return total

    def field(self, parent: Any, node: FieldNode, size_from_parent: float | None, *, root: bool) -> float:
        name = node.name.value
        if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0.0
        definition = parent.fields.get(name)
        if definition is None:
            return 0.0
        meta = self.e.supergraph.field(parent.name, name)
        named = get_named_type(definition.type)
        type_meta = self.e.supergraph.types.get(named.name)
        if meta is not None and meta.cost is not None:
            weight = float(meta.cost)
        elif type_meta is not None and type_meta.cost is not None:
            weight = float(type_meta.cost)
        elif root and self.mutation:
            weight = float(MUTATION_ROOT_FIELD_WEIGHT)
        else:
            weight = 1.0 if is_composite_type(named) else 0.0
        arguments = 0.0
        if meta is not None and meta.argument_costs:
            passed = {a.name.value for a in node.arguments or ()}
            arguments = sum(w for a, w in meta.argument_costs.items() if a in passed)
        list_size = meta.list_size if meta is not None else None
        sized: dict[str, float] = {}
        if list_size is not None and list_size.sized_fields:
            size = self.list_size(definition, node, list_size)
            sized = {child: size for child in list_size.sized_fields}
        children = 0.0
        if node.selection_set is not None and isinstance(
            named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        ):
            children = self.selection_set(named, node.selection_set, sized)
        if not _is_list(definition.type):
            return weight + children + arguments
        if size_from_parent is not None:
            size = size_from_parent
        elif list_size is not None and not list_size.sized_fields:
            size = self.list_size(definition, node, list_size)
        else:
            size = float(self.e.default_list_size)
        return size * (weight + children) + arguments

    def list_size(self, definition: GraphQLField, node: FieldNode, list_size: Any) -> float:
        values: list[float] = []
        for argument_name in list_size.slicing_arguments:
            value = self.argument_value(definition, node, argument_name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                values.append(float(value))
        if values:
            return max(values)
        if list_size.assumed_size is not None:
            return float(list_size.assumed_size)
        return float(self.e.default_list_size)

    def argument_value(self, definition: GraphQLField, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, VariableNode):
                self.uses_variables = True
                return self.variables.get(argument.value.name.value)
            if isinstance(argument.value, IntValueNode):
                return int(argument.value.value)
            return None
        arg_def = definition.args.get(name)
        if arg_def is None:
            return None
        if arg_def.default_value is not Undefined:
            return arg_def.default_value
        # graphql-core 3.3 keeps SDL defaults as literals (`GraphQLArgument.default`).
        literal = getattr(getattr(arg_def, "default", None), "literal", None)
        if isinstance(literal, IntValueNode):
            return int(literal.value)
        return None


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
