"""Fault experiment: a month of `scheduling.lesson.scheduled` published while the database is away for 30 s.

    uv run python bench/fault_month.py [--lessons 320] [--outage 30]

Billing and learning run with their real handlers, migrations and the kit's RabbitMQ consumer; their
database connections go through the kit's TCP proxy (`kabinet.testing.tcp_proxy`), which is taken down
(every connection dropped, new ones refused) right after the first events of the month were published,
and brought back after `--outage` seconds. Printed: lost (events not applied), doubled (charges or rows
applied twice), dead letters, failed tries, and how long after the database returned everything was
applied. Servers: KABINET_TEST_POSTGRES_URL / KABINET_TEST_AMQP_URL (defaults as in .env.test); all
databases, queues and exchanges created are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from billing.bootstrap import build_runtime as billing_runtime
from billing.settings import BillingSettings
from kabinet.auth import KeySource, SigningKey, jwks
from kabinet.bus.rabbit import RabbitTransport
from kabinet.events import Envelope
from kabinet.metrics import EVENTS_HANDLED
from kabinet.runtime import ServiceRuntime
from kabinet.settings import MessagingSettings
from kabinet.testing.plugin import delete_broker_names
from kabinet.testing.scratch import fetch_value
from kabinet.testing.tcp_proxy import TcpProxy
from learning.bootstrap import build_runtime as learning_runtime
from learning.settings import LearningSettings

PG = (os.environ.get("KABINET_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres").replace(
    "postgresql+asyncpg://", "postgresql://")
AMQP = os.environ.get("KABINET_TEST_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/"
MONTH = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def month_of_lessons(count: int, groups: list[list[tuple[str, str]]], branch: str) -> list[Envelope]:
    """Lessons spread over a month, each with its group's students, published one by one by scheduling."""
    out = []
    for i in range(count):
        starts = MONTH + timedelta(days=i % 28, hours=i // 28)
        group = i % len(groups)
        out.append(Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling", payload={
            "lesson_id": str(uuid.uuid4()), "branch_id": branch, "group_id": f"group-{group}",
            "course_id": "english", "teacher_id": f"teacher-{group % 4}", "room_id": None, "lesson_type": "group",
            "charged_by_default": True, "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(), "price": {"amount": "700.00", "currency": "RUB"},
            "participants": [{"student_id": s, "family_id": f, "reason": "member",
                              "price": {"amount": "700.00", "currency": "RUB"}} for s, f in groups[group]]}))
    return out


async def scalar(url: str, sql: str) -> int:
    return int(await fetch_value(url, sql))


