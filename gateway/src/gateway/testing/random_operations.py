"""Random valid operations over an API schema, for differential tests against `@apollo/gateway`.

Seeded (`random.Random`), so a failure is reproduced by its seed. Each operation selects random fields (some
aliased, some under `@skip`/`@include` with a literal or a variable), `__typename`, inline fragments on the
possible types of abstract fields and on the parent type itself, and named fragments; arguments take values
from a pool of literals (the ids the test data knows). Operations that fail validation (two fields merging
badly under one response name) are drawn again, so every operation returned is valid.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    parse,
    print_ast,
    validate,
)


@dataclass
class RandomOperation:
    query: str
    variables: dict[str, Any]


@dataclass
class _State:
    rng: random.Random
    strings: Sequence[str]
    avoid: frozenset[str]
    aliases: int = 0
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)


class OperationGenerator:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        strings: Sequence[str] = ("1",),
        avoid: frozenset[str] = frozenset(),
        max_depth: int = 3,
    ) -> None:
        """`strings`: values for String/ID arguments; `avoid`: `Type.field`s never selected."""
        self.schema = schema
        self.strings = list(strings) or ["1"]
        self.avoid = avoid
        self.max_depth = max_depth

    def operations(self, seed: int, count: int) -> list[RandomOperation]:
        rng = random.Random(seed)
        out: list[RandomOperation] = []
        attempts = 0
        while len(out) < count and attempts < count * 20:
            attempts += 1
            operation = self._one(rng)
            if operation is not None:
                out.append(operation)
        return out

    def _one(self, rng: random.Random) -> RandomOperation | None:
        state = _State(rng=rng, strings=self.strings, avoid=self.avoid)
        query_type = self.schema.query_type
        assert query_type is not None
        body = self._selection(state, query_type, 0, root=True)
        if not body:
            return None
        variables = "".join(f" ${name}: Boolean!" for name in state.variables)
        header = f"query Random({variables.strip()})" if variables else "query Random"
        query = f"{header} {{ {body} }}" + "".join(f" {f}" for f in state.fragments)
        document = parse(query)
        if validate(self.schema, document):
            return None
        return RandomOperation(query, dict(state.variables))

    # --- selections -------------------------------------------------------------------------------------

    def _selection(self, state: _State, parent: GraphQLNamedType, depth: int, *, root: bool = False) -> str:
        rng = state.rng
        parts: list[str] = []
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            fields = [
                (name, f)
                for name, f in parent.fields.items()
                if f"{parent.name}.{name}" not in state.avoid
                and not name.startswith("__")
                and (depth < self.max_depth or _is_leaf(f.type))
                and self._arguments(state, f, dry_run=True) is not None
            ]
            if not fields:
                return "__typename"
            picked = rng.sample(fields, k=min(len(fields), rng.randint(1, 2 if root else 3)))
            for index, (name, f) in enumerate(picked):
                # The first field is never conditional, so no selection set can end up empty.
                parts.append(self._field(state, name, f, depth, conditional=index > 0))
            if rng.random() < 0.2:
                parts.append(self._directives(state, "__typename"))
            if not root and isinstance(parent, GraphQLObjectType) and rng.random() < 0.1 and depth < self.max_depth:
                inner = self._selection(state, parent, depth + 1)
                parts.append(self._directives(state, f"... on {parent.name} {{ {inner} }}", on_fragment=True))
            if not root and rng.random() < 0.07 and depth < self.max_depth:
                name = f"F{len(state.fragments)}"
                inner = self._selection(state, parent, depth + 1)
                state.fragments.append(f"fragment {name} on {parent.name} {{ {inner} }}")
                parts.append(f"...{name}")
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            possible = list(self.schema.get_possible_types(parent))
            if rng.random() < 0.5 or not parts:
                parts.append("__typename")
            for runtime in rng.sample(possible, k=min(len(possible), rng.randint(1, 2))):
                inner = self._selection(state, runtime, depth + 1)
                parts.append(self._directives(state, f"... on {runtime.name} {{ {inner} }}", on_fragment=True))
        return " ".join(parts)

    def _field(self, state: _State, name: str, f: GraphQLField, depth: int, *, conditional: bool = True) -> str:
        rng = state.rng
        text = name
        if rng.random() < 0.2:
            state.aliases += 1
            text = f"a{state.aliases}: {name}"
        arguments = self._arguments(state, f)
        if arguments:
            text += f"({arguments})"
        named = get_named_type(f.type)
        if not _is_leaf(f.type):
            text += f" {{ {self._selection(state, named, depth + 1)} }}"
        return self._directives(state, text) if conditional else text

    def _directives(self, state: _State, text: str, *, on_fragment: bool = False) -> str:
        rng = state.rng
        roll = rng.random()
        if roll > (0.25 if on_fragment else 0.15):
            return text
        directive = rng.choice(("skip", "include"))
        if rng.random() < 0.5:
            value = "true" if rng.random() < 0.5 else "false"
        else:
            variable = f"v{len(state.variables)}"
            state.variables[variable] = rng.random() < 0.5
            value = f"${variable}"
        if on_fragment:
            head, _, rest = text.partition(" {")
            return f"{head} @{directive}(if: {value}) {{{rest}"
        head, brace, rest = text.partition(" {")
        return f"{head} @{directive}(if: {value}){brace}{rest}" if brace else f"{text} @{directive}(if: {value})"

    def _arguments(self, state: _State, f: GraphQLField, *, dry_run: bool = False) -> str | None:
        parts: list[str] = []
        for name, argument in f.args.items():
            required = isinstance(argument.type, GraphQLNonNull) and argument.default_value is None
            if not required and (dry_run or state.rng.random() < 0.7):
                continue
            value = self._value(state, argument.type, dry_run)
            if value is None:
                if required:
                    return None
                continue
            parts.append(f"{name}: {value}")
        return ", ".join(parts)

    def _value(self, state: _State, type_: GraphQLInputType, dry_run: bool) -> str | None:
        if isinstance(type_, GraphQLNonNull):
            return self._value(state, type_.of_type, dry_run)
        if isinstance(type_, GraphQLList):
            inner = self._value(state, type_.of_type, dry_run)
            return None if inner is None else f"[{inner}]"
        if isinstance(type_, GraphQLEnumType):
            names: list[str] = list(type_.values)
            return names[0] if dry_run else state.rng.choice(names)
        if isinstance(type_, GraphQLInputObjectType):
            return None
        assert isinstance(type_, GraphQLScalarType)
        rng = state.rng
        if type_.name in ("String", "ID"):
            return '"1"' if dry_run else f'"{rng.choice(state.strings)}"'
        if type_.name == "Int":
            return str(rng.choice((1, 2, 3, 10)))
        if type_.name == "Float":
            return "1.5"
        if type_.name == "Boolean":
            return rng.choice(("true", "false"))
        return None


def _is_leaf(type_: GraphQLOutputType) -> bool:
    return isinstance(get_named_type(type_), GraphQLScalarType | GraphQLEnumType)


def without_conditionals(query: str, variables: dict[str, Any]) -> str | None:
    """The same operation with `@skip`/`@include` applied: excluded selections removed, the directives dropped.
    The spec makes both answer the same; None if a selection set would be left empty (not expressible)."""
    document = parse(query)
    empty = False

    def keep(node: Any) -> bool:
        for directive in node.directives or ():
            if directive.name.value not in ("skip", "include"):
                continue
            argument = directive.arguments[0].value
            value = variables.get(argument.name.value) if isinstance(argument, VariableNode) else argument.value
            if (directive.name.value == "skip") == bool(value):
                return False
        return True

    def rewrite(selection_set: SelectionSetNode | None) -> SelectionSetNode | None:
        nonlocal empty
        if selection_set is None:
            return None
        selections = []
        for selection in selection_set.selections:
            if not keep(selection):
                continue
            changes: dict[str, Any] = {"directives": ()}
            if isinstance(selection, FieldNode | InlineFragmentNode):
                changes["selection_set"] = rewrite(selection.selection_set)
            selections.append(copy(selection, **changes))
        if not selections:
            empty = True
        return SelectionSetNode(selections=tuple(selections))

    definitions = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            definitions.append(
                copy(definition, variable_definitions=(), selection_set=rewrite(definition.selection_set))
            )
        elif isinstance(definition, FragmentDefinitionNode):
            definitions.append(copy(definition, selection_set=rewrite(definition.selection_set)))
    if empty:
        return None
    # A fragment whose every spread was excluded is now unused, which validation refuses: drop it (repeatedly, as
    # dropping one may leave another unused).
    while True:
        used = _spread_names(definitions)
        kept = [d for d in definitions if not isinstance(d, FragmentDefinitionNode) or d.name.value in used]
        if len(kept) == len(definitions):
            break
        definitions = kept
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def _spread_names(definitions: list[Any]) -> set[str]:
    names: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FragmentSpreadNode):
                names.add(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                walk(selection.selection_set)

    for definition in definitions:
        walk(definition.selection_set)
    return names


def copy(node: Any, **changes: Any) -> Any:
    kwargs = {key: getattr(node, key) for key in node.keys if key != "loc"}
    kwargs.update(changes)
    return type(node)(**kwargs)
