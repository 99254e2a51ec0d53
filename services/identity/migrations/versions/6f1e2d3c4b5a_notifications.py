"""notifications: one per (event, kind, guardian, channel), guardians' preferences, lessons' students

Revision ID: 6f1e2d3c4b5a
Revises: e4a9c2d7b1f0
Create Date: 2026-12-07 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '6f1e2d3c4b5a'
down_revision: str | None = 'e4a9c2d7b1f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('guardian_id', sa.String(length=36), nullable=False),
        sa.Column('family_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('branch_id', sa.String(length=36), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id', 'kind', 'guardian_id', 'channel', name='uq_notifications_event_kind_guardian'),
    )
    op.create_index('ix_notifications_guardian_channel_created', 'notifications',
                    ['guardian_id', 'channel', 'created_at'], unique=False)
    op.create_index('ix_notifications_status_next', 'notifications', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'notification_preferences',
        sa.Column('guardian_id', sa.String(length=36), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=True),
        sa.Column('cabinet_kinds', sa.Text(), nullable=False),
        sa.Column('email_kinds', sa.Text(), nullable=False),
        sa.Column('sms_kinds', sa.Text(), nullable=False),
        sa.Column('quiet_from', sa.String(length=5), nullable=True),
        sa.Column('quiet_to', sa.String(length=5), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('guardian_id'),
    )
    op.create_table(
        'notify_lessons',
        sa.Column('lesson_id', sa.String(length=36), nullable=False),
        sa.Column('student_id', sa.String(length=36), nullable=False),
        sa.Column('branch_id', sa.String(length=36), nullable=True),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('lesson_id', 'student_id', name='pk_notify_lessons'),
    )


def downgrade() -> None:
    op.drop_table('notify_lessons')
    op.drop_table('notification_preferences')
    op.drop_index('ix_notifications_status_next', table_name='notifications')
    op.drop_index('ix_notifications_guardian_channel_created', table_name='notifications')
    op.drop_table('notifications')
