"""the ledger's balance check once per statement (over its new entries) instead of once per entry at commit

Revision ID: d7a3f9c2e5b1
Revises: c4d2e8f1a6b3
Create Date: 2026-12-06 23:45:00

The deferred row trigger ran a query per entry at commit (a month's charges: 70,400 of them, ~1/3 of writing
the ledger). The statement trigger checks that the statement's new entries sum to zero per transaction and
currency. Entries are never updated nor deleted (the append-only triggers), so every transaction's entries, a
sum of such statements' entries, still sum to zero: the same guarantee, only stricter - a transaction's
entries can no longer be balanced by a later statement (billing writes each posting's entries in one
statement: a COPY, or the payment's CTE).
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd7a3f9c2e5b1'
down_revision: str | None = 'c4d2e8f1a6b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# asyncpg runs one statement per execute: each DDL statement is its own string.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION billing_ledger_statement_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad text;
BEGIN
  SELECT transaction_id INTO bad FROM new_entries GROUP BY transaction_id, currency HAVING sum(amount) <> 0
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % does not balance', bad USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$"""

PG_TRIGGER = """
CREATE TRIGGER ledger_entries_balanced_per_statement AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_statement_balanced()"""

# The previous check, as b7e3c1d9a2f4 created it (its function is left in place by the upgrade).
PG_DEFERRED = """
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_ledger_balanced()"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_FUNCTION)
    op.execute(PG_TRIGGER)
    op.execute("DROP TRIGGER IF EXISTS ledger_entries_balanced ON ledger_entries")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_DEFERRED)
    op.execute("DROP TRIGGER IF EXISTS ledger_entries_balanced_per_statement ON ledger_entries")
    op.execute("DROP FUNCTION IF EXISTS billing_ledger_statement_balanced()")
