"""Outbox, inbox and dead-letter tables, added to each service's own metadata so they live in its database."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from kabinet.db.types import UtcDateTime

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", SeqType, primary_key=True, autoincrement=True),
        Column("id", String(36), nullable=False, unique=True),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )
    # The relay only ever scans unpublished rows: a partial index keeps that cheap as the table grows.
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
        sqlite_where=outbox.c.published_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(120), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("handled_at", UtcDateTime(), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    return outbox, inbox


DEAD_LETTERS = "dead_letters"


def add_dead_letter_table(metadata: MetaData) -> Table:
    """The consumer's dead letters on the in-process bus (embedded mode), kept by kabinet.dead_letters.SqlDeadLetters:
    what RabbitMQ keeps in ``<queue>.dlq``. A row with ``replay_requested_at`` waits to be delivered again."""
    return Table(
        DEAD_LETTERS,
        metadata,
        Column("consumer", String(120), nullable=False),
        Column("event_id", String(36), nullable=False),
        Column("routing_key", String(200), nullable=False),
        Column("body", Text, nullable=False),
        Column("reason", Text, nullable=True),
        Column("dead_at", UtcDateTime(), nullable=False),
        Column("replay_requested_at", UtcDateTime(), nullable=True),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_dead_letters"),
    )
