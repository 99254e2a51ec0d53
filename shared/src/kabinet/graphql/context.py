"""The per-request GraphQL context every subgraph receives."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import util
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from kabinet.auth.principal import Principal
from kabinet.db.engine import is_sqlite

if TYPE_CHECKING:
    from kabinet.runtime import ServiceRuntime


class ReadSession(AsyncSession):
    """A request's read session on its autocommit connection (PostgreSQL). A plain (Core) statement runs on the
    connection itself: the same buffered result, without the ORM session's execute layers (bind lookup, its
    transaction begun on the connection, event dispatch), which cost about as much again as the statement's own
    execution in SQLAlchemy. ORM statements, and calls with options, take the session's way."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(bind=conn, expire_on_commit=False)
        self._conn = conn

    async def execute(
        self, statement: Executable, params: Any = None, *, execution_options: Any = util.EMPTY_DICT,
        bind_arguments: Any = None, **kw: Any,
    ) -> Result[Any]:
        attrs = getattr(statement, "_propagate_attrs", None)  # None: not a statement (the session says so)
        if (execution_options or bind_arguments is not None or kw or attrs is None
                or attrs.get("compile_state_plugin") == "orm"):
            return await super().execute(statement, params, execution_options=execution_options,
                                         bind_arguments=bind_arguments, **kw)
        return await self._conn.execute(statement, params)

    async def rollback(self) -> None:
        await super().rollback()
        if self._conn.in_transaction():  # what a statement run on the connection began (nothing on the server)
            await self._conn.rollback()


class RequestReads:
    """One pooled connection for all of a request's reads: taken at the first read, returned when the request
    ends (one checkout per request instead of one per resolver and DataLoader batch).

    On PostgreSQL the connection is in autocommit: each SELECT runs on its own, without BEGIN/ROLLBACK. That
    loses nothing: under READ COMMITTED every statement already took its own snapshot inside a transaction.
    Resolvers run concurrently and one connection runs one statement at a time, so uses are serialised by a
    lock; writes never come here (use cases use ``runtime.uow()``).
    """

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._lock = asyncio.Lock()
        self._conn: AsyncConnection | None = None
        self._session: AsyncSession | None = None
        self._sqlite = is_sqlite(runtime.engine)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._session is None:
                conn = await self._runtime.engine.connect()
                if self._sqlite:
                    self._session = AsyncSession(bind=conn, expire_on_commit=False)
                else:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    self._session = ReadSession(conn)
                self._conn = conn
            try:
                yield self._session
            except BaseException:
                await self._session.rollback()  # a failed read leaves nothing behind for the next one
                raise
            finally:
                if self._conn is not None and self._sqlite:
                    # SQLite: end the read transaction at once, so a writer in this process is not held up.
                    await self._session.rollback()

    async def close(self) -> None:
        session, conn = self._session, self._conn
        self._session = self._conn = None
        try:
            if session is not None:
                await session.close()
        finally:
            if conn is not None:
                await conn.close()


@dataclass
class RequestContext:
    principal: Principal
    runtime: ServiceRuntime
    request: Any = None
    response: Any = None
    # DataLoaders are created per request (never shared across requests: they cache).
    loaders: dict[str, Any] = field(default_factory=dict)
    _reads: RequestReads | None = None

    def loader(self, name: str, factory: Any) -> Any:
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]

    def reads(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """``async with ctx.reads() as session:`` — the request's read session (see `RequestReads`)."""
        if self._reads is None:
            self._reads = RequestReads(self.runtime)
        return self._reads.session()

    async def close(self) -> None:
        """Return the request's connection to the pool (the app calls this when the response is sent)."""
        if self._reads is not None:
            await self._reads.close()
