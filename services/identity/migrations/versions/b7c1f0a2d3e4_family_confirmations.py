"""family confirmations: a guardian confirms before anything is attached to the family (issue #10)

Revision ID: b7c1f0a2d3e4
Revises: 63ecfddb726b
Create Date: 2026-12-06 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7c1f0a2d3e4'
down_revision: str | None = '63ecfddb726b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'family_confirmations',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('family_id', sa.String(length=36), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('requested_by', sa.String(length=36), nullable=False),
        sa.Column('branch_id', sa.String(length=36), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['family_id'], ['families.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_family_confirmations_family_created', 'family_confirmations', ['family_id', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_family_confirmations_family_created', table_name='family_confirmations')
    op.drop_table('family_confirmations')
