"""notification preferences: the kinds known when they were saved (a kind added since starts at its default)

Revision ID: b4e6a8c0d2f3
Revises: a3d5f7b9c1e2
Create Date: 2026-12-07 16:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b4e6a8c0d2f3'
down_revision: str | None = 'a3d5f7b9c1e2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: saved by version 1, among its nine kinds (identity.adapters.repositories.notifications).
    op.add_column('notification_preferences', sa.Column('known_kinds', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_preferences') as batch:
        batch.drop_column('known_kinds')
