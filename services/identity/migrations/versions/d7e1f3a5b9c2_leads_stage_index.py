"""leads: an index for a branch's list of one stage, a page at a time (branchLeads with first/after)

Revision ID: d7e1f3a5b9c2
Revises: c5f7a9b1d3e4
Create Date: 2026-12-07 19:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd7e1f3a5b9c2'
down_revision: str | None = 'c5f7a9b1d3e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_leads_branch_stage_created', 'leads', ['branch_id', 'stage', 'created_at', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_leads_branch_stage_created', table_name='leads')
