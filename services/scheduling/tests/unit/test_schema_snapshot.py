"""The printed subgraph schema is committed (services/scheduling/schema.graphql): an API change shows up in review.

Regenerate after an intended change:
    uv run python -c "from scheduling.schema.schema import schema; print(schema.as_str())" \
        > services/scheduling/schema.graphql
"""

from __future__ import annotations

from pathlib import Path

from scheduling.schema.schema import schema

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_printed_schema_matches_the_committed_one() -> None:
    assert schema.as_str().rstrip() + "\n" == SNAPSHOT.read_text(), "regenerate schema.graphql (see docstring)"


def test_entities_and_keys() -> None:
    sdl = schema.as_str()
    for entity in ("Lesson", "Group", "Student", "Family", "Staff"):
        assert f'type {entity} @key(fields: "id")' in sdl
