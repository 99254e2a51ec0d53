"""Telling a dependency outage from a failure of the work itself, by exception type.

An outage (the database, the broker or another service unreachable, a connection lost, a wait that ran
out) is nobody's fault in the request or message at hand: a consumer holds its messages and waits for the
dependency instead of spending their delivery attempts, and a client gets ``SERVICE_UNAVAILABLE`` (retry
later) instead of ``INTERNAL_SERVER_ERROR``. Everything else is a failure of the work.
"""

from __future__ import annotations

import errno
import re
import socket
import sqlite3

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "A service this request needs is unavailable; try again shortly."

_CONNECTION_ERRNOS = frozenset({
    errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT,
    errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN,
})
# PostgreSQL: connection exceptions (class 08) are asyncpg's PostgresConnectionError; these are the
# server shutting down or starting (57P01-57P03) and out of connection slots (53300).
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# asyncio's create_connection to a name with several addresses (``localhost``: ::1 and 127.0.0.1) that all
# fail raises one plain OSError naming each failure, with no errno of its own (asyncpg passes it on as is).
_ERRNO = re.compile(r"\[Errno (\d+)\]")


class DependencyUnavailable(Exception):
    """Raised by the kit when a dependency (e.g. identity's signing keys) cannot be reached."""


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` or anything in its cause/context chain is a dependency outage."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if _is_outage_itself(e):
            return True
        stack.extend((e.__cause__, e.__context__, getattr(e, "orig", None)))
    return False


def _is_outage_itself(e: BaseException) -> bool:
    if isinstance(e, DependencyUnavailable | ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(e, OSError) and e.errno in _CONNECTION_ERRNOS:
        return True
    if type(e) is OSError and e.errno is None and str(e).startswith("Multiple exceptions: "):
        # Unreachable on every address, at least one of them for a connection reason.
        return any(int(n) in _CONNECTION_ERRNOS for n in _ERRNO.findall(str(e)))
    if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
        return True  # embedded mode: another writer held the file longer than the busy timeout
    return _is_sqlalchemy_outage(e) or _is_asyncpg_outage(e) or _is_amqp_outage(e) or _is_http_outage(e)


def _is_sqlalchemy_outage(e: BaseException) -> bool:
    from sqlalchemy import exc as sa

    if isinstance(e, sa.DBAPIError) and e.connection_invalidated:
        return True
    return isinstance(e, sa.TimeoutError)  # the pool gave no connection in time


def _is_asyncpg_outage(e: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency of the kit
        return False
    if isinstance(e, asyncpg.PostgresConnectionError | asyncpg.ConnectionDoesNotExistError):
        return True
    if isinstance(e, asyncpg.InterfaceError) and "connection" in str(e) and "closed" in str(e):
        return True
    return isinstance(e, asyncpg.PostgresError) and getattr(e, "sqlstate", None) in _UNAVAILABLE_SQLSTATES


def _is_amqp_outage(e: BaseException) -> bool:
    import aiormq.exceptions

    from kabinet.bus.base import BrokerUnavailable

    return isinstance(e, BrokerUnavailable | aiormq.exceptions.AMQPConnectionError
                      | aiormq.exceptions.ChannelInvalidStateError)


def _is_http_outage(e: BaseException) -> bool:
    import httpx

    return isinstance(e, httpx.TransportError)
