"""kit idempotency keys: identity's keys move to the kit's table (scope 'user:<id>', the result is the id)

Revision ID: 0058e64e12a5
Revises: 8de2da63878c
Create Date: 2026-12-06 15:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kabinet.db.migrations import drop_idempotency_table, replace_idempotency_table

revision: str = '0058e64e12a5'
down_revision: str | None = '8de2da63878c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The stored request hashes stay valid: the kit hashes [operation, request] the way identity did.
    replace_idempotency_table("SELECT 'user:' || subject, key, request_hash, result_id, created_at "
                              "FROM idempotency_keys_old")


def downgrade() -> None:
    op.rename_table('idempotency_keys', 'idempotency_keys_kit')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER INDEX IF EXISTS "pk_idempotency_keys" RENAME TO "pk_idempotency_keys_kit"')
    op.create_table(
        'idempotency_keys',
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('operation', sa.String(length=60), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('result_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('subject', 'key', name='pk_idempotency_keys'),
    )
    # Only addChild used keys before the kit's table; keys longer than the old column are left behind.
    op.execute("INSERT INTO idempotency_keys (subject, key, operation, request_hash, result_id, created_at) "
               "SELECT substr(scope, 6), key, 'addChild', request_hash, result, created_at FROM idempotency_keys_kit "
               "WHERE scope LIKE 'user:%' AND result IS NOT NULL AND length(key) <= 100")
    drop_idempotency_table('idempotency_keys_kit')
