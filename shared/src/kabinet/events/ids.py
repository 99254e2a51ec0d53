"""The ids (UUID-shaped strings) a JSON value names: what an event's payload or a request names."""

from __future__ import annotations

from typing import Any


def is_uuid(value: str) -> bool:
    return len(value) == 36 and value[8] == "-" and value[13] == "-" and value[18] == "-" and value[23] == "-"


def ids_in(value: Any, into: set[str]) -> None:
    """Every UUID-shaped string in a JSON value."""
    if isinstance(value, str):
        if is_uuid(value):
            into.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            ids_in(item, into)
    elif isinstance(value, list):
        for item in value:
            ids_in(item, into)
