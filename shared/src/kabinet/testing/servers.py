"""Where the test servers are: environment variables first, then testcontainers, else a clear failure.

- ``KABINET_TEST_POSTGRES_URL``: an admin URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``;
  each test run creates its own databases there and drops them after.
- ``KABINET_TEST_AMQP_URL``: e.g. ``amqp://guest:guest@127.0.0.1:5672/``; each test run uses its own
  uniquely named exchanges and queues and deletes them after.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

_started: list[Any] = []


class ServerUnavailable(RuntimeError):
    pass


def _docker_reachable() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _missing(what: str, var: str, example: str) -> ServerUnavailable:
    return ServerUnavailable(
        f"Integration tests need {what}. Set {var} (for example {var}={example}) or make a Docker engine "
        f"reachable so testcontainers can start one. Neither is available here, so these tests cannot run "
        f"(they are never skipped silently)."
    )


def postgres_admin_url() -> str:
    url = os.environ.get("KABINET_TEST_POSTGRES_URL")
    if url:
        return url
    if _docker_reachable():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15-alpine", driver=None)
        container.start()
        _started.append(container)
        return str(container.get_connection_url())
    raise _missing("PostgreSQL", "KABINET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def amqp_url() -> str:
    url = os.environ.get("KABINET_TEST_AMQP_URL")
    if url:
        return url
    if _docker_reachable():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.10-management")
        container.start()
        _started.append(container)
        params = container.get_connection_params()
        return f"amqp://guest:guest@{params.host}:{params.port}/"
    raise _missing("RabbitMQ", "KABINET_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


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
