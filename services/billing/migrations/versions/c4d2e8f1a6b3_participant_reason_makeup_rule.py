"""the participant's reason (member, makeup, trial, booking), the branch's make-up charging rule, and staff names
for the statement

Revision ID: c4d2e8f1a6b3
Revises: c5d2e8f1a7b3
Create Date: 2026-12-06 12:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4d2e8f1a6b3'
down_revision: str | None = 'c5d2e8f1a7b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("lesson_participants", sa.Column("reason", sa.String(20), nullable=False, server_default="member"))
    op.add_column("branches", sa.Column("makeup_charge", sa.String(20), nullable=False,
                                        server_default="from_package"))
    op.create_table("staff", sa.Column("id", sa.String(36), primary_key=True),
                    sa.Column("display_name", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_table("staff")
    op.drop_column("branches", "makeup_charge")
    op.drop_column("lesson_participants", "reason")
