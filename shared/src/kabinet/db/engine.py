"""Async SQLAlchemy engines for PostgreSQL (asyncpg) and SQLite (aiosqlite, embedded mode)."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from kabinet.db.deadline import TrackedSession
from kabinet.metrics import DB_OPERATIONS
from kabinet.tracing import instrument_engine

# Execution option of the connections a unit of work (or the relay) writes through, on SQLite: their transaction
# starts with BEGIN IMMEDIATE (kabinet.db.engine.create_sessionmaker).
SQLITE_WRITE_OPTION = "kabinet_sqlite_write"

_STATEMENT_KINDS = {"select": "select", "insert": "insert", "update": "update", "delete": "delete", "with": "select"}


@dataclass(frozen=True, slots=True)
class TcpKeepalive:
    """How soon either end of a PostgreSQL connection gives up on a peer that stopped answering (a host gone
    without a TCP reset): after ``idle_s`` of silence a probe every ``interval_s``, dead after ``count`` unanswered
    - and data sent but not acknowledged for as long is dead too (``TCP_USER_TIMEOUT``). The kernel's defaults
    wait two hours (idle) and ~15 minutes (unacknowledged data)."""

    idle_s: int = 30
    interval_s: int = 10
    count: int = 3

    @property
    def dead_after_s(self) -> int:
        return self.idle_s + self.interval_s * self.count

    def server_settings(self) -> dict[str, str]:
        """The server's side: it notices a client gone and ends its backend (its transaction and row locks)."""
        return {"tcp_keepalives_idle": str(self.idle_s), "tcp_keepalives_interval": str(self.interval_s),
                "tcp_keepalives_count": str(self.count), "tcp_user_timeout": str(self.dead_after_s * 1000)}

    def apply(self, sock: Any) -> None:
        """The client's side, on the connection's socket (asyncpg has no option for it: MagicStack/asyncpg#606)."""
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # a Unix socket: no network in between
        # Linux names; other systems keep their own timing (but still probe). An option the system refuses is
        # left out: it must never fail the connection.
        tcp = socket.IPPROTO_TCP
        options = [(socket.SOL_SOCKET, "SO_KEEPALIVE", 1), (tcp, "TCP_KEEPIDLE", self.idle_s),
                   (tcp, "TCP_KEEPINTVL", self.interval_s), (tcp, "TCP_KEEPCNT", self.count),
                   (tcp, "TCP_USER_TIMEOUT", self.dead_after_s * 1000)]
        for level, name, value in options:
            option = getattr(socket, name, None)
            if option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(level, option, value)


