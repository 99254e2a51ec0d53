"""leads: potential students, their pipeline stage and the history of every change (R-CRM-1, R-CRM-2)

Revision ID: e4a9c2d7b1f0
Revises: 5c0e7a91d2b4
Create Date: 2026-12-07 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e4a9c2d7b1f0'
down_revision: str | None = '5c0e7a91d2b4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'leads',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('branch_id', sa.String(length=36), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('contact_first_name', sa.String(length=100), nullable=False),
        sa.Column('contact_last_name', sa.String(length=100), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('child_first_name', sa.String(length=100), nullable=False),
        sa.Column('child_last_name', sa.String(length=100), nullable=False),
        sa.Column('child_birth_date', sa.Date(), nullable=True),
        sa.Column('child_age', sa.Integer(), nullable=True),
        sa.Column('interest', sa.String(length=500), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('source_detail', sa.String(length=200), nullable=False),
        sa.Column('assigned_staff_id', sa.String(length=36), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('lost_reason', sa.String(length=500), nullable=True),
        sa.Column('lost_from', sa.String(length=20), nullable=True),
        sa.Column('family_id', sa.String(length=36), nullable=True),
        sa.Column('student_id', sa.String(length=36), nullable=True),
        sa.Column('created_by', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_leads_branch_created', 'leads', ['branch_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_leads_phone'), 'leads', ['phone'], unique=False)
    op.create_table(
        'lead_changes',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('lead_id', sa.String(length=36), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('by', sa.String(length=36), nullable=False),
        sa.Column('from_stage', sa.String(length=20), nullable=True),
        sa.Column('to_stage', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=600), nullable=False),
        sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_lead_changes_lead_id'), 'lead_changes', ['lead_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lead_changes_lead_id'), table_name='lead_changes')
    op.drop_table('lead_changes')
    op.drop_index(op.f('ix_leads_phone'), table_name='leads')
    op.drop_index('ix_leads_branch_created', table_name='leads')
    op.drop_table('leads')
