"""Bounded database waits: a wait past its bound terminates the connection instead of waiting on it.

A database host that vanishes without a TCP reset (a half-open network) leaves every wait on its socket
pending until the kernel gives up (15 min and more). Cancelling the wait is not enough: what runs next on the
connection - the rollback when the block is left, or SQLAlchemy's graceful close - waits on the same socket.
So the connection is *terminated* (its socket aborted, the pooled connection invalidated): every wait on it
fails at once as a lost connection (``kabinet.outages.is_outage``), the rollback sends nothing, and the pool
connects anew next time. PostgreSQL rolls the transaction back when it learns the connection is gone.

The connection a session is using is known through :class:`TrackedSession` (the kit's sessionmakers use it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_CONNECTION = "kabinet.connection"  # session.info key: the Connection of the session's transaction


class TrackedSession(Session):
    """A session that remembers the connection of its transaction, so that it can be terminated from outside
    the session's own calls (:func:`terminate`)."""


@event.listens_for(TrackedSession, "after_begin")
def _remember(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    session.info[_CONNECTION] = connection


@event.listens_for(TrackedSession, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the connection goes back to the pool: never terminate it for this session
        session.info.pop(_CONNECTION, None)


class DatabaseTimeout(TimeoutError):
    """A database wait ran past its bound; the connection was terminated. An outage (a ``TimeoutError``)."""


def terminate(session: AsyncSession | Session) -> bool:
    """Terminate the connection of the session's transaction, if it has one on a networked database: the
    pooled connection is invalidated, which (outside SQLAlchemy's own calls) aborts the socket at once, with
    no graceful close. Synchronous, so a timer can call it while the session waits on that socket. True when a
    connection was terminated."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    connection: Connection | None = sync.info.get(_CONNECTION)
    if connection is None or connection.invalidated or connection.closed:
        return False
    if connection.dialect.name == "sqlite":
        return False  # a local file: no socket to stall on, and nothing to gain from closing it
    try:
        connection.invalidate()
    except Exception as exc:  # called from a timer or on the way out: never raise there (the socket is dead anyway)
        log.warning("terminating a database connection failed", extra={"error": repr(exc)})
        return False
    return True


class Deadline:
    """The bound of :func:`database_deadline`; :meth:`suspended` leaves out waits that are not on the database."""

    def __init__(self, session: AsyncSession, timeout_s: float, scope: asyncio.Timeout) -> None:
        self._session = session
        self.timeout_s = timeout_s
        self._scope = scope
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self.expired = False

    def _arm(self) -> None:
        self._timer = self._loop.call_later(self.timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        self.expired = True
        # First the connection, so what waits on it fails at once and the rollback sends nothing; then the
        # block is cancelled too, for a wait that is not on it (a new connection still connecting).
        try:
            terminate(self._session)
        finally:
            self._scope.reschedule(self._loop.time())

    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """Not counted against the bound (e.g. publishing to the broker, which has bounds of its own); the full
        bound starts again after it."""
        self._disarm()
        try:
            yield
        finally:
            self._arm()


@contextlib.asynccontextmanager
async def database_deadline(session: AsyncSession, timeout_s: float) -> AsyncIterator[Deadline]:
    """Bound the block's database work on ``session`` to ``timeout_s``: past it the session's connection is
    terminated (see the module) and the block cancelled, and :class:`DatabaseTimeout` is raised. Put the
    session's transaction inside the block, so that its rollback is bounded too."""
    deadline: Deadline | None = None
    try:
        async with asyncio.timeout(None) as scope:
            deadline = Deadline(session, timeout_s, scope)
            deadline._arm()
            try:
                yield deadline
            finally:
                deadline._disarm()
    except Exception as exc:  # the scope's TimeoutError, or the error of a wait on the terminated connection
        if deadline is not None and deadline.expired:
            raise DatabaseTimeout(f"the database did not answer within {timeout_s} s; connection terminated") from exc
        raise
