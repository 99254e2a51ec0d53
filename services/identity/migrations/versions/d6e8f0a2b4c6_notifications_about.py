"""notifications.student_ids, lesson_id, lead_id, question_id: what each notification is about, by id

Revision ID: d6e8f0a2b4c6
Revises: c5f7a9b1d3e4
Create Date: 2026-12-07 19:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd6e8f0a2b4c6'
down_revision: str | None = 'c5f7a9b1d3e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows recorded before keep NULL: their events are not kept, so their subject is not known (the cabinet reads
    # their text, as it did).
    op.add_column('notifications', sa.Column('student_ids', sa.Text(), nullable=True))
    op.add_column('notifications', sa.Column('lesson_id', sa.String(length=36), nullable=True))
    op.add_column('notifications', sa.Column('lead_id', sa.String(length=36), nullable=True))
    op.add_column('notifications', sa.Column('question_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('question_id')
        batch.drop_column('lead_id')
        batch.drop_column('lesson_id')
        batch.drop_column('student_ids')
