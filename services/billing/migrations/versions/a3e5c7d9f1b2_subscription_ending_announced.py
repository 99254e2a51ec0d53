"""subscriptions: when billing.subscription.ending was published for each (once per subscription)

Revision ID: a3e5c7d9f1b2
Revises: 0979d628d771
Create Date: 2026-12-07 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a3e5c7d9f1b2'
down_revision: str | None = '0979d628d771'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('subscriptions', sa.Column('ending_announced_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('subscriptions', 'ending_announced_at')