DEFAULT_KEEPALIVE = TcpKeepalive()


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite://`` URLs and pick the async driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def is_sqlite(url_or_engine: str | AsyncEngine) -> bool:
    name = url_or_engine if isinstance(url_or_engine, str) else url_or_engine.url.drivername
    return name.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 0, ssl: str | None = None,
                  keepalive: TcpKeepalive | None = DEFAULT_KEEPALIVE, **kwargs: Any) -> AsyncEngine:
    """``ssl`` is asyncpg's mode (disable, prefer, require, verify-ca, verify-full); an ``ssl=``/``sslmode=``
    parameter in the URL wins. ``keepalive``: TCP keepalive on both ends of every PostgreSQL connection (None:
    the systems' defaults)."""
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # sqlite3's own transaction handling is off (BEGIN is ours, below): it began a transaction only at
            # the first write, so a unit of work's reads ran outside it and "count, then insert if under the cap"
            # raced (25 wrong passwords sent at once got 24 tries, not 10).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A unit of work takes the database's write lock at its start, so units of work take turns from their
            # first read: SQLite's stand-in for PostgreSQL's row and advisory locks (SELECT ... FOR UPDATE,
            # _take_turns). Reads (RequestReads) begin deferred and never wait for a writer (WAL).
            # Sent on the driver's cursor: BEGIN is counted as a transaction (_counted), not as a statement too.
            immediate = conn.get_execution_options().get(SQLITE_WRITE_OPTION)
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            finally:
                cursor.close()

        instrument_engine(engine)
        return _counted(engine)
    if "poolclass" not in kwargs:
        # Small and fixed: every replica of every service together must fit PostgreSQL's max_connections
        # (docs/operations.md, "Database connections"); a request holds one connection (RequestReads).
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = max_overflow
        kwargs.setdefault("pool_recycle", 1800)
    # No pre-ping: it is a round trip per checkout. A connection broken by a server restart fails one
    # statement, which invalidates the pool; the next checkout connects anew.
    kwargs.setdefault("pool_pre_ping", False)
    connect_args = kwargs.setdefault("connect_args", {})
    if ssl is not None and "ssl=" not in url and "sslmode=" not in url:
        connect_args["ssl"] = ssl
    # asyncpg prepares every statement; after five runs PostgreSQL may switch to a generic plan that ignores
    # the parameters (a student's lessons planned as a walk over every lesson in the window). Custom plans cost
    # a little planning per execution and stay right on any data.
    server_settings = connect_args.setdefault("server_settings", {})
    server_settings.setdefault("plan_cache_mode", "force_custom_plan")
    if keepalive is not None:
        for name, value in keepalive.server_settings().items():
            server_settings.setdefault(name, value)
    # Each connection keeps its prepared statements (SQLAlchemy's LRU, 100 by default): a service's reads,
    # writes, event handlers and each length of an ``IN (...)`` list are distinct statements, and one evicted
    # is prepared again (a round trip and a parse) on its next use.
    if "prepared_statement_cache_size" not in url:
        connect_args.setdefault("prepared_statement_cache_size", 500)
    engine = create_async_engine(url, **kwargs)
    if keepalive is not None:
        _keep_alive(engine, keepalive)
    instrument_engine(engine)
    return _counted(engine)


def _keep_alive(engine: AsyncEngine, keepalive: TcpKeepalive) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # asyncpg sets its own socket options the same way (TCP_NODELAY, on transport.get_extra_info('socket')).
        transport = getattr(dbapi_conn.driver_connection, "_transport", None)
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None:
            keepalive.apply(sock)


def _counted(engine: AsyncEngine) -> AsyncEngine:
    """Count what the engine asks of the database (for /metrics): a request's cost in statements and round trips."""
    sync = engine.sync_engine
    # The labelled counters looked up once (``labels()`` takes a lock and builds a key on every call).
    statements = {kind: DB_OPERATIONS.labels(kind) for kind in {*_STATEMENT_KINDS.values(), "other"}}
    other = statements["other"]

    @event.listens_for(sync, "before_cursor_execute")
    def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = _STATEMENT_KINDS.get(statement.lstrip()[:6].lower())
        (statements[kind] if kind else other).inc()

    def _transaction(kind: str) -> Any:
        counter = DB_OPERATIONS.labels(kind)

        def count(conn: Any) -> None:
            # An autocommit connection (a request's reads) sends no BEGIN/COMMIT/ROLLBACK to the server.
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                counter.inc()
        return count

    for kind in ("begin", "commit", "rollback"):
        event.listen(sync, kind, _transaction(kind))
    checkouts, connects = DB_OPERATIONS.labels("checkout"), DB_OPERATIONS.labels("connect")
    event.listen(sync.pool, "checkout", lambda *_: checkouts.inc())
    event.listen(sync.pool, "connect", lambda *_: connects.inc())
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The sessions of units of work and the outbox relay (writers); on SQLite they begin IMMEDIATE."""
    bind = engine.execution_options(**{SQLITE_WRITE_OPTION: True}) if is_sqlite(engine) else engine
    # TrackedSession: a bounded wait can terminate the session's connection (kabinet.db.deadline).
    return async_sessionmaker(bind, expire_on_commit=False, sync_session_class=TrackedSession)
