"""dead_letters: the consumer's dead letters on the in-process bus (embedded mode), kept across restarts

Revision ID: 0979d628d771
Revises: d7a3f9c2e5b1
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

from kabinet.db.migrations import create_dead_letter_table, drop_dead_letter_table

revision: str = '0979d628d771'
down_revision: str | None = 'd7a3f9c2e5b1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_dead_letter_table()


def downgrade() -> None:
    drop_dead_letter_table()
