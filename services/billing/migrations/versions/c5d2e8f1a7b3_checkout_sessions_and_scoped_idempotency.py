"""checkout sessions billing started; idempotency keys scoped to their caller

Revision ID: c5d2e8f1a7b3
Revises: b7e3c1d9a2f4
Create Date: 2026-12-06 12:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c5d2e8f1a7b3'
down_revision: str | None = 'b7e3c1d9a2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('checkout_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('provider_payment_id', sa.String(length=120), nullable=False),
    sa.Column('family_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('invoice_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_id', sa.String(length=36), nullable=True),
    sa.Column('started_by', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_payment_id', name='uq_checkout_provider_payment')
    )
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_sessions_family_id'), ['family_id'], unique=False)

    # The key's primary key becomes (scope, key): a new table, the old rows copied under the empty scope
    # (no caller has it, so keys used before the upgrade are not replayed after it), then renamed.
    op.create_table('idempotency_keys_scoped',
    sa.Column('scope', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name='pk_idempotency_keys')
    )
    op.execute("INSERT INTO idempotency_keys_scoped (scope, key, request_hash, result, created_at) "
               "SELECT '', key, request_hash, result, created_at FROM idempotency_keys")
    op.drop_table('idempotency_keys')
    op.rename_table('idempotency_keys_scoped', 'idempotency_keys')


def downgrade() -> None:
    op.create_table('idempotency_keys_unscoped',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name='idempotency_keys_pkey')
    )
    # Keys of different callers collide once unscoped: one caller's row of each key is kept.
    op.execute("INSERT INTO idempotency_keys_unscoped (key, request_hash, result, created_at) "
               "SELECT k.key, k.request_hash, k.result, k.created_at FROM idempotency_keys k "
               "WHERE k.scope = (SELECT min(k2.scope) FROM idempotency_keys k2 WHERE k2.key = k.key)")
    op.drop_table('idempotency_keys')
    op.rename_table('idempotency_keys_unscoped', 'idempotency_keys')
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_sessions_family_id'))
    op.drop_table('checkout_sessions')
