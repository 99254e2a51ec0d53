"""One whole system per e2e module: the four services on this run's PostgreSQL databases and this module's
RabbitMQ exchange, behind the real gateway, built exactly as ``kabinet_stack.testing.real_stack`` builds it.

Module scope, not per test: a stack costs ~5 s to start and stop, and identity's flows are independent
(each test makes its own branch, phones and emails), so sharing one keeps the identity suite well under
two minutes.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from gateway_kit import Flow

from kabinet.auth import SigningKey
from kabinet.settings import MessagingSettings
from kabinet.testing.plugin import RUN_ID
from kabinet_stack.embedded import Stack
from kabinet_stack.services import SERVICE_NAMES
from kabinet_stack.testing import StackHandle


async def _delete_broker_names(amqp_url: str, ns: str) -> None:
    import aio_pika

    from kabinet.bus import rabbit

    conn = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await conn.channel()
        for q in [q for q in rabbit.DECLARED_QUEUES if q.startswith(ns)]:
            try:
                await channel.queue_delete(q)
            except Exception:
                channel = await conn.channel()
            rabbit.DECLARED_QUEUES.discard(q)
        for x in [x for x in rabbit.DECLARED_EXCHANGES if x.startswith(ns)]:
            try:
                await channel.exchange_delete(x)
            except Exception:
                channel = await conn.channel()
            rabbit.DECLARED_EXCHANGES.discard(x)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def gateway_stack(database_factory: Callable[[str], Awaitable[str]], amqp_url: str,
                        tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StackHandle]:
    ns = f"kt-{RUN_ID}-idgw-{uuid.uuid4().hex[:6]}"
    messaging = MessagingSettings(amqp_url=amqp_url, events_exchange=f"{ns}.events", queue_prefix=f"{ns}.",
                                  publish_timeout_s=5.0, connect_timeout_s=5.0)
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    data_dir: Path = tmp_path_factory.mktemp("idgw")
    stack = Stack(data_dir, database_urls=urls, messaging=messaging, identity_private_key_pem=key.to_pem())
    deps = stack.runtimes["identity"].deps
    # Every request reaches identity from the gateway's one address (it forwards no X-Forwarded-For), so the
    # per-IP code cap would be shared by all the tests' phones; the cap itself is tested in api/.
    deps.limits = dataclasses.replace(deps.limits, per_ip=100_000)
    for runtime in stack.runtimes.values():
        await runtime.migrate()
    async with stack.running():
        handle = StackHandle(stack, key, "real")
        try:
            yield handle
        finally:
            await handle._client.aclose()
    await _delete_broker_names(amqp_url, ns)


@pytest.fixture
def flow(gateway_stack: StackHandle) -> Flow:
    return Flow(gateway_stack)
