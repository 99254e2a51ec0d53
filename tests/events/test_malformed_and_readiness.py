"""Bad messages on the bus are dead-lettered without stopping the consumer; a service whose broker or
database is down at start keeps running, reports not ready on /readyz, and recovers by itself."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aio_pika
import strawberry

from kabinet.events import Envelope
from kabinet.graphql.schema import subgraph_schema
from kabinet.testing.stack import GraphQLClient, eventually, running
from kabinet.web.app import create_service_app


async def test_malformed_messages_are_dead_lettered_and_the_consumer_keeps_consuming(
    kt_module, kt_db, make_runtime, messaging
):
    kt = kt_module
    runtime = make_runtime(await kt_db(), kt.Behaviour())
    key = kt.Ping.routing_key()
    good = Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": 1})
    wrong_payload = Envelope(type="kt.ping.happened", version=1, producer="kt", payload={"n": "not a number"})
    missing_fields = json.dumps({"id": str(uuid.uuid4()), "type": "kt.ping.happened"}).encode()
    bodies = [b"\x00not json at all", b"[1, 2, 3]", missing_fields, wrong_payload.to_json(), good.to_json()]
    async with running(runtime, migrate=False):
        conn = await aio_pika.connect(str(messaging.amqp_url))
        try:
            channel = await conn.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(messaging.events_exchange)
            for i, body in enumerate(bodies):
                await exchange.publish(aio_pika.Message(body, message_id=f"bad-{i}",
                                                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT), key)
        finally:
            await conn.close()

        async def four_dead() -> bool:
            return len(await runtime.transport.dead_letters(kt.NAME)) == 4

        await eventually(four_dead, timeout_s=20)
        dead = await runtime.transport.dead_letters(kt.NAME)
        assert {d.message_id for d in dead} == {"bad-0", "bad-1", "bad-2", "bad-3"}
        assert {d.reason for d in dead} == {"rejected"}  # at once, not after the retries
        # The consumer is alive: the good one and a later one are applied, once each.
        async with runtime.uow() as uow:
            uow.publish(kt.Ping(n=2))
            await uow.commit()

        async def both_applied() -> bool:
            return await kt.effect_counts(runtime.engine) == (2, 2)

        await eventually(both_applied)


@strawberry.type
class Query:
    ok: bool = True


async def test_service_started_without_broker_and_database_recovers_by_itself(
    kt_module, kt_db, make_runtime, amqp_proxy, pg_proxy, amqp_url
):
    kt = kt_module
    db_url = await kt_db()
    await amqp_proxy.down()
    await pg_proxy.down()
    runtime = make_runtime(pg_proxy.url_for(db_url), kt.Behaviour(), amqp_url=amqp_proxy.url_for(amqp_url))
    app = create_service_app(runtime, subgraph_schema(Query), manage_runtime=False)
    client = GraphQLClient(app)

    async def status(path: str = "/readyz") -> tuple[int, dict[str, Any]]:
        resp = await client.get(path)
        return resp.status_code, resp.json()

    await runtime.start()
    try:
        code, body = await status()
        assert code == 503 and body["checks"] == {"database": False, "broker": False, "consumers": False}
        assert (await status("/healthz"))[0] == 200  # alive, so not restarted in a loop

        await pg_proxy.up()

        async def database_back() -> bool:
            return (await status())[1]["checks"]["database"] is True

        await eventually(database_back, timeout_s=20)
        assert (await status())[0] == 503  # still no broker

        await amqp_proxy.up()

        async def ready() -> bool:
            return (await status())[0] == 200

        await eventually(ready, timeout_s=20)
        async with runtime.uow() as uow:
            uow.publish(kt.Ping(n=1))
            await uow.commit()

        async def applied(count: int) -> Any:
            async def check() -> bool:
                return await kt.effect_counts(runtime.engine) == (count, count)
            return check

        await eventually(await applied(1))

        # Both go away after start and come back: not ready meanwhile, then ready without a restart.
        await amqp_proxy.down()
        await pg_proxy.down()

        async def not_ready() -> bool:
            code, body = await status()
            return code == 503 and body["checks"] == {"database": False, "broker": False, "consumers": False}

        await eventually(not_ready, timeout_s=20)
        await pg_proxy.up()
        await amqp_proxy.up()
        await eventually(ready, timeout_s=30)
        async with runtime.uow() as uow:
            uow.publish(kt.Ping(n=2))
            await uow.commit()
        await eventually(await applied(2), timeout_s=20)
    finally:
        await client.aclose()
        await runtime.stop()
