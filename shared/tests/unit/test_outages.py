"""Which failures are dependency outages (the consumer waits, the client gets SERVICE_UNAVAILABLE) and which
are failures of the work itself (retried, then dead-lettered; INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

import errno

import asyncpg
import httpx
import pytest
from sqlalchemy import exc as sa

from kabinet.auth import KeysUnavailable
from kabinet.bus.base import BrokerUnavailable, Unroutable
from kabinet.outages import is_outage


def _wrapped(cause: BaseException, invalidated: bool) -> sa.DBAPIError:
    """As SQLAlchemy raises a driver error: the driver's exception as ``orig`` and as the cause."""
    try:
        raise sa.DBAPIError("SELECT 1", {}, cause, connection_invalidated=invalidated) from cause
    except sa.DBAPIError as e:
        return e


def _caused_by(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("error", [
    ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
    ConnectionResetError(),
    TimeoutError(),
    OSError(errno.EHOSTUNREACH, "no route"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    _wrapped(asyncpg.InterfaceError("connection is closed"), invalidated=True),
    sa.TimeoutError("QueuePool limit reached"),
    KeysUnavailable("identity down"),
    BrokerUnavailable("not connected"),
    httpx.ConnectError("refused"),
    _caused_by(RuntimeError("handler gave up"), ConnectionRefusedError()),  # anywhere in the chain
], ids=repr)
def test_outages(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize("error", [
    ValueError("bad payload"),
    FileNotFoundError(errno.ENOENT, "no such file"),
    asyncpg.DeadlockDetectedError("deadlock detected"),
    asyncpg.UniqueViolationError("duplicate key"),
    _wrapped(asyncpg.UniqueViolationError("duplicate key"), invalidated=False),
    sa.IntegrityError("INSERT", {}, Exception("duplicate")),
    Unroutable("nobody bound"),
], ids=repr)
def test_failures_of_the_work(error: BaseException) -> None:
    assert not is_outage(error)
