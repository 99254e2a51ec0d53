"""Scheduling's federation entities and keys (the printed schema itself is checked by
tests/composition/test_schema_snapshots.py; `make schema` rewrites it)."""

from __future__ import annotations

from scheduling.schema.schema import schema


def test_entities_and_keys() -> None:
    sdl = schema.as_str()
    for entity in ("Lesson", "Group", "Student", "Family", "Staff"):
        assert f'type {entity} @key(fields: "id")' in sdl
