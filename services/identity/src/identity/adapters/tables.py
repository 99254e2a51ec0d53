"""Identity's tables (SQLAlchemy Core; the domain model knows nothing of them)."""

from sqlalchemy import Column, Date, DateTime, ForeignKey, MetaData, String, Table

from kabinet.db import add_messaging_tables

metadata = MetaData()

families = Table(
    "families",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("guardian_phone", String(20), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

students = Table(
    "students",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("family_id", String(36), ForeignKey("families.id"), nullable=False, index=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("branch_id", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox, inbox = add_messaging_tables(metadata)
