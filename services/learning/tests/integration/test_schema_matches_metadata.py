"""Learning's migrations make the schema its tables (adapters/tables.py) describe, on PostgreSQL and on SQLite: every
database is made by the migrations (embedded mode runs them at start), while the code queries by the metadata."""

from __future__ import annotations

from kabinet.testing.schema import schema_differences
from learning.adapters.tables import metadata
from learning.bootstrap import MIGRATIONS


async def test_the_migrated_database_is_what_the_metadata_says(empty_database: str) -> None:
    assert await schema_differences(MIGRATIONS, metadata, empty_database) == []
