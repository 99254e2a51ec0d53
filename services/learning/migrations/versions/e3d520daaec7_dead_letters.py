"""dead_letters: the consumer's dead letters on the in-process bus (embedded mode), kept across restarts

Revision ID: e3d520daaec7
Revises: 8a38e668f384
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

from kabinet.db.migrations import create_dead_letter_table, drop_dead_letter_table

revision: str = 'e3d520daaec7'
down_revision: str | None = '8a38e668f384'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_dead_letter_table()


def downgrade() -> None:
    drop_dead_letter_table()
