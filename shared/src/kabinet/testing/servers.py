"""Where the test servers are: environment variables first, then the usual local servers, then
testcontainers, else a clear failure.

- ``KABINET_TEST_POSTGRES_URL``: an admin URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``;
  each test run creates its own databases there and drops them after.
- ``KABINET_TEST_AMQP_URL``: e.g. ``amqp://guest:guest@127.0.0.1:5672/``; each test run uses its own
  uniquely named exchanges and queues and deletes them after.

Unset, a PostgreSQL or RabbitMQ that answers on 127.0.0.1 with the defaults (``LOCAL_POSTGRES_URL``,
``LOCAL_AMQP_URL``: trust auth as ``postgres``, ``guest``/``guest``) is used without being told.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

_started: list[Any] = []
LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
PROBE_TIMEOUT_S = 3.0


class ServerUnavailable(RuntimeError):
    pass


def _docker_reachable() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _answers(probe: Callable[[], Coroutine[Any, Any, object]]) -> bool:
    """Run an async probe in its own thread and loop (the caller may be inside pytest's event loop)."""
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, probe()).result(timeout=PROBE_TIMEOUT_S * 2)
        return True
    except Exception:
        return False


def local_postgres() -> str | None:
    """The default local PostgreSQL, if it answers and lets us in."""
    async def probe() -> None:
        import asyncpg

        conn = await asyncpg.connect(LOCAL_POSTGRES_URL, timeout=PROBE_TIMEOUT_S)
        await conn.close()

    return LOCAL_POSTGRES_URL if _answers(probe) else None


def local_rabbitmq() -> str | None:
    """The default local RabbitMQ, if it answers and lets us in."""
    async def probe() -> None:
        import aio_pika

        conn = await aio_pika.connect(LOCAL_AMQP_URL, timeout=PROBE_TIMEOUT_S)
        await conn.close()

    return LOCAL_AMQP_URL if _answers(probe) else None


def _missing(what: str, var: str, example: str) -> ServerUnavailable:
    return ServerUnavailable(
        f"Integration tests need {what}. Start it on 127.0.0.1 with the defaults ({example}), set {var} to "
        f"where it is, or make a Docker engine reachable so testcontainers can start one. None is available "
        f"here, so these tests cannot run (they are never skipped silently)."
    )


def postgres_admin_url() -> str:
    url = os.environ.get("KABINET_TEST_POSTGRES_URL") or local_postgres()
    if url:
        return url
    if _docker_reachable():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15-alpine", driver=None)
        container.start()
        _started.append(container)
        return str(container.get_connection_url())
    raise _missing("PostgreSQL", "KABINET_TEST_POSTGRES_URL", LOCAL_POSTGRES_URL)


def amqp_url() -> str:
    url = os.environ.get("KABINET_TEST_AMQP_URL") or local_rabbitmq()
    if url:
        return url
    if _docker_reachable():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.10-management")
        container.start()
        _started.append(container)
        params = container.get_connection_params()
        return f"amqp://guest:guest@{params.host}:{params.port}/"
    raise _missing("RabbitMQ", "KABINET_TEST_AMQP_URL", LOCAL_AMQP_URL)


def stop_containers() -> None:
    while _started:
        with contextlib.suppress(Exception):
            _started.pop().stop()


@contextlib.contextmanager
def containers_stopped_at_exit() -> Iterator[None]:
    try:
        yield
    finally:
        stop_containers()
