"""availability_slots.closed_at: the branch closes an open slot (closeSlot); closed slots are not offered

Revision ID: 8e2b4c6d1a37
Revises: 3f8c25fa6251
Create Date: 2026-12-07 12:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8e2b4c6d1a37'
down_revision: str | None = '3f8c25fa6251'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("availability_slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("availability_slots", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
