"""sms day totals: the SMS caps' counters, one row per day and key, raised by a conditional upsert

Revision ID: 5c0e7a91d2b4
Revises: 54adebb09159
Create Date: 2026-12-07 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c0e7a91d2b4'
down_revision: str | None = '54adebb09159'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Starts empty: on the day of the upgrade the caps count from the upgrade on (at most one day's allowance more).
    op.create_table(
        'sms_day_totals',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=50), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('cost_amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('day', 'key', name='pk_sms_day_totals'),
    )


def downgrade() -> None:
    op.drop_table('sms_day_totals')
