"""Billing's migrations make the schema its tables (adapters/tables.py) describe, on PostgreSQL and on SQLite: every
database is made by the migrations (embedded mode runs them at start), while the code queries by the metadata."""

from __future__ import annotations

import shutil
from pathlib import Path

from billing.adapters.tables import metadata
from billing.bootstrap import MIGRATIONS
from kabinet.db.autogen import autogenerate
from kabinet.testing.schema import schema_differences


async def test_the_migrated_database_is_what_the_metadata_says(empty_database: str) -> None:
    assert await schema_differences(MIGRATIONS, metadata, empty_database) == []


async def test_the_autogenerate_helper_drafts_nothing_for_an_unchanged_schema(tmp_path: Path) -> None:
    # It compares on SQLite: billing's money columns and empty-string defaults once made 17 alter_column drafts.
    migrations = shutil.copytree(MIGRATIONS, tmp_path / "migrations", ignore=shutil.ignore_patterns("__pycache__"))
    await autogenerate(migrations, "nothing")
    (draft,) = (migrations / "versions").glob("*_nothing.py")
    assert "op." not in draft.read_text()
