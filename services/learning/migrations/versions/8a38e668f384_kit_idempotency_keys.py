"""sheet_requests -> the kit's idempotency_keys (issue #14)

The keys of sheet saves move to the kit's table: scope "lesson:<lesson id>", the key, the request's hash, and
the revision the first save made as the result. Rows are copied, so a key already used for one sheet is still
refused for another. (The kit hashes requests its own way: a retry of a save made before this migration with
the same key is refused as IDEMPOTENCY_KEY_REUSED instead of replayed — a retry spanning the deploy.)

Revision ID: 8a38e668f384
Revises: d12475465988
Create Date: 2026-12-06 15:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kabinet.db.migrations import drop_idempotency_table, replace_idempotency_table

revision: str = '8a38e668f384'
down_revision: str | None = 'd12475465988'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    replace_idempotency_table("SELECT 'lesson:' || lesson_id, idempotency_key, request_hash, "
                              "CAST(revision AS VARCHAR(20)), created_at FROM sheet_requests_old",
                              old="sheet_requests")


def downgrade() -> None:
    op.create_table('sheet_requests',
                    sa.Column('lesson_id', sa.String(length=36), nullable=False),
                    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
                    sa.Column('request_hash', sa.String(length=64), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('lesson_id', 'idempotency_key', name='pk_sheet_requests'))
    op.execute("INSERT INTO sheet_requests (lesson_id, idempotency_key, request_hash, revision, created_at) "
               "SELECT substr(scope, 8), key, request_hash, CAST(result AS INTEGER), created_at "
               "FROM idempotency_keys WHERE scope LIKE 'lesson:%' AND result IS NOT NULL AND length(key) <= 100")
    drop_idempotency_table()
