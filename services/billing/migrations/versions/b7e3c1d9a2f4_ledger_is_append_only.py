"""ledger is append-only: UPDATE/DELETE/TRUNCATE of ledger rows refused; entries balance per transaction

Revision ID: b7e3c1d9a2f4
Revises: a08a816177f8
Create Date: 2026-11-25 15:12:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'b7e3c1d9a2f4'
down_revision: str | None = 'a08a816177f8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEDGER_TABLES = ("ledger_entries", "ledger_transactions")

# asyncpg runs one statement per execute: each DDL statement is its own string.
PG_FUNCTIONS = ("""
CREATE OR REPLACE FUNCTION billing_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are immutable: % on % refused (post a reversing transaction instead)',
    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$""", """
CREATE OR REPLACE FUNCTION billing_ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = NEW.transaction_id
             GROUP BY currency HAVING sum(amount) <> 0) THEN
    RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$""")

PG_TABLE = ("""
CREATE TRIGGER {t}_no_update_delete BEFORE UPDATE OR DELETE ON {t}
  FOR EACH ROW EXECUTE FUNCTION billing_ledger_immutable()""", """
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
  FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_immutable()""")

# Checked at commit, once the whole transaction's entries are in.
PG_BALANCED = """
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION billing_ledger_balanced();
"""

SQLITE_TABLE = """
CREATE TRIGGER {t}_no_{op} BEFORE {OP} ON {t}
BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable: post a reversing transaction instead'); END;
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for fn in PG_FUNCTIONS:
            op.execute(fn)
        for t in LEDGER_TABLES:
            for stmt in PG_TABLE:
                op.execute(stmt.format(t=t))
        op.execute(PG_BALANCED)
    elif dialect == "sqlite":
        for t in LEDGER_TABLES:
            for o in ("update", "delete"):
                op.execute(SQLITE_TABLE.format(t=t, op=o, OP=o.upper()))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_balanced ON ledger_entries")
        for t in LEDGER_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {t}_no_update_delete ON {t}")
            op.execute(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")
        op.execute("DROP FUNCTION IF EXISTS billing_ledger_balanced()")
        op.execute("DROP FUNCTION IF EXISTS billing_ledger_immutable()")
    elif dialect == "sqlite":
        for t in LEDGER_TABLES:
            for o in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {t}_no_{o}")
