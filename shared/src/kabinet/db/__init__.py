from kabinet.db.engine import create_engine, create_sessionmaker, is_sqlite, normalise_url
from kabinet.db.idempotency import SqlKeyStore, idempotency_table
from kabinet.db.messaging_tables import add_dead_letter_table, add_messaging_tables
from kabinet.db.uow import UnitOfWork

__all__ = [
    "SqlKeyStore",
    "UnitOfWork",
    "add_dead_letter_table",
    "add_messaging_tables",
    "create_engine",
    "create_sessionmaker",
    "idempotency_table",
    "is_sqlite",
    "normalise_url",
]
