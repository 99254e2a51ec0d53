"""web push: a person's browsers subscribed (web_push_subscriptions) and their web-push kinds

Revision ID: e8f2a4b6c8d0
Revises: d7e1f3a5b9c2
Create Date: 2026-12-07 19:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kabinet.db.types import UtcDateTime

revision: str = 'e8f2a4b6c8d0'
down_revision: str | None = 'd7e1f3a5b9c2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('notification_preferences', sa.Column('web_push_kinds', sa.Text(), nullable=True))
    op.create_table(
        'web_push_subscriptions',
        sa.Column('endpoint', sa.String(1000), primary_key=True),
        sa.Column('person_id', sa.String(36), nullable=False),
        sa.Column('p256dh', sa.String(128), nullable=False),
        sa.Column('auth', sa.String(64), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
    )
    op.create_index('ix_web_push_subscriptions_person_id', 'web_push_subscriptions', ['person_id'])


def downgrade() -> None:
    op.drop_index('ix_web_push_subscriptions_person_id', 'web_push_subscriptions')
    op.drop_table('web_push_subscriptions')
    op.drop_column('notification_preferences', 'web_push_kinds')
