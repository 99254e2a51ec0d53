"""Billing's consumer alone on a month's lesson events: its Python CPU and its PostgreSQL's, without RabbitMQ.

    uv run python bench/billing_month.py [--branches 11 --groups 40 --students 10 --batch 100 --repeat 1]

The month of bench/schedule.py (11 branches x 40 groups x 10 students, 8 lessons per group: 3,520
``scheduling.lesson.scheduled.v1`` of 10 participants, 35,200 charges) handed to billing's consumer as the broker's
worker does (``inbox_batch_handler``: inbox claim, handlers, finish step, commit), in batches of ``--batch`` events,
one after the other, in this process - no broker, no relay, no other process competing for the same work. Families
of two students, their accounts opened by registrations first (not measured). Printed: this process's CPU
(time.process_time) and the CPU of billing's PostgreSQL backends (/proc, PostgreSQL on this machine) while it
charges: the two numbers bench/schedule.py's billing is bound by, with far less of the machine's noise in them.
Everything created is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from cabinet import cpu_ticks  # bench/cabinet.py: a process's CPU from /proc

from billing.adapters.tables import inbox
from billing.bootstrap import build_runtime
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.events import Envelope
from kabinet.inbox import inbox_batch_handler
from kabinet.process import collector_thresholds, settle_after_start_up

PG = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("KABINET_TEST_POSTGRES_URL") \
    or "postgresql://postgres@127.0.0.1:5432/postgres"


def _events(branches: int, groups: int, students: int) -> tuple[list[Envelope], list[Envelope]]:
    registrations: list[Envelope] = []
    lessons: list[Envelope] = []
    start = datetime(2027, 2, 1, 6, 0, tzinfo=UTC)
    for _ in range(branches):
        branch = str(uuid.uuid4())
        for g in range(groups):
            group = str(uuid.uuid4())
            roster = []
            for s in range(students):
                sid = str(uuid.uuid4())
                if s % 2 == 0:
                    family = str(uuid.uuid4())
                roster.append((sid, family))
                registrations.append(Envelope(type="identity.student.registered", version=1, producer="identity",
                                              payload={"student_id": sid, "family_id": family, "branch_id": branch,
                                                       "first_name": "A", "last_name": "B"}))
            for week in range(4):
                for day in (g % 3, g % 3 + 2):
                    at = start + timedelta(days=7 * week + day, minutes=30 * g)
                    lessons.append(Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling",
                                            payload={
                        "lesson_id": str(uuid.uuid4()), "branch_id": branch, "group_id": group, "course_id": "c",
                        "teacher_id": "t", "room_id": None, "lesson_type": "group", "charged_by_default": True,
                        "starts_at": at.isoformat(), "ends_at": (at + timedelta(hours=1)).isoformat(),
                        "price": {"amount": "1000.00", "currency": "RUB"},
                        "participants": [{"student_id": sid, "family_id": fam, "reason": "member",
                                          "price": {"amount": "1000.00", "currency": "RUB"}}
                                         for sid, fam in roster]}))
    lessons.sort(key=lambda e: e.payload["starts_at"])  # as a month is published: day by day across the chain
    return registrations, lessons


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--branches", type=int, default=11)
    ap.add_argument("--groups", type=int, default=40)
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1, help="months, each on a fresh database")
    args = ap.parse_args()
    base = PG.replace("postgresql+asyncpg://", "postgresql://")
    for _ in range(args.repeat):
        name = f"bench_{secrets.token_hex(4)}_billmonth"
        admin = await asyncpg.connect(base)
        await admin.execute(f'CREATE DATABASE "{name}"')
        if os.environ.get("BENCH_PG_LOG"):  # every statement of the database in the server's log, with its time
            await admin.execute(f'ALTER DATABASE "{name}" SET log_min_duration_statement = 0')
        url = f"{base.rsplit('/', 1)[0]}/{name}"
        runtime = build_runtime(BillingSettings(database_url=url.replace("postgresql://", "postgresql+asyncpg://")))
        try:
            await runtime.migrate()
            handle = inbox_batch_handler("billing", runtime.uow, inbox, HANDLERS)
            registrations, lessons = _events(args.branches, args.groups, args.students)
            for i in range(0, len(registrations), args.batch):
                await handle(registrations[i:i + args.batch])
            settle_after_start_up(collector_thresholds())  # as billing's process does once it has started
            pids = [r["pid"] for r in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", name)]
            pg0 = {pid: cpu_ticks(pid) for pid in pids}
            cpu0, t0 = time.process_time(), time.perf_counter()
            for i in range(0, len(lessons), args.batch):
                await handle(lessons[i:i + args.batch])
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
            pids = [r["pid"] for r in await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", name)]
            pg = sum(cpu_ticks(pid) - pg0.get(pid, 0) for pid in pids) / os.sysconf("SC_CLK_TCK")
            conn = await asyncpg.connect(url)
            charges = await conn.fetchval("SELECT count(*) FROM lesson_charges")
            await conn.close()
            print(f"{len(lessons)} lesson events, {charges} charges, batches of {args.batch}: wall {wall:.2f} s, "
                  f"billing's Python CPU {cpu:.2f} s, its PostgreSQL backends' CPU {pg:.2f} s "
                  f"(load {os.getloadavg()[0]:.1f})")
        finally:
            await runtime.engine.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
