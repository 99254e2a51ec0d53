"""notify_lessons.ends_at: when each remembered lesson ends, so the retention job forgets lessons long over

Revision ID: c5f7a9b1d3e4
Revises: b4e6a8c0d2f3
Create Date: 2026-12-07 18:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c5f7a9b1d3e4'
down_revision: str | None = 'b4e6a8c0d2f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('notify_lessons', sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))
    # Rows remembered before: their end was not kept; their start stands in (a lesson lasts hours, the retention is
    # counted in days). Rows with no time at all stay NULL: never forgotten.
    op.execute('UPDATE notify_lessons SET ends_at = starts_at')
    op.create_index('ix_notify_lessons_ends_at', 'notify_lessons', ['ends_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notify_lessons_ends_at', table_name='notify_lessons')
    with op.batch_alter_table('notify_lessons') as batch:
        batch.drop_column('ends_at')
