"""Walking and merging the response tree that subgraph results are assembled into."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from gateway.planning.plan import LIST_MARKER

ResponsePath = tuple[str | int, ...]


def objects_at(
    data: Any, path: tuple[str, ...], typenames: frozenset[str]
) -> Iterator[tuple[dict[str, Any], ResponsePath]]:
    """Yield each object at `path` (LIST_MARKER flattens a list) whose `__typename` is one of `typenames`."""
    yield from _walk(data, path, 0, (), typenames)


def _walk(
    value: Any, path: tuple[str, ...], index: int, at: ResponsePath, typenames: frozenset[str]
) -> Iterator[tuple[dict[str, Any], ResponsePath]]:
    if value is None:
        return
    if index == len(path):
        if isinstance(value, dict) and value.get("__typename") in typenames:
            yield value, at
        return
    step = path[index]
    if step == LIST_MARKER:
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _walk(item, path, index + 1, (*at, i), typenames)
        return
    if isinstance(value, dict):
        yield from _walk(value.get(step), path, index + 1, (*at, step), typenames)


def deep_merge(target: dict[str, Any], source: dict[str, Any], *, replace_typename: bool = False) -> None:
    """Merge a subgraph's result into the tree in place (objects field by field, lists item by item)."""
    for key, value in source.items():
        if key == "__typename" and key in target and not replace_typename:
            # An @interfaceObject subgraph answers with the interface's name; the real type wins.
            continue
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            merged = []
            for old, new in zip(existing, value, strict=True):
                if isinstance(old, dict) and isinstance(new, dict):
                    deep_merge(old, new)
                    merged.append(old)
                else:
                    merged.append(new)
            target[key] = merged
        else:
            target[key] = value


def extract_representation(
    obj: dict[str, Any], fields: SelectionSetNode, optional: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """Copy the key/required fields out of an object; None if a key field is missing (e.g. nulled by an error).
    A missing field named in `optional` (a requirement of a field `@skip`ped here) is left out instead."""
    out: dict[str, Any] = {}
    for selection in fields.selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            inner = extract_representation(obj, selection.selection_set)
            if inner is None:
                if condition is None or condition == obj.get("__typename"):
                    return None
                continue  # `... on Dog { barks }` in a requirement, on a Cat: nothing to copy
            out.update(inner)
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        # A required field with arguments is fetched under an alias (the client may select it with others).
        source = selection.alias.value if selection.alias else name
        if source not in obj:
            if name in optional:
                continue
            return None
        value = obj[source]
        if selection.selection_set is not None and value is not None:
            value = _extract_nested(value, selection.selection_set)
        out[name] = value
    return out


def _extract_nested(value: Any, fields: SelectionSetNode) -> Any:
    if isinstance(value, list):
        return [_extract_nested(v, fields) for v in value]
    if isinstance(value, dict):
        out = extract_representation(value, fields)
        if (
            out is not None
            and "__typename" in value
            and any(isinstance(s, InlineFragmentNode) and s.type_condition for s in fields.selections)
        ):
            # An abstract value in a requirement: the subgraph needs its type to read it.
            out = {"__typename": value["__typename"], **out}
        return out
    return value


def apply_renames(data: Any, renames: list[tuple[tuple[str, ...], str, str, str]]) -> None:
    """Put fields a fetch sent under a conflict alias back under the client's response name."""
    for path, typename, alias, key in renames:
        for obj, _ in objects_at(data, path, frozenset((typename,))):
            if alias in obj:
                obj[key] = obj.pop(alias)
