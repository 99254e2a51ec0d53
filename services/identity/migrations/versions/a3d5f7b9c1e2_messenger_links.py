"""messenger links: a person's Telegram chat, one-time link codes, Telegram kinds in notification preferences

Revision ID: a3d5f7b9c1e2
Revises: 7a2b3c4d5e6f
Create Date: 2026-12-07 15:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a3d5f7b9c1e2'
down_revision: str | None = '7a2b3c4d5e6f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('notification_preferences', sa.Column('telegram_kinds', sa.Text(), nullable=True))
    op.create_table(
        'messenger_links',
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('messenger', sa.String(length=10), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('person_id', 'messenger', name='pk_messenger_links'),
    )
    op.create_table(
        'messenger_link_codes',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('messenger', sa.String(length=10), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('code_hash'),
    )
    op.create_index('ix_messenger_link_codes_person_id', 'messenger_link_codes', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_messenger_link_codes_person_id', table_name='messenger_link_codes')
    op.drop_table('messenger_link_codes')
    op.drop_table('messenger_links')
    with op.batch_alter_table('notification_preferences') as batch:
        batch.drop_column('telegram_kinds')
