"""the participant's reason (member, makeup, trial, booking) and the branch's make-up charging rule

Revision ID: c4d2e8f1a6b3
Revises: b7e3c1d9a2f4
Create Date: 2026-12-06 12:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c4d2e8f1a6b3'
down_revision: str | None = 'b7e3c1d9a2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("lesson_participants", sa.Column("reason", sa.String(20), nullable=False, server_default="member"))
    op.add_column("branches", sa.Column("makeup_charge", sa.String(20), nullable=False,
                                        server_default="from_package"))


def downgrade() -> None:
    op.drop_column("branches", "makeup_charge")
    op.drop_column("lesson_participants", "reason")
