"""Which failures are dependency outages (the consumer waits, the client gets SERVICE_UNAVAILABLE) and which
are failures of the work itself (retried, then dead-lettered; INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

import errno
from collections.abc import Sequence

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


# asyncio's create_connection to a name with several addresses (``localhost``: ::1 and 127.0.0.1), all failing
# with different messages, raises one plain OSError naming them all, without an errno.
_EVERY_ADDRESS_REFUSED = OSError(
    "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0), "
    "[Errno 111] Connect call failed ('127.0.0.1', 5432)")


@pytest.mark.parametrize("error", [
    _EVERY_ADDRESS_REFUSED,
    OSError("Multiple exceptions: [Errno 99] Cannot assign requested address, "
            "[Errno 111] Connect call failed ('127.0.0.1', 5432)"),  # no IPv6 on the host
    _wrapped(_EVERY_ADDRESS_REFUSED, invalidated=False),
], ids=repr)
def test_a_server_refusing_on_every_address_of_its_name_is_an_outage(error: BaseException) -> None:
    assert is_outage(error)


@pytest.mark.parametrize("error", [
    OSError("Multiple exceptions: [Errno 13] Permission denied, [Errno 2] No such file or directory"),
    OSError("Multiple exceptions, said a handler"),
], ids=repr)
def test_other_combined_errors_are_not(error: BaseException) -> None:
    assert not is_outage(error)


async def test_database_down_behind_a_name_with_two_addresses_is_an_outage(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database's host name resolves to two addresses (as ``localhost`` does to ::1 and 127.0.0.1) and it
    listens on neither: SQLAlchemy and asyncpg raise what asyncio raised, and a consumer must wait it out
    instead of spending the message's tries (before: not an outage, so a restart of the database
    dead-lettered the messages handled meanwhile)."""
    import asyncio
    import socket

    from sqlalchemy import text

    from kabinet.db.engine import create_engine

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.get_running_loop()
    resolve = loop.getaddrinfo

    async def two_addresses(host: object, *args: object, **kwargs: object) -> Sequence[object]:
        if host != "db.two-addresses.test":
            return await resolve(host, *args, **kwargs)  # type: ignore[arg-type]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in ("127.0.0.1", "127.0.0.2")]

    monkeypatch.setattr(loop, "getaddrinfo", two_addresses)
    engine = create_engine(f"postgresql://postgres@db.two-addresses.test:{port}/x")
    try:
        with pytest.raises(Exception) as raised:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert "Multiple exceptions" in str(raised.value)
    assert is_outage(raised.value)
