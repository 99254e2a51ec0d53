from sqlalchemy import Column, DateTime, ForeignKey, MetaData, Numeric, String, Table, Text

from kabinet.db import add_messaging_tables

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), nullable=False, unique=True),
    Column("currency", String(3), nullable=False),
    Column("balance", Numeric(14, 2), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
)

# Immutable: corrections are reversing entries (enforced by the database role in production).
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("transaction_id", String(36), nullable=False, index=True),
    Column("account_id", String(36), ForeignKey("accounts.id"), nullable=True, index=True),
    Column("ledger_account", String(60), nullable=False),  # e.g. "family", "revenue", "cash"
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox = add_messaging_tables(metadata)
