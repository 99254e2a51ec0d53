"""dead_letters: the consumer's dead letters on the in-process bus (embedded mode), kept across restarts

Revision ID: 3f8c25fa6251
Revises: bf3aa819234e
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

from kabinet.db.migrations import create_dead_letter_table, drop_dead_letter_table

revision: str = '3f8c25fa6251'
down_revision: str | None = 'bf3aa819234e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_dead_letter_table()


def downgrade() -> None:
    drop_dead_letter_table()
