"""lesson_participants.starts_at and the (student_id, starts_at) index

A student's lessons in a window (the family cabinet's past lessons, homework and progress; issue #15) are read
by this index, so a request costs what its window holds, not the student's whole history. The column is the
lesson's start, kept equal to lessons.starts_at by the projection.

Revision ID: d12475465988
Revises: cebfd3174ca5
Create Date: 2026-12-06 15:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd12475465988'
down_revision: str | None = 'cebfd3174ca5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lesson_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE lesson_participants SET starts_at = "
               "(SELECT lessons.starts_at FROM lessons WHERE lessons.id = lesson_participants.lesson_id)")
    with op.batch_alter_table('lesson_participants', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_participants_student_start', ['student_id', 'starts_at'], unique=False)
        batch_op.drop_index('ix_lesson_participants_student_id')


def downgrade() -> None:
    with op.batch_alter_table('lesson_participants', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_participants_student_id', ['student_id'], unique=False)
        batch_op.drop_index('ix_lesson_participants_student_start')
        batch_op.drop_column('starts_at')
