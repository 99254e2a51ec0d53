"""participants: student and family indexes cover the lesson id

A student's (or family's) lessons are found from the index alone: (student_id, lesson_id) instead of
(student_id), so the semi-join `lessons.id IN (participants of the student)` needs no heap visit.

Revision ID: 5d1c7e2a9b40
Revises: 5a7c9e1b3d2f
Create Date: 2026-12-06 12:45:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '5d1c7e2a9b40'
down_revision: str | None = '5a7c9e1b3d2f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_student')
        batch_op.drop_index('ix_participants_family')
        batch_op.create_index('ix_participants_student', ['student_id', 'lesson_id'], unique=False)
        batch_op.create_index('ix_participants_family', ['family_id', 'lesson_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_student')
        batch_op.drop_index('ix_participants_family')
        batch_op.create_index('ix_participants_student', ['student_id'], unique=False)
        batch_op.create_index('ix_participants_family', ['family_id'], unique=False)
