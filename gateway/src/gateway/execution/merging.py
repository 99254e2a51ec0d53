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


def extract_representation(obj: dict[str, Any], fields: SelectionSetNode) -> dict[str, Any] | None:
    """Copy the key/required fields out of an object; None if a key field is missing (e.g. nulled by an error)."""
    out: dict[str, Any] = {}
    for selection in fields.selections:
        if isinstance(selection, InlineFragmentNode):
            inner = extract_representation(obj, selection.selection_set)
            if inner is None:
                return None
            out.update(inner)
            continue
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        if name not in obj:
            return None
        value = obj[name]
        if selection.selection_set is not None and value is not None:
            value = _extract_nested(value, selection.selection_set)
        out[name] = value
    return out


def _extract_nested(value: Any, fields: SelectionSetNode) -> Any:
    if isinstance(value, list):
        return [_extract_nested(v, fields) for v in value]
    if isinstance(value, dict):
        return extract_representation(value, fields)
    return value
