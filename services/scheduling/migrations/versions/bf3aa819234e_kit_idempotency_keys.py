"""idempotency keys in the kit's shape (scope, key, request_hash, result, created_at): issue #14

The keys of signed-in callers move to the scope `user:<user id or staff id>`; a key whose first request
never stored its result (a NULL result_id) is not copied (the kit would replay it as in progress).

Revision ID: bf3aa819234e
Revises: 5d1c7e2a9b40
Create Date: 2026-12-06 15:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kabinet.db.migrations import drop_idempotency_table, replace_idempotency_table

revision: str = 'bf3aa819234e'
down_revision: str | None = '5d1c7e2a9b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    replace_idempotency_table("SELECT 'user:' || principal, key, request_hash, result_id, created_at "
                              "FROM idempotency_keys_old WHERE result_id IS NOT NULL")


def downgrade() -> None:
    op.rename_table("idempotency_keys", "idempotency_keys_kit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER INDEX IF EXISTS "pk_idempotency_keys" RENAME TO "pk_idempotency_keys_kit"')
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(64), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(60), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("result_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )
    op.execute("INSERT INTO idempotency_keys (principal, key, operation, request_hash, result_id, created_at) "
               "SELECT substr(scope, 6), substr(key, 1, 100), '', request_hash, result, created_at "
               "FROM idempotency_keys_kit WHERE scope LIKE 'user:%'")
    drop_idempotency_table("idempotency_keys_kit")