async def experiment(lessons: int, outage_s: float, run: str, urls: dict[str, str]) -> dict[str, Any]:
    ns = f"fault-{run}"
    messaging = MessagingSettings(amqp_url=AMQP, events_exchange=f"{ns}.events", queue_prefix=f"{ns}.")
    keys = KeySource(static=jwks([SigningKey.generate()]))
    async with TcpProxy.for_url(PG) as proxy:
        via = {name: proxy.url_for(url) for name, url in urls.items()}
        runtimes: dict[str, ServiceRuntime] = {
            "billing": billing_runtime(BillingSettings(database_url=via["billing"], messaging=messaging),
                                       key_source=keys),
            "learning": learning_runtime(LearningSettings(database_url=via["learning"], messaging=messaging),
                                         key_source=keys),
        }
        scheduling = RabbitTransport(messaging, catalogue=())  # publishes as scheduling's relay would
        failed_before = {n: EVENTS_HANDLED.labels(n, "failed")._value.get() for n in runtimes}
        try:
            for r in runtimes.values():
                await r.migrate()
                await r.start()
            for r in runtimes.values():
                await r.wait_ready(60)
            await scheduling.connect()
            branch = f"branch-{run}"
            groups = [[(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(6)] for _ in range(8)]
            for group in groups:
                for student, family in group:
                    await scheduling.publish(Envelope(
                        type="identity.student.registered", version=1, producer="identity",
                        payload={"student_id": student, "family_id": family, "first_name": "Child",
                                 "last_name": "Test", "branch_id": branch}))
            students = sum(len(g) for g in groups)
            while await scalar(urls["billing"], "SELECT count(*) FROM inbox") < students:
                await asyncio.sleep(0.1)

            month = month_of_lessons(lessons, groups, branch)
            expected_seats = sum(len(e.payload["participants"]) for e in month)
            first = max(1, lessons // 8)
            results = await scheduling.publish_batch(month[:first])
            await asyncio.sleep(0.05)  # the first batches are in the consumers' hands
            if outage_s > 0:
                await proxy.down()
            down_at = time.monotonic()
            results += await scheduling.publish_batch(month[first:])
            assert all(r is None for r in results), results
            if outage_s > 0:  # else: the baseline, how long the month takes without an outage
                await asyncio.sleep(max(0.0, outage_s - (time.monotonic() - down_at)))
                await proxy.up()
            up_at = time.monotonic()

            applied_sql = "SELECT count(*) FROM inbox WHERE routing_key = 'scheduling.lesson.scheduled.v1'"
            while True:
                counts = [await scalar(urls[n], applied_sql) for n in runtimes]
                if all(c >= lessons for c in counts) or time.monotonic() - up_at > 300:
                    break
                await asyncio.sleep(0.05)
            caught_up_s = time.monotonic() - up_at
            await asyncio.sleep(2.0)  # a late duplicate or dead letter would show now
            out: dict[str, Any] = {"outage_s": round(up_at - down_at, 1), "caught_up_s": round(caught_up_s, 1),
                                   "published": lessons}
            b, le = urls["billing"], urls["learning"]
            out["billing"] = {
                "lost": lessons - await scalar(b, applied_sql),
                "doubled": await scalar(b, "SELECT count(*) - count(DISTINCT (lesson_id, student_id)) "
                                           "FROM lesson_charges"),
                "charges": await scalar(b, "SELECT count(*) FROM lesson_charges"), "seats": expected_seats,
            }
            out["learning"] = {
                "lost": lessons - await scalar(le, applied_sql),
                "doubled": await scalar(le, "SELECT count(*) - count(DISTINCT (lesson_id, student_id)) "
                                            "FROM lesson_participants"),
                "participants": await scalar(le, "SELECT count(*) FROM lesson_participants"),
                "seats": expected_seats,
            }
            for name, runtime in runtimes.items():
                out[name]["dlq"] = len(await runtime.transport.dead_letters(name, limit=10_000))
                out[name]["failed_tries"] = int(EVENTS_HANDLED.labels(name, "failed")._value.get()
                                                - failed_before[name])
            return out
        finally:
            await scheduling.close()
            for r in runtimes.values():
                await r.stop()
            await delete_broker_names(AMQP, ns)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=320)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds; 0 = no outage (baseline)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)8.0fms %(levelname)s %(name)s %(message)s")
    logging.getLogger("kabinet.bus.rabbit").setLevel(logging.INFO)
    logging.getLogger("kabinet.outbox").setLevel(logging.ERROR)
    run = uuid.uuid4().hex[:8]
    urls = {n: PG.rsplit("/", 1)[0] + f"/fault_{run}_{n}" for n in ("billing", "learning")}
    conn = await asyncpg.connect(PG)
    try:
        for url in urls.values():
            await conn.execute(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    finally:
        await conn.close()
    try:
        out = await experiment(args.lessons, args.outage, run, urls)
    finally:
        conn = await asyncpg.connect(PG)
        for url in urls.values():
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await conn.close()
    print(f"{out['published']} lesson.scheduled published, database away {out['outage_s']} s"
          if args.outage > 0 else f"{out['published']} lesson.scheduled published, no outage (baseline)")
    for name in ("billing", "learning"):
        print(f"{name:8}: {out[name]}")
    print(f"everything applied {out['caught_up_s']} s after the database returned"
          if args.outage > 0 else f"everything applied {out['caught_up_s']} s after the month was published")


if __name__ == "__main__":
    asyncio.run(main())
