"""consent withdrawal: a guardian may withdraw a child's consent; the row stays, marked no longer in force

Revision ID: 8de2da63878c
Revises: b7c1f0a2d3e4
Create Date: 2026-12-06 13:22:49
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8de2da63878c'
down_revision: str | None = 'b7c1f0a2d3e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
