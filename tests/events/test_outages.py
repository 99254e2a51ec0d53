"""Dependency outages on the real broker and database, through the kit's TCP proxy: an outage is not the
message's fault (no try spent, nothing dead-lettered), and a consumer that makes no progress says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from sqlalchemy import text

from kabinet.db.deadline import DatabaseTimeout
from kabinet.db.engine import create_engine, create_sessionmaker
from kabinet.db.uow import UnitOfWork
from kabinet.graphql.schema import subgraph_schema
from kabinet.metrics import EVENTS_HANDLED
from kabinet.outages import is_outage
from kabinet.testing.stack import GraphQLClient, eventually, running
from kabinet.testing.tcp_proxy import TcpProxy
from kabinet.web.app import create_service_app


async def produce(runtime: Any, kt: Any, numbers: range, per_commit: int = 20) -> None:
    for start in range(numbers.start, numbers.stop, per_commit):
        async with runtime.uow() as uow:
            for n in range(start, min(start + per_commit, numbers.stop)):
                uow.publish(kt.Ping(n=n))
            await uow.commit()


async def test_database_down_longer_than_every_retry_spends_no_try_and_resumes_by_itself(
    kt_module, kt_db, make_runtime, pg_proxy, messaging
):
    kt = kt_module
    total = 320
    db_url = await kt_db()
    # The consumer reaches its database only through the proxy; the test counts over a direct connection.
    consumer = make_runtime(pg_proxy.url_for(db_url), kt.Behaviour(), batch_max=20)
    producer = make_runtime(await kt_db(), name="ktp")
    direct = create_engine(db_url)
    # Every try of a message (5, backing off 0.05 s … 0.8 s) fits in ~1.5 s: the outage lasts far longer.
    budget_s = sum(min(0.05 * 2**i, 5.0) for i in range(messaging.delivery_limit + 1))
    outage_s = max(8.0, 4 * budget_s)
    failed = EVENTS_HANDLED.labels(kt.NAME, "failed")
    failed_before = failed._value.get()

    async def applied() -> int:
        return int((await kt.effect_counts(direct))[1])

    try:
        async with running(consumer, producer, migrate=False):
            producing = asyncio.create_task(produce(producer, kt, range(total)))

            async def some_applied() -> bool:
                return await applied() >= 20

            await eventually(some_applied, timeout_s=30, interval_s=0.01)
            await pg_proxy.down()  # mid-flow: batches in hand, more arriving
            # A COMMIT the proxy forwarded just before the cut may still be in PostgreSQL's hands (a batch of 20
            # applied after the first read): count once two reads 0.3 s apart agree.
            at_outage = await applied()
            for _ in range(20):
                await asyncio.sleep(0.3)
                now = await applied()
                if now == at_outage:
                    break
                at_outage = now
            await producing  # the producer's own database is up: the whole month reaches the broker
            await asyncio.sleep(outage_s)
            assert await applied() == at_outage < total  # nothing could be applied meanwhile
            assert not (await consumer.readiness())["database"]
            await pg_proxy.up()

            async def all_applied() -> bool:
                return await applied() >= total

            await eventually(all_applied, timeout_s=60)
            await asyncio.sleep(0.5)  # a late duplicate would land now
            rows, distinct = await kt.effect_counts(direct)
            assert (rows, distinct) == (total, total), f"twice: {rows - distinct}, lost: {total - distinct}"
            assert await consumer.transport.dead_letters(kt.NAME) == []
            assert failed._value.get() == failed_before  # no delivery was counted as a failed try

            async def ready() -> bool:
                return all((await consumer.readiness()).values())

            await eventually(ready, timeout_s=20)
    finally:
        await direct.dispose()


async def test_broker_waits_are_bounded_and_a_consumer_without_progress_is_not_ready(
    kt_module, kt_db, make_runtime, amqp_proxy, amqp_url, monkeypatch
):
    import aio_pika.message

    kt = kt_module
    consumer = make_runtime(await kt_db(), kt.Behaviour(), amqp_url=amqp_proxy.url_for(amqp_url),
                            publish_timeout_s=0.5, connect_timeout_s=1.0, consumer_stall_s=2.0, batch_max=10)
    producer = make_runtime(await kt_db(), name="ktp")  # straight to the broker
    never = asyncio.Event()
    real_ack = aio_pika.message.IncomingMessage.ack

    async def ack_that_never_completes(self: Any, multiple: bool = False) -> None:
        await never.wait()  # what the acks did after a broker restart

    async def applied(count: int) -> bool:
        return (await kt.effect_counts(consumer.engine))[1] >= count

    async def status() -> dict[str, bool]:
        return await consumer.readiness()

    async with running(consumer, producer, migrate=False):
        monkeypatch.setattr(aio_pika.message.IncomingMessage, "ack", ack_that_never_completes)
        await produce(producer, kt, range(100))
        # Both workers would have waited forever on the first batch's acks: the waits are bounded.
        await eventually(lambda: applied(100), timeout_s=30)

        # The broker stops answering (half-open socket): the consumer settles nothing while the queue
        # has messages, and readiness says so instead of staying 200.
        monkeypatch.setattr(aio_pika.message.IncomingMessage, "ack", real_ack)
        amqp_proxy.stall()
        await produce(producer, kt, range(100, 150))

        async def not_ready() -> bool:
            return (await status()).get("consumers") is False

        await eventually(not_ready, timeout_s=20)

        # The broker answers again (the connection is cut and restored): everything is applied once,
        # the unacked messages come back and the inbox drops them, and readiness is back.
        amqp_proxy.unstall()
        await amqp_proxy.cut()
        await eventually(lambda: applied(150), timeout_s=30)

        async def ready() -> bool:
            return all((await status()).values())

        await eventually(ready, timeout_s=30)
        await asyncio.sleep(0.5)
        assert await kt.effect_counts(consumer.engine) == (150, 150)


def logged(caplog: pytest.LogCaptureFixture, message: str) -> int:
    return sum(r.getMessage() == message for r in caplog.records)


@contextlib.asynccontextmanager
async def unstalled_at_exit(proxy: TcpProxy) -> AsyncIterator[None]:
    """Before the runtimes stop: a failed test must not leave their shutdown waiting on stalled sockets."""
    try:
        yield
    finally:
        proxy.unstall()


async def test_a_database_that_stops_answering_holds_the_relay_only_while_it_does(
    kt_module, kt_db, make_runtime, pg_proxy, caplog
):
    """A half-open network to the relay's database (no reset: the proxy stalls): each pass gives up after its
    bound instead of waiting for the kernel, the relay backs off and retries, and once the network is back it
    publishes everything by itself, each event applied once."""
    kt = kt_module
    caplog.set_level(logging.WARNING, logger="kabinet.outbox")
    producer_url = await kt_db()
    bound_s = 1.0
    producer = make_runtime(pg_proxy.url_for(producer_url), name="ktp", outbox_db_timeout_s=bound_s)
    consumer = make_runtime(await kt_db(), kt.Behaviour())
    direct = create_engine(producer_url)  # another replica's connection: it commits while the relay's is stalled

    async def applied(count: int) -> bool:
        return (await kt.effect_counts(consumer.engine))[1] >= count

    try:
        async with running(consumer, producer, migrate=False), unstalled_at_exit(pg_proxy):
            relay_task = producer.relay._task
            await produce(producer, kt, range(50))
            await eventually(lambda: applied(50), timeout_s=30)

            pg_proxy.stall()
            stalled_at = time.monotonic()
            async with UnitOfWork(create_sessionmaker(direct), kt.outbox, "ktp") as uow:
                for n in range(50, 150):
                    uow.publish(kt.Ping(n=n))
                await uow.commit()
            # The running relay is not stuck: its passes end within their bound, each a warning, and it retries.
            failed_before = logged(caplog, "outbox relay pass failed")

            async def retrying() -> bool:
                return logged(caplog, "outbox relay pass failed") >= failed_before + 2

            await eventually(retrying, timeout_s=4 * bound_s + 3)
            # A pass of its own ends within the bound too, as an outage.
            started = time.monotonic()
            with pytest.raises(DatabaseTimeout) as raised:
                async with asyncio.timeout(20):
                    await producer.relay.publish_pending()
            assert time.monotonic() - started < bound_s + 1.5
            assert is_outage(raised.value)
            await asyncio.sleep(max(0.0, 6.0 - (time.monotonic() - stalled_at)))
            assert (await kt.effect_counts(consumer.engine))[1] == 50  # nothing could be claimed meanwhile
            pg_proxy.unstall()

            await eventually(lambda: applied(150), timeout_s=30)
            await asyncio.sleep(0.5)  # a late duplicate would land now
            assert await kt.effect_counts(consumer.engine) == (150, 150)
            assert await kt.unpublished(direct) == 0
            assert producer.relay._task is relay_task and producer.relay.running  # not restarted
    finally:
        await direct.dispose()


async def test_a_database_that_stops_answering_mid_batch_is_waited_out_as_an_outage(
    kt_module, kt_db, make_runtime, pg_proxy, messaging, caplog
):
    """The consumer's database stalls in the middle of a batch, in a COPY (asyncpg's own wait, which SQLAlchemy
    does not see): the handler's timeout ends the batch, its rollback does not wait on the dead socket, the
    consumer pauses without spending a try, and once the network is back everything is applied once."""
    kt = kt_module
    caplog.set_level(logging.WARNING, logger="kabinet.bus.rabbit")
    stalls = []

    def stall_once(n: int) -> None:
        if n == 60 and not stalls:
            stalls.append(time.monotonic())
            pg_proxy.stall()

    db_url = await kt_db()
    consumer = make_runtime(pg_proxy.url_for(db_url), kt.Behaviour(copy=True, before_write=stall_once),
                            handler_timeout_s=1.5, connect_timeout_s=1.0, outage_probe_max_s=0.5)
    producer = make_runtime(await kt_db(), name="ktp")
    direct = create_engine(db_url)
    failed = EVENTS_HANDLED.labels(kt.NAME, "failed")
    failed_before = failed._value.get()

    async def applied(count: int) -> bool:
        return (await kt.effect_counts(direct))[1] >= count

    try:
        async with running(consumer, producer, migrate=False), unstalled_at_exit(pg_proxy):
            await produce(producer, kt, range(150))

            async def paused() -> bool:
                return bool(stalls) and logged(
                    caplog, "consumer paused: a dependency is unavailable; messages held, no try spent") > 0

            await eventually(paused, timeout_s=30)
            # The handler's timeout and a failed probe (up to 3 s: SQLAlchemy closes a cancelled connection
            # gracefully, for 2 s), not a rollback waiting for the stall to end.
            assert time.monotonic() - stalls[0] < 1.5 + 5
            await asyncio.sleep(max(0.0, 9.0 - (time.monotonic() - stalls[0])))
            pg_proxy.unstall()

            await eventually(lambda: applied(150), timeout_s=30)
            await asyncio.sleep(0.5)
            assert await kt.effect_counts(direct) == (150, 150)
            assert await consumer.transport.dead_letters(kt.NAME) == []
            assert failed._value.get() == failed_before  # the stall spent no try
    finally:
        await direct.dispose()


@strawberry.type
class EffectsQuery:
    @strawberry.field
    async def effects(self, info: strawberry.Info) -> int:
        async with info.context.runtime.engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM effects"))).scalar_one())


async def test_database_down_answers_service_unavailable_503_not_internal_error(
    kt_db, make_runtime, pg_proxy, caplog
):
    runtime = make_runtime(pg_proxy.url_for(await kt_db()))
    client = GraphQLClient(create_service_app(runtime, subgraph_schema(EffectsQuery), manage_runtime=False))
    caplog.set_level(logging.INFO)
    try:
        assert (await client.execute("{ effects }"))["data"] == {"effects": 0}
        await pg_proxy.down()
        result = await client.execute("{ effects }")
        assert result["_status"] == 503
        assert [e["extensions"]["code"] for e in result["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert "Traceback" not in json.dumps(result) and "refused" not in json.dumps(result).lower()
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]  # an outage, not a bug
        await pg_proxy.up()
        assert (await client.execute("{ effects }"))["_status"] == 200
    finally:
        await client.aclose()
        await runtime.stop()


async def test_a_database_that_stops_answering_is_reported_not_ready_within_the_probes_bound(
    kt_module, kt_db, make_runtime, pg_proxy
):
    """/readyz during a half-open network to the database: each check answers "not ready" within its 3 s
    bound. The stalled connection is terminated, not closed gracefully (which waited 2 s more on the dead
    socket), and the next check does not wait on it either; once the network is back the check passes."""
    runtime = make_runtime(pg_proxy.url_for(await kt_db()), name="ktp")
    async with running(runtime, migrate=False), unstalled_at_exit(pg_proxy):
        assert (await runtime.readiness())["database"] is True  # a pooled connection, about to stall
        pg_proxy.stall()
        for _ in range(3):
            started = time.monotonic()
            assert (await runtime.readiness())["database"] is False
            assert time.monotonic() - started < 3.5
        pg_proxy.unstall()

        async def back() -> bool:
            return (await runtime.readiness())["database"] is True

        await eventually(back, timeout_s=20)


async def test_a_stop_during_a_database_stall_ends_within_its_bounds(kt_module, kt_db, make_runtime, pg_proxy):
    """A pod stopped while its database host has stopped answering: closing the pooled connections gracefully
    would wait on their dead sockets until the keepalive gives up (60 s, past Kubernetes' grace period); the
    stop drops them after a short bound instead."""
    runtime = make_runtime(pg_proxy.url_for(await kt_db()), name="ktp", outbox_db_timeout_s=1.0)
    await runtime.start()
    try:
        await runtime.wait_ready(30)
        # Two pooled connections, idle, about to stall.
        async with runtime.sessionmaker() as session, runtime.sessionmaker() as other:
            await session.execute(text("SELECT 1"))
            await other.execute(text("SELECT 1"))
        pg_proxy.stall()
        started = time.monotonic()
    finally:
        await runtime.stop()
        pg_proxy.unstall()
    assert time.monotonic() - started < 10
