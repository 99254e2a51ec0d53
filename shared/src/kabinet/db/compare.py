"""Alembic's type and server-default comparison, less two SQLite-only reporting artefacts (the allow-list).

Used by ``migrations/env.py`` (so ``python -m kabinet.db.autogen``, which compares on SQLite, drafts no change for
them) and by :mod:`kabinet.testing.schema` (each service's schema drift test). Each entry says why it is no
difference; anything else is left to Alembic.
"""

from __future__ import annotations

from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import Column, Float, Numeric
from sqlalchemy.types import TypeEngine

from kabinet.db.types import Amount


def same_type(context: MigrationContext, inspected_column: Column[Any], metadata_column: Column[Any],
              inspected_type: TypeEngine[Any], metadata_type: TypeEngine[Any]) -> bool | None:
    """False: the same type; True: different; None: Alembic's own comparison."""
    if (context.dialect.name == "sqlite" and isinstance(metadata_type, Amount)
            and isinstance(inspected_type, Numeric) and not isinstance(inspected_type, Float)):
        # Allowed on SQLite only: the migrations declare money as NUMERIC(p, 2) (sa.Numeric), while Amount's SQLite
        # DDL is INTEGER (cents). A declared NUMERIC gives a column NUMERIC affinity, a declared INTEGER INTEGER
        # affinity, and the two behave the same except in a CAST expression (sqlite.org, "Datatypes In SQLite",
        # 3.0); Amount binds whole cents, so the stored values are the same INTEGERs either way
        # (test_embedded_sqlite shows them with typeof). Precision and scale must still match.
        return not (inspected_type.precision == metadata_type.precision and inspected_type.scale == 2)
    return None


def same_default(context: MigrationContext, inspected_column: Column[Any], metadata_column: Column[Any],
                 inspected_default: str | None, metadata_default: Any, rendered_metadata_default: str | None
                 ) -> bool | None:
    if context.dialect.name == "sqlite" and inspected_default == "('')" and rendered_metadata_default == "":
        # Allowed on SQLite only: the table's DDL says `DEFAULT ''` (sqlite_master), as the metadata's
        # server_default="" does, but Alembic's SQLite reflection takes only a non-empty quoted literal ('.+') for a
        # constant and wraps this one in parentheses as an expression, so it never compares equal. PostgreSQL
        # compares the same columns as equal.
        return False
    return None
