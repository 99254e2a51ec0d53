"""sms_messages.notification_id: a notification's SMS is charged once, however often it is tried; notifications by
creation time, for the retention job's batches

Revision ID: 7a2b3c4d5e6f
Revises: 6f1e2d3c4b5a
Create Date: 2026-12-07 15:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7a2b3c4d5e6f'
down_revision: str | None = '6f1e2d3c4b5a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sms_messages', sa.Column('notification_id', sa.String(length=36), nullable=True))
    op.create_index('uq_sms_messages_notification', 'sms_messages', ['notification_id'], unique=True)
    op.create_index('ix_notifications_created', 'notifications', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_created', table_name='notifications')
    op.drop_index('uq_sms_messages_notification', table_name='sms_messages')
    op.drop_column('sms_messages', 'notification_id')
