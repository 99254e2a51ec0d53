"""a lesson's status follows what happened: the branch's limit for filling a sheet before the lesson is missed

Revision ID: 5a7c9e1b3d2f
Revises: 2366bb7f05cc
Create Date: 2026-12-06 12:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5a7c9e1b3d2f'
down_revision: str | None = '2366bb7f05cc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("branches", sa.Column("sheet_deadline_hours", sa.Integer(), nullable=False, server_default="48"))


def downgrade() -> None:
    op.drop_column("branches", "sheet_deadline_hours")
