"""End-to-end event throughput against raw aio-pika, on the same PostgreSQL + RabbitMQ in the same run.

    make bench            (or: uv run python bench/events.py [--events N])

Kabinet: N events already committed in a service's outbox -> relay (batched, confirmed, persistent,
mandatory) -> RabbitMQ -> the consumer (prefetch, batches handled concurrently) -> inbox rows + effects
committed in one transaction per batch (the handler writes its batch's effect rows in one INSERT, a kit
``batch`` handler as the services do; --effect per-event: one INSERT statement per event), acked after the commit.
Clock from the service's start to the last effect committed. Printed per side: events/s and the bench
process's CPU ms per event (this machine is shared: compare the ratio and CPU per event, not events/s).
Raw: aio-pika publishing the same N bodies with publisher confirms (all in flight, like the relay),
persistent and mandatory, to a topic exchange and a durable quorum queue, consumed with manual acks.
Servers: KABINET_TEST_POSTGRES_URL / KABINET_TEST_AMQP_URL (or BENCH_POSTGRES_URL / BENCH_AMQP_URL),
with the defaults of .env.test. Everything created is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import aio_pika
import asyncpg
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from kabinet.bus.rabbit import RabbitTransport
from kabinet.db.engine import create_engine
from kabinet.db.messaging_tables import add_messaging_tables
from kabinet.db.uow import UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.inbox import Consumer, Delivered, batch
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.settings import MessagingSettings, ServiceSettings

PG = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("KABINET_TEST_POSTGRES_URL") \
    or "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = os.environ.get("BENCH_AMQP_URL") or os.environ.get("KABINET_TEST_AMQP_URL") \
    or "amqp://guest:guest@127.0.0.1:5672/"

metadata = MetaData()
outbox, inbox = add_messaging_tables(metadata)
effects = Table("effects", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False), Column("n", Integer, nullable=False))


class Tick(EventContract):
    event_type: ClassVar[str] = "bench.tick.happened"
    n: int
    text: str


async def on_ticks(ticks: Sequence[Delivered[Tick]], uow: UnitOfWork, state: None) -> None:
    """The effect as a service writes it for a batch (the kit's ``batch`` handler): one statement for all."""
    await uow.session.execute(insert(effects), [{"event_id": d.event_id, "n": d.event.n} for d in ticks])


async def _nothing_to_finish(uow: UnitOfWork, state: None) -> None:
    return None


BATCHED: Consumer[UnitOfWork, None] = Consumer([batch(Tick, on_ticks)], start=lambda: None,
                                               finish=_nothing_to_finish)


async def on_tick_per_event(envelope: Envelope, uow: UnitOfWork) -> None:
    """``--effect per-event``: one INSERT statement per event (a handler that does not batch its writes)."""
    tick = Tick.parse_envelope(envelope)
    await uow.session.execute(insert(effects).values(event_id=envelope.id, n=tick.n))


def _payload(n: int) -> Tick:
    return Tick(n=n, text="x" * 200)  # a payload of a realistic size (~300 bytes on the wire)


class Side:
    """One side's result: events per second and the bench process's CPU per event (both sides run in this
    process, one after the other, so its CPU time during a side is that side's client-side cost)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.rate = self.cpu_ms = 0.0
        self.phases: dict[str, float] = {}

    def mark(self, phase: str) -> None:
        self.phases[phase] = time.perf_counter() - self.wall0

    def stop(self) -> Side:
        self.rate = self.n / (time.perf_counter() - self.wall0)
        self.cpu_ms = 1000 * (time.process_time() - self.cpu0) / self.n
        return self


async def raw_aio_pika(n: int, ns: str) -> Side:
    conn = await aio_pika.connect(AMQP)
    try:
        pub = await conn.channel(publisher_confirms=True)
        exchange = await pub.declare_exchange(f"{ns}.raw", aio_pika.ExchangeType.TOPIC, durable=True)
        cons = await conn.channel()
        await cons.set_qos(prefetch_count=256)
        queue = await cons.declare_queue(f"{ns}.raw.q", durable=True, arguments={"x-queue-type": "quorum"})
        await queue.bind(exchange, "bench.#")
        bodies = [Envelope(type=Tick.event_type, version=1, producer="bench", payload=_payload(i).to_payload())
                  .to_json() for i in range(n)]
        done = asyncio.Event()
        got = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal got
            await message.ack()
            got += 1
            if got == n:
                done.set()

        tag = await queue.consume(on_message)
        side = Side(n)
        for i in range(0, n, 500):
            await asyncio.gather(*(
                exchange.publish(aio_pika.Message(b, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                                  message_id=str(uuid.uuid4()), content_type="application/json"),
                                 routing_key="bench.tick.happened.v1", mandatory=True)
                for b in bodies[i:i + 500]))
        side.mark("published")
        await done.wait()
        side.stop()
        await queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
        return side
    finally:
        await conn.close()


async def kabinet_end_to_end(n: int, ns: str, db_url: str, per_event: bool = False) -> Side:
    engine = create_engine(db_url)
    async with engine.begin() as c:
        await c.run_sync(metadata.create_all)
    await engine.dispose()
    msg = MessagingSettings(amqp_url=AMQP, events_exchange=f"{ns}.events", queue_prefix=f"{ns}.")
    settings = ServiceSettings(service_name="bench", database_url=db_url, messaging=msg)
    handlers = {Tick.routing_key(): on_tick_per_event} if per_event else BATCHED
    spec = ServiceSpec("bench", metadata, outbox, inbox, Path("."), handlers)
    transport = RabbitTransport(msg, catalogue=())
    runtime = ServiceRuntime(spec, settings, transport=transport)
    try:
        for start in range(0, n, 1000):  # the backlog, committed before the clock starts
            async with runtime.uow() as uow:
                for i in range(start, min(start + 1000, n)):
                    uow.publish(_payload(i))
                await uow.commit()
        side = Side(n)
        await runtime.start()
        # Polled cheaply (this process's CPU is measured): the first unpublished row, and the effects' highest id
        # (each event adds one row; the count of distinct events is checked at the end).
        unpublished = select(outbox.c.seq).where(outbox.c.published_at.is_(None)).limit(1)
        while True:
            async with runtime.engine.connect() as c:
                if "published" not in side.phases and (await c.execute(unpublished)).first() is None:
                    side.mark("published")
                if ((await c.execute(select(func.max(effects.c.id)))).scalar_one() or 0) >= n:
                    break
            await asyncio.sleep(0.1)
        side.stop()
        async with runtime.engine.connect() as c:
            count = (await c.execute(select(func.count()).select_from(effects))).scalar_one()
            distinct = (await c.execute(select(func.count(effects.c.event_id.distinct())))).scalar_one()
        assert count == distinct == n, (count, distinct)
        return side
    finally:
        await runtime.stop()
        conn = await aio_pika.connect(AMQP)
        ch = await conn.channel()
        t = transport.topology
        for q in (t.queue("bench"), t.dead_letter_queue("bench")):
            await ch.queue_delete(q)
        for x in (t.exchange, t.dead_letter_exchange):
            await ch.exchange_delete(x)
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_EVENTS", "10000")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--effect", choices=("batch", "per-event"), default="batch",
                        help="the handler's effect: one INSERT per batch (a kit batch handler, as the services "
                             "write under a batch), or one INSERT statement per event")
    parser.add_argument("--only", choices=("raw", "kabinet"), help="run one side (to profile it), no ratio")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run = uuid.uuid4().hex[:8]
    per_event = args.effect == "per-event"
    admin = PG.replace("postgresql+asyncpg://", "postgresql://")
    created: list[str] = []
    ratios: list[float] = []
    try:
        for r in range(args.rounds):
            # Alternate the order, so neither side always runs on a warmer (or busier) machine.
            db = f"bench_{run}_{r}"
            created.append(db)
            conn = await asyncpg.connect(admin)
            await conn.execute(f'CREATE DATABASE "{db}"')
            await conn.close()
            db_url = admin.rsplit("/", 1)[0] + "/" + db
            if args.only:
                fn = raw_aio_pika(args.events, f"bench-{run}-{r}") if args.only == "raw" else \
                    kabinet_end_to_end(args.events, f"bench-{run}-{r}", db_url, per_event)
                side = await fn
                print(f"round {r + 1}: {args.only}: {side.rate:,.0f}/s ({side.cpu_ms:.2f} CPU ms/event) "
                      f"phases {side.phases}  load: {os.getloadavg()[0]:.1f}", flush=True)
                continue
            if r % 2:
                ours = await kabinet_end_to_end(args.events, f"bench-{run}-{r}", db_url, per_event)
                raw = await raw_aio_pika(args.events, f"bench-{run}-{r}")
            else:
                raw = await raw_aio_pika(args.events, f"bench-{run}-{r}")
                ours = await kabinet_end_to_end(args.events, f"bench-{run}-{r}", db_url, per_event)
            ratios.append(ours.rate / raw.rate)
            print(f"round {r + 1}: events={args.events}  raw aio-pika publish+confirm+consume: {raw.rate:,.0f}/s "
                  f"({raw.cpu_ms:.2f} CPU ms/event, published at {raw.phases['published']:.1f} s)  "
                  f"kabinet outbox->rabbitmq->inbox+effect: {ours.rate:,.0f}/s ({ours.cpu_ms:.2f} CPU ms/event, "
                  f"relayed at {ours.phases.get('published', float('nan')):.1f} s)  "
                  f"ratio: {ours.rate / raw.rate:.2f}  load: {os.getloadavg()[0]:.1f}", flush=True)
        if not ratios:
            return
        median = statistics.median(ratios)
        print(f"ratio kabinet/raw: median {median:.2f}, best {max(ratios):.2f}, worst {min(ratios):.2f} "
              f"(target >= 0.50): {'OK' if median >= 0.5 else 'BELOW TARGET'}")
    finally:
        conn = await asyncpg.connect(admin)
        for db in created:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    # The services run under uvicorn, which uses uvloop when installed; so do both sides here
    # (BENCH_LOOP=asyncio for the standard loop).
    if os.environ.get("BENCH_LOOP", "uvloop") == "uvloop":
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
    print(f"event loop: {asyncio.get_event_loop_policy().__class__.__module__}; "
          f"EVENTS_PER_MESSAGE={MessagingSettings().events_per_message}", flush=True)
    asyncio.run(main())
