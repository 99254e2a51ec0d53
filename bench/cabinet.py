"""The family cabinet under load: the system as in production, measured from outside.

    uv run python bench/cabinet.py [--scale 1.0] [--duration 60] [--clients 30] [--keep]
    uv run python bench/cabinet.py --scale 0.1 --duration 10     # a quick run (4 groups a branch, 10 s)

The system: the four services (`kabinet-<name> serve`) and the gateway (`kabinet-gateway serve`) as separate OS
processes, each on its own PostgreSQL database, on RabbitMQ, with their production settings (identity's Ed25519
key, the services verifying tokens with identity's JWKS, billing's webhook secret, the gateway's shared secret).

The data: a chain of 11 branches (11 time zones) x 40 groups x 10 students (4,400 students; `--scale` multiplies
the groups), families of 1-3 children of a branch, a school year (1 September - 31 May around today) of two
90-minute lessons a week per group. Lessons up to the end of this month are published: billing knows them and
charged every participant (a ledger transaction with two entries each, a payment on the 1st of each month),
learning has a sheet for every past lesson (summary, homework, attendance, a grade on the five-point scale per
student); later lessons are drafts only scheduling has. Seeding writes each service's tables directly with
PostgreSQL COPY after its own migrations (`kabinet-<name> migrate`), with triggers off for the session
(`session_replication_role = replica`, so billing's append-only and balance checks do not run per row; the rows
are built to satisfy them: every transaction's entries sum to zero, each account's balance is its entries' sum),
then ANALYZE. Nothing goes through the services' use cases: set-up is not measured. ~1 minute at scale 1.

The load: autocannon (tests/node/cabinet-load.mjs, its own Node process) with `--clients` connections for
`--duration` seconds against the gateway: 60% the family cabinet's home query (the web app's persisted `Cabinet`
document from web/src/gql/persisted-documents.json with a child's home; HOME below without web/), 20% the month's
lesson list, 10% the statement page, 5% lesson-sheet saves (a teacher, 10 students' marks) and 5% payments (a
branch admin). Guardians of `--families` random families, each with their own token. The clock starts after
`--warmup` seconds (15) of the same load: the steady state is measured; the cold start before it (a gateway just
started, its cache empty) is printed apart.

It prints requests/s and p50/p99 per operation, CPU ms per request per process (/proc/<pid>/stat before and
after: the gateway, each service, and PostgreSQL machine-wide — other sessions on the same server count too),
database operations per request per service (the kit's `kabinet_db_operations_total` on each /metrics: SQL
statements, BEGIN/COMMIT/ROLLBACK, pool checkouts, new connections; idle background work such as outbox polling
measured before the load and subtracted), and the floor: the same reads served by one minimal Starlette + asyncpg
process (bench/cabinet_floor.py) under the same read mix, with our read throughput as a ratio of it.
`--explain` prints EXPLAIN ANALYZE of the cabinet's hot queries on the generated data.
Servers: BENCH_POSTGRES_URL / BENCH_AMQP_URL (or KABINET_TEST_*). Everything created is removed unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aio_pika
import asyncpg
import httpx

from kabinet.auth import Principal, Role, SigningKey
from kabinet.testing.net import free_port, stop_processes, wait_ready
from kabinet.testing.stack import token_for

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NODE_DIR = ROOT / "tests" / "node"
PG = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("KABINET_TEST_POSTGRES_URL") \
    or "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = os.environ.get("BENCH_AMQP_URL") or os.environ.get("KABINET_TEST_AMQP_URL") \
    or "amqp://guest:guest@127.0.0.1:5672/"
SERVICES = ("identity", "scheduling", "billing", "learning")
ZONES = ("Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
         "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
         "Asia/Magadan")
# Two lessons a week per group (weekday numbers), spread so a branch's teachers never clash.
SLOTS = [(days, hour) for days in ((0, 2), (1, 3), (2, 4), (0, 3), (1, 4)) for hour in range(9, 21, 2)]
PRICE = Decimal("1000.00")
TICK = os.sysconf("SC_CLK_TCK")

# The family cabinet's home page in one query: the family, its account and last statement lines, each child's
# balance, lessons left and booked, the next lessons in a 60-day window and homework.
HOME = """query CabinetHome($id: ID!, $from: DateTime!, $to: DateTime!) {
  family(id: $id) {
    id guardianPhone
    account { balance { amount currency } inDebt }
    statement(first: 10, order: NEWEST_FIRST) {
      edges { node { id at kind description amount { amount currency } balanceAfter { amount } } }
    }
    students {
      id firstName lastName
      familyBalance { amount currency }
      remainingLessons
      upcomingLessonsCount
      lessons(from: $from, to: $to, first: 10) {
        totalCount edges { node { id startsAt endsAt status groupId teacherId price { amount } } }
      }
      homework { lessonId assignedAt text status }
    }
  }
}"""
WEB_DOCUMENTS = ROOT / "web" / "src" / "gql" / "persisted-documents.json"


def home_document() -> tuple[str, bool]:
    """The web cabinet's home query, exactly the document it sends (its persisted `Cabinet` operation with a
    child's home), when web/ is there; else HOME, the issue's description of it."""
    with contextlib.suppress(OSError, ValueError):
        for doc in json.loads(WEB_DOCUMENTS.read_text()).values():
            if "query Cabinet(" in doc:
                return str(doc), True
    return HOME, False


LESSONS = """query MonthLessons($f: LessonsFilter!) {
  lessons(filter: $f, first: 50) {
    totalCount edges { node { id startsAt endsAt status groupId teacherId price { amount } summary homework } }
  }
}"""
STATEMENT = """query Statement($id: ID!) {
  familyAccount(familyId: $id) { balance { amount currency } creditLimit { amount } inDebt }
  familyStatement(familyId: $id, first: 50, order: NEWEST_FIRST) {
    edges { node { id at kind description amount { amount } balanceAfter { amount } lessonId studentId } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SAVE_SHEET = """mutation SaveSheet($i: SaveLessonSheetInput!) {
  saveLessonSheet(input: $i) { sheet { lessonId revision } errors { code } }
}"""
PAY = """mutation Pay($i: RecordPaymentInput!) {
  recordPayment(input: $i) { payment { id } balanceAfter { amount } errors { code } }
}"""
READS = ("home", "lessons", "statement")
MIX = (("home", 60), ("lessons", 20), ("statement", 10), ("save_sheet", 5), ("payment", 5))


_IDS = random.Random(0)


def uid() -> str:
    """Ids from a seeded generator: the same chain every run (so --reuse finds the ids it seeded)."""
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


# -- the generated chain ------------------------------------------------------------------------------------------

@dataclass
class Group:
    id: str
    branch: int
    teacher: str
    students: list[str]
    lessons: list[tuple[str, datetime, date]] = field(default_factory=list)  # (id, starts_at UTC, local date)


@dataclass
class Chain:
    branches: list[tuple[str, str]]  # (id, time zone)
    groups: list[Group]
    family_of: dict[str, str]  # student -> family
    families: dict[str, list[str]]  # family -> students
    branch_of_family: dict[str, int]
    year: tuple[date, date]
    published_until: datetime  # lessons starting before are published (billing and learning know them)
    now: datetime


def school_year(today: date) -> tuple[date, date]:
    start = date(today.year if today.month >= 8 else today.year - 1, 9, 1)
    return start, date(start.year + 1, 5, 31)


def generate(n_branches: int, n_groups: int, n_students: int, rng: random.Random) -> Chain:
    now = datetime.now(UTC)
    year = school_year(now.date())
    nxt = date(now.year + (now.month == 12), now.month % 12 + 1, 1)
    published_until = datetime(nxt.year, nxt.month, nxt.day, tzinfo=UTC)
    branches = [(uid(), ZONES[b % len(ZONES)]) for b in range(n_branches)]
    groups: list[Group] = []
    family_of: dict[str, str] = {}
    families: dict[str, list[str]] = {}
    branch_of_family: dict[str, int] = {}
    for b, (_bid, zone) in enumerate(branches):
        tz = ZoneInfo(zone)
        kids = [uid() for _ in range(n_groups * n_students)]
        order = kids[:]
        rng.shuffle(order)  # siblings study in different groups of their branch
        i = 0
        while i < len(order):
            fam = uid()
            size = min(rng.choice((1, 1, 2, 2, 3)), len(order) - i)
            families[fam] = order[i:i + size]
            branch_of_family[fam] = b
            for s in order[i:i + size]:
                family_of[s] = fam
            i += size
        for g in range(n_groups):
            group = Group(uid(), b, uid(), kids[g * n_students:(g + 1) * n_students])
            days, hour = SLOTS[g % len(SLOTS)]
            day = year[0]
            while day <= year[1]:
                if day.weekday() in days:
                    local = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
                    group.lessons.append((uid(), local.astimezone(UTC), day))
                day += timedelta(days=1)
            groups.append(group)
    return Chain(branches, groups, family_of, families, branch_of_family, year, published_until, now)


async def copy(conn: asyncpg.Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        await conn.copy_records_to_table(table, records=rows, columns=columns)


async def seed(chain: Chain, dsns: dict[str, str], rng: random.Random) -> dict[str, int]:
    """Write every service's rows with COPY (see the module's docstring)."""
    counts: dict[str, int] = {}
    created = chain.year[0] - timedelta(days=7)
    t0 = datetime(created.year, created.month, created.day, tzinfo=UTC)
    conns = {s: await asyncpg.connect(dsns[s]) for s in SERVICES}
    try:
        for c in conns.values():
            await c.execute("SET session_replication_role = replica")
        # identity
        c = conns["identity"]
        await copy(c, "branches", ["id", "name", "city", "time_zone", "address", "created_at"],
                   [(b, f"Branch {i}", f"City {i}", z, "-", t0) for i, (b, z) in enumerate(chain.branches)])
        await copy(c, "staff", ["id", "role", "first_name", "last_name", "email", "created_at"],
                   [(g.teacher, "teacher", "T", f"T{i}", f"t{i}@bench.example", t0)
                    for i, g in enumerate(chain.groups)])
        await copy(c, "staff_branches", ["staff_id", "branch_id"],
                   [(g.teacher, chain.branches[g.branch][0]) for g in chain.groups])
        fams = list(chain.families)
        await copy(c, "families", ["id", "guardian_phone", "created_at", "origin", "access_open"],
                   [(f, f"+7900{i:07d}", t0, "staff", True) for i, f in enumerate(fams)])
        await copy(c, "guardians", ["id", "family_id", "phone", "first_name", "last_name", "is_payer", "created_at"],
                   [(uid(), f, f"+7900{i:07d}", "G", f"F{i}", True, t0) for i, f in enumerate(fams)])
        student_rows = [(s, f, "S", f"F{i}", date(2015, 1, 1) + timedelta(days=i % 1500),
                         chain.branches[chain.branch_of_family[f]][0], t0)
                        for i, (s, f) in enumerate(chain.family_of.items())]
        await copy(c, "students", ["id", "family_id", "first_name", "last_name", "birth_date", "branch_id",
                                   "created_at"], student_rows)
        await copy(c, "teachings", ["teacher_id", "student_id", "since"],
                   [(g.teacher, s, t0) for g in chain.groups for s in g.students])
        counts["identity students"] = len(student_rows)
        # scheduling
        c = conns["scheduling"]
        await copy(c, "branches", ["id", "name", "time_zone"],
                   [(b, f"Branch {i}", z) for i, (b, z) in enumerate(chain.branches)])
        await copy(c, "students", ["id", "family_id", "branch_id", "first_name", "last_name"],
                   [(s, f, b, fn, ln) for s, f, fn, ln, _bd, b, _c in student_rows])
        await copy(c, "staff", ["id", "role", "branch_ids", "first_name", "last_name"],
                   [(g.teacher, "teacher", json.dumps([chain.branches[g.branch][0]]), "T", "B") for g in chain.groups])
        await copy(c, "groups", ["id", "branch_id", "teacher_id", "name", "capacity", "price", "currency"],
                   [(g.id, chain.branches[g.branch][0], g.teacher, f"G{i}", len(g.students), PRICE, "RUB")
                    for i, g in enumerate(chain.groups)])
        await copy(c, "memberships", ["id", "group_id", "student_id", "family_id", "starts_on", "reason"],
                   [(uid(), g.id, s, chain.family_of[s], chain.year[0], "member") for g in chain.groups
                    for s in g.students])
        lesson_rows: list[tuple[Any, ...]] = []
        part_rows: list[tuple[Any, ...]] = []
        for g in chain.groups:
            bid = chain.branches[g.branch][0]
            for lid, starts, local in g.lessons:
                lesson_rows.append((lid, bid, g.id, g.teacher, "group", "group", True, starts,
                                    starts + timedelta(minutes=90), local, PRICE, "RUB", len(g.students),
                                    "scheduled", starts < chain.published_until, False))
                part_rows.extend((lid, s, chain.family_of[s], "member", PRICE, "RUB") for s in g.students)
        await copy(c, "lessons", ["id", "branch_id", "group_id", "teacher_id", "lesson_type", "kind",
                                  "charged_by_default", "starts_at", "ends_at", "local_date", "price", "currency",
                                  "capacity", "status", "published", "bookable"], lesson_rows)
        await copy(c, "participants", ["lesson_id", "student_id", "family_id", "reason", "price", "currency"],
                   part_rows)
        counts["scheduling lessons"], counts["scheduling participants"] = len(lesson_rows), len(part_rows)
        # billing: accounts, the lessons it knows, a charge per participant, a payment on each month's 1st
        c = conns["billing"]
        await copy(c, "branches", ["id", "name", "time_zone"],
                   [(b, f"Branch {i}", z) for i, (b, z) in enumerate(chain.branches)])
        await copy(c, "students", ["id", "family_id", "branch_id", "display_name"],
                   [(s, f, b, "S F") for s, f, _fn, _ln, _bd, b, _c in student_rows])
        account = {f: uid() for f in chain.families}
        published = [(g, lid, starts) for g in chain.groups for lid, starts, _ in g.lessons
                     if starts < chain.published_until]
        await copy(c, "lessons", ["id", "branch_id", "group_id", "teacher_id", "lesson_type", "charged_by_default",
                                  "starts_at", "price", "currency"],
                   [(lid, chain.branches[g.branch][0], g.id, g.teacher, "group", True, starts, PRICE, "RUB")
                    for g, lid, starts in published])
        await copy(c, "lesson_participants", ["lesson_id", "student_id", "family_id", "price", "currency"],
                   [(lid, s, chain.family_of[s], PRICE, "RUB") for g, lid, _ in published for s in g.students])
        # (time, family, kind, amount, student, lesson, branch)
        ops: list[tuple[datetime, str, str, Decimal, str | None, str | None, str]] = []
        for g, lid, starts in published:
            bid = chain.branches[g.branch][0]
            # charged when the month was published: the last days of the month before
            at = datetime(starts.year, starts.month, 1, tzinfo=UTC) - timedelta(days=2)
            ops.extend((at + timedelta(microseconds=rng.randrange(10**9)), chain.family_of[s], "lesson_charge",
                        -PRICE, s, lid, bid) for s in g.students)
        month = datetime(chain.year[0].year, chain.year[0].month, 1, tzinfo=UTC)
        while month < chain.published_until:
            for f, kids in chain.families.items():
                ops.append((month + timedelta(hours=10, microseconds=rng.randrange(10**9)), f, "payment",
                            PRICE * 8 * len(kids), None, None, chain.branches[chain.branch_of_family[f]][0]))
            month = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
        ops.sort(key=lambda o: o[0])
        balance: dict[str, Decimal] = defaultdict(Decimal)
        tx_rows: list[tuple[Any, ...]] = []
        entry_rows: list[tuple[Any, ...]] = []
        charge_rows: list[tuple[Any, ...]] = []
        pay_rows: list[tuple[Any, ...]] = []
        for at, f, kind, amount, stu, lesson, bid in ops:
            tx = uid()
            balance[f] += amount
            acc = account[f]
            if kind == "lesson_charge":
                desc = "Lesson"
                entry_rows.append((uid(), tx, acc, "family", amount, "RUB", desc, at))
                entry_rows.append((uid(), tx, None, "revenue:lessons", -amount, "RUB", desc, at))
                charge_rows.append((uid(), lesson, stu, f, bid, PRICE, "RUB", tx, f"{lesson}:{stu}", at))
                tx_rows.append((tx, acc, f, kind, desc, amount, "RUB", balance[f], bid, stu, lesson, None, at))
            else:
                desc, pay = "Payment (cash)", uid()
                entry_rows.append((uid(), tx, acc, "family", amount, "RUB", desc, at))
                entry_rows.append((uid(), tx, None, "funds:cash", -amount, "RUB", desc, at))
                pay_rows.append((pay, acc, f, bid, amount, "RUB", "cash", tx, "bench", at))
                tx_rows.append((tx, acc, f, kind, desc, amount, "RUB", balance[f], bid, None, None, pay, at))
        await copy(c, "accounts", ["id", "family_id", "currency", "balance", "opened_at"],
                   [(account[f], f, "RUB", balance[f], t0) for f in chain.families])
        await copy(c, "ledger_transactions", ["id", "account_id", "family_id", "kind", "description", "amount",
                                              "currency", "balance_after", "branch_id", "student_id", "lesson_id",
                                              "payment_id", "created_at"], tx_rows)
        await copy(c, "ledger_entries", ["id", "transaction_id", "account_id", "ledger_account", "amount", "currency",
                                         "description", "created_at"], entry_rows)
        await copy(c, "lesson_charges", ["id", "lesson_id", "student_id", "family_id", "branch_id", "amount",
                                         "currency", "transaction_id", "active_key", "created_at"], charge_rows)
        await copy(c, "payments", ["id", "account_id", "family_id", "branch_id", "amount", "currency", "method",
                                   "transaction_id", "received_by", "received_at"], pay_rows)
        counts["billing transactions"], counts["billing entries"] = len(tx_rows), len(entry_rows)
        # learning: the published lessons, their rosters, a sheet with marks for each past one
        c = conns["learning"]
        await copy(c, "students", ["id", "family_id", "branch_id", "erased"],
                   [(s, f, b, False) for s, f, _fn, _ln, _bd, b, _c in student_rows])
        await copy(c, "lessons", ["id", "branch_id", "group_id", "teacher_id", "lesson_type", "charged_by_default",
                                  "starts_at", "ends_at", "cancelled", "event_at"],
                   [(lid, chain.branches[g.branch][0], g.id, g.teacher, "group", True, starts,
                     starts + timedelta(minutes=90), False, t0) for g, lid, starts in published])
        # starts_at: the lesson's, as learning's projection keeps it (a student's windows are read by it).
        await copy(c, "lesson_participants", ["lesson_id", "student_id", "family_id", "reason", "active", "event_at",
                                              "starts_at"],
                   [(lid, s, chain.family_of[s], "member", True, t0, starts) for g, lid, starts in published
                    for s in g.students])
        sheet_rows, mark_rows = [], []
        for n, (g, lid, starts) in enumerate(published):
            ends = starts + timedelta(minutes=90)
            if ends > chain.now:
                continue
            sheet_rows.append((lid, f"Unit {n % 40}: reading and speaking", f"Exercises {n % 97}, page {n % 200}",
                               1, True, ends, g.teacher))
            for s in g.students:
                absent = rng.random() < 0.1
                mark_rows.append((lid, s, "absent" if absent else "present", None if absent else "yes",
                                  None if absent else rng.choice((3, 4, 4, 5, 5)), None if absent else "five_point"))
        await copy(c, "sheets", ["lesson_id", "summary", "homework", "revision", "conducted", "updated_at",
                                 "updated_by"], sheet_rows)
        await copy(c, "sheet_marks", ["lesson_id", "student_id", "attendance", "homework_done", "grade",
                                      "grade_scale"], mark_rows)
        counts["learning sheets"], counts["learning marks"] = len(sheet_rows), len(mark_rows)
        for c in conns.values():
            await c.execute("ANALYZE")
    finally:
        for c in conns.values():
            await c.close()
    return counts


# -- processes --------------------------------------------------------------------------------------------------

def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(_dsn(PG))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def speed_probe() -> str:
    """A fixed pure-Python workload's time in this process: the VM's speed varies between sessions by up to 3x
    (same code, CPU per request 1.9 and 6.5 ms), so every printout says how fast the machine was."""
    started = time.process_time()
    for i in range(200_000):
        hashlib.sha1(json.dumps({"i": i, "s": "kabinet"}).encode()).digest()
    return f"speed probe (200,000 x json.dumps + sha1 in one process): {time.process_time() - started:.2f} s CPU"


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process and its live children (clock ticks)."""
    total = 0
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                for child in (task / "children").read_text().split():
                    total += cpu_ticks(int(child))
    return total


def postgres_ticks(postmaster: int) -> int:
    """Every PostgreSQL process's CPU, plus what exited backends used (the postmaster's cutime + cstime)."""
    total = 0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (p / "stat").read_text()
            name, rest = stat.split("(", 1)[1].rsplit(")", 1)
            fields = rest.split()
            if name == "postgres" or int(p.name) == postmaster:
                total += int(fields[11]) + int(fields[12])
                if int(p.name) == postmaster:
                    total += int(fields[13]) + int(fields[14])
    return total


async def find_postmaster() -> int:
    """The PostgreSQL process whose parent is not one (pg_backend_pid() may be another PID namespace's)."""
    names: dict[int, tuple[str, int]] = {}
    for p in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            if p.name.isdigit():
                stat = (p / "stat").read_text()
                name, rest = stat.split("(", 1)[1].rsplit(")", 1)
                names[int(p.name)] = (name, int(rest.split()[1]))
    roots = [pid for pid, (name, ppid) in names.items()
             if name == "postgres" and names.get(ppid, ("", 0))[0] != "postgres"]
    if not roots:
        raise RuntimeError("no PostgreSQL process visible on this machine: its CPU cannot be measured")
    return min(roots)


async def db_operations(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    text = (await client.get(url)).text
    out: dict[str, float] = {}
    for m in re.finditer(r'^kabinet_db_operations_total\{kind="(\w+)"\} ([0-9.e+]+)$', text, re.M):
        out[m.group(1)] = float(m.group(2))
    for m in re.finditer(r'^kabinet_graphql_validation_cache\{outcome="(\w+)"\} ([0-9.e+]+)$', text, re.M):
        out[f"validation_{m.group(1)}"] = float(m.group(2))
    return out


def cache_lookups(text: str) -> dict[str, float]:
    """The gateway's entity-cache lookups by result (hit, miss, ...) from its /metrics text; the response
    layer's as `response_<result>`."""
    return {("response_" if m.group(1) else "") + m.group(2): float(m.group(3)) for m in re.finditer(
        r'^gateway_(?:entity|(response))_cache_lookups_total\{result="(\w+)"\} ([0-9.e+]+)$', text, re.M)}


def gateway_timings(text: str) -> dict[str, float]:
    """From the gateway's /metrics text: calls to each subgraph and their summed seconds (`<subgraph>_count/_sum`),
    and the waits for an execution slot (`admission_count/_sum`): where a request's time went."""
    out = {f"{m.group(2)}_{m.group(1)}": float(m.group(3)) for m in re.finditer(
        r'^gateway_subgraph_request_seconds_(count|sum)\{subgraph="(\w+)"\} ([0-9.e+]+)$', text, re.M)}
    out.update({f"admission_{m.group(1)}": float(m.group(2)) for m in re.finditer(
        r'^gateway_admission_wait_seconds_(count|sum) ([0-9.e+]+)$', text, re.M)})
    return out


@dataclass
class System:
    procs: dict[str, subprocess.Popen[bytes]]
    ports: dict[str, int]
    gateway_url: str
    key: SigningKey


async def start_system(dsns: dict[str, str], ns: str, logs: Path) -> System:
    key = SigningKey.generate()
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    base = {**os.environ, "AMQP_URL": AMQP, "EVENTS_EXCHANGE": f"{ns}.events", "QUEUE_PREFIX": f"{ns}.",
            "LOG_LEVEL": "WARNING", "KABINET_DATA_DIR": str(logs),
            "JWKS_URL": f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
            "BILLING_PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(32),
            "KABINET_GATEWAY_SECRET": secrets.token_hex(32),  # the subgraphs answer only the gateway
            "IDENTITY_DEV_MAILBOX": "true"}  # no SMS provider or SMTP: codes kept in identity's memory
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name in SERVICES:
        env = {**base, f"{name.upper()}_DATABASE_URL": dsns[name]}
        if name == "identity":
            env["IDENTITY_JWT_PRIVATE_KEY"] = key.to_pem()
        out = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - the process writes to it until it stops
        procs[name] = subprocess.Popen([str(BIN / f"kabinet-{name}"), "serve", "--host", "127.0.0.1", "--port",
                                        str(ports[name])], env=env, stdout=out, stderr=out)
    try:  # a slow start on a busy machine; a failed one leaves no process behind
        for name in SERVICES:
            await wait_ready(f"http://127.0.0.1:{ports[name]}/readyz", procs[name], timeout_s=240)
        env = {**base, "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(ports["gateway"]),
               "GATEWAY_SUBGRAPHS": ",".join(f"{n}=http://127.0.0.1:{ports[n]}/graphql" for n in SERVICES)}
        out = open(logs / "gateway.log", "wb")  # noqa: SIM115
        procs["gateway"] = subprocess.Popen([str(BIN / "kabinet-gateway"), "serve"], env=env, stdout=out,
                                            stderr=out)
        await wait_ready(f"http://127.0.0.1:{ports['gateway']}/readyz", procs["gateway"], timeout_s=240)
    except BaseException:
        for p in procs.values():
            p.terminate()
        raise
    return System(procs, ports, f"http://127.0.0.1:{ports['gateway']}/graphql", key)


def start_floor(dsns: dict[str, str], logs: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, **{f"FLOOR_{s.upper()}_DSN": _dsn(dsns[s]) for s in SERVICES}}
    out = open(logs / "floor.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "cabinet_floor:app",
                             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
                            env=env, stdout=out, stderr=out)
    return proc, port


# -- the load ---------------------------------------------------------------------------------------------------

def requests_for(chain: Chain, key: SigningKey, n_families: int, rng: random.Random,
                 floor: bool = False, families: list[str] | None = None) -> list[dict[str, Any]]:
    fams = families if families is not None else rng.sample(list(chain.families), min(n_families, len(chain.families)))
    now = chain.now
    month = datetime(now.year, now.month, 1, tzinfo=UTC)
    month_end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    window = (now.isoformat(), (now + timedelta(days=60)).isoformat())
    home, lessons, statement = [], [], []
    document, web = home_document()
    hour = now.replace(minute=0, second=0, microsecond=0)
    for f in fams:
        kids = chain.families[f]
        tok = "Bearer " + token_for(key, Principal(user_id=f"g-{f}", role=Role.GUARDIAN, family_id=f,
                                                   student_ids=frozenset(kids)), ttl_s=7200)
        if floor:
            home.append({"auth": tok, "body": json.dumps({"op": "home", "family": f, "from": window[0],
                                                          "to": window[1]})})
            lessons.append({"auth": tok, "body": json.dumps({"op": "lessons", "family": f,
                                                             "from": month.isoformat(), "to": month_end.isoformat()})})
            statement.append({"auth": tok, "body": json.dumps({"op": "statement", "family": f})})
            continue
        if web:  # the web app: one child's home with the family's frame, as after sign-in
            home.append({"auth": tok, "body": json.dumps({"query": document, "variables": {
                "studentId": rng.choice(kids), "withHome": True, "from": hour.isoformat(),
                "to": (hour + timedelta(days=60)).isoformat()}})})
        else:
            home.append({"auth": tok, "body": json.dumps({"query": HOME, "variables": {
                "id": f, "from": window[0], "to": window[1]}})})
        lessons.append({"auth": tok, "body": json.dumps({"query": LESSONS, "variables": {"f": {
            "familyId": f, "from": month.isoformat(), "to": month_end.isoformat()}}})})
        statement.append({"auth": tok, "body": json.dumps({"query": STATEMENT, "variables": {"id": f}})})
    ops = [{"name": "home", "weight": 60, "requests": home}, {"name": "lessons", "weight": 20, "requests": lessons},
           {"name": "statement", "weight": 10, "requests": statement}]
    if floor:
        return ops
    sheets, pays = [], []
    for g in rng.sample(chain.groups, min(len(chain.groups), n_families)):
        bid = chain.branches[g.branch][0]
        past = [lid for lid, starts, _ in g.lessons if starts + timedelta(minutes=90) < now][-8:]
        teacher = "Bearer " + token_for(key, Principal(user_id=f"t-{g.teacher}", role=Role.TEACHER,
                                                      staff_id=g.teacher, branch_ids=frozenset({bid})), ttl_s=7200)
        for lid in past:
            sheets.append({"auth": teacher, "body": json.dumps({"query": SAVE_SHEET, "variables": {"i": {
                # Each save changes the sheet (its homework, about two grades in three), as a teacher's does, on
                # fresh or reused databases alike: a sheet saved again unchanged publishes nothing.
                "lessonId": lid, "summary": "Unit: reading", "homework": "Exercises 1-5 (__N__)",
                "idempotencyKey": "__N__",
                "students": [{"studentId": s, "attendance": "PRESENT", "homeworkDone": "YES", "grade": "__G__"}
                             for s in g.students]}}})})
    for f in fams:
        bid = chain.branches[chain.branch_of_family[f]][0]
        adm = "Bearer " + token_for(key, Principal(user_id=f"a-{bid}", role=Role.BRANCH_ADMIN,
                                                  branch_ids=frozenset({bid})), ttl_s=7200)
        pays.append({"auth": adm, "body": json.dumps({"query": PAY, "variables": {"i": {
            "familyId": f, "amount": "1000.00", "method": "CASH", "idempotencyKey": "__N__", "branchId": bid}}})})
    return [*ops, {"name": "save_sheet", "weight": 5, "requests": sheets},
            {"name": "payment", "weight": 5, "requests": pays}]


async def autocannon(url: str, ops: list[dict[str, Any]], clients: int, duration: int,
                     trace: str | None = None) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / "cabinet-load.mjs"), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=str(NODE_DIR))
    out, err = await proc.communicate(json.dumps({"url": url, "connections": clients, "duration": duration,
                                                  "ops": ops, "trace": trace}).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {err.decode()[-2000:]}")
    return dict(json.loads(out))


async def measure(system: System, ops: list[dict[str, Any]], args: argparse.Namespace,
                  postmaster: int) -> dict[str, Any]:
    metrics = {s: f"http://127.0.0.1:{system.ports[s]}/metrics" for s in SERVICES}
    async with httpx.AsyncClient(timeout=30) as client:
        # A short warm-up (plans, pools), then the cache's cold start: the same mix and clients for --warmup
        # seconds, measured and printed apart (the steady state is what the clock measures; a restarted gateway
        # goes through the cold start once), then the background rate of database work with no requests.
        await autocannon(system.gateway_url, [o for o in ops if o["name"] in READS], min(args.clients, 4), 3)
        cold = await autocannon(system.gateway_url, ops, args.clients, args.warmup) if args.warmup else None
        await asyncio.sleep(1)
        idle0 = {s: await db_operations(client, u) for s, u in metrics.items()}
        await asyncio.sleep(3)
        idle1 = {s: await db_operations(client, u) for s, u in metrics.items()}
        gateway_metrics = f"http://127.0.0.1:{system.ports['gateway']}/metrics"
        text = (await client.get(gateway_metrics)).text
        lookups0, timings0 = cache_lookups(text), gateway_timings(text)
        cpu0 = {n: cpu_ticks(p.pid) for n, p in system.procs.items()}
        pg0 = postgres_ticks(postmaster)
        t0 = time.perf_counter()
        spies = start_profiles(args, system)
        load = await autocannon(system.gateway_url, ops, args.clients, args.duration, args.trace)
        elapsed = time.perf_counter() - t0
        cpu1 = {n: cpu_ticks(p.pid) for n, p in system.procs.items()}
        pg1 = postgres_ticks(postmaster)
        ops1 = {s: await db_operations(client, u) for s, u in metrics.items()}
        text = (await client.get(gateway_metrics)).text
        lookups1, timings1 = cache_lookups(text), gateway_timings(text)
    profiles = finish_profiles(spies)
    n = max(1, load["requests"])
    cpu = {name: (cpu1[name] - cpu0[name]) * 1000 / TICK / n for name in system.procs}
    cpu["postgresql"] = (pg1 - pg0) * 1000 / TICK / n
    db: dict[str, dict[str, float]] = {}
    for s in SERVICES:
        kinds = set(ops1[s]) | set(idle0[s])
        db[s] = {}
        for k in kinds:
            background = (idle1[s].get(k, 0) - idle0[s].get(k, 0)) / 3 * elapsed
            db[s][k] = max(0.0, ops1[s].get(k, 0) - idle1[s].get(k, 0) - background) / n
    cache = {k: v - lookups0.get(k, 0.0) for k, v in lookups1.items()}
    timings = {k: v - timings0.get(k, 0.0) for k, v in timings1.items()}
    return {"load": load, "cpu_ms": cpu, "db": db, "profiles": profiles, "cache": cache, "cold": cold,
            "timings": timings}


STATEMENT_KINDS = ("select", "insert", "update", "delete", "other")


async def statements_by_family_size(system: System, chain: Chain,
                                    rng: random.Random) -> dict[str, dict[int, dict[str, float]]]:
    """SQL statements each read sends to each service, for families of 1, 2 and 3 children: one request at a
    time before the load (nothing is cached yet), the fewest of three families
    (a background statement such as the outbox poll can only add). The count must not grow with the children,
    nor with the chain (compare runs at two --scale)."""
    metrics = {s: f"http://127.0.0.1:{system.ports[s]}/metrics" for s in SERVICES}
    out: dict[str, dict[int, dict[str, float]]] = {op: {} for op in READS}
    async with httpx.AsyncClient(timeout=30) as client:
        for size in (1, 2, 3):
            pool = [f for f, kids in chain.families.items() if len(kids) == size]
            fams = rng.sample(pool, min(3, len(pool)))
            if not fams:
                continue
            for op in requests_for(chain, system.key, 0, rng, families=fams):
                if op["name"] not in READS:
                    continue
                counts: list[dict[str, float]] = []
                for req in op["requests"]:
                    before = {s: await db_operations(client, u) for s, u in metrics.items()}
                    r = await client.post(system.gateway_url, content=req["body"], headers={
                        "authorization": req["auth"], "content-type": "application/json"})
                    r.raise_for_status()
                    after = {s: await db_operations(client, u) for s, u in metrics.items()}
                    counts.append({s: sum(after[s].get(k, 0) - before[s].get(k, 0) for k in STATEMENT_KINDS)
                                   for s in SERVICES})
                out[op["name"]][size] = {s: min(c[s] for c in counts) for s in SERVICES}
    return out


def report_statements(table: dict[str, dict[int, dict[str, float]]]) -> None:
    print("\nSQL statements per read by family size (one request at a time, nothing cached; "
          "identity/scheduling/billing/learning):")
    grows = False
    for op, by_size in table.items():
        cells = []
        for size, per in sorted(by_size.items()):
            cells.append(f"{size} child{'ren' if size > 1 else ''}: " + "/".join(f"{per[s]:.0f}" for s in SERVICES)
                         + f" = {sum(per.values()):.0f}")
        totals = [sum(per.values()) for per in by_size.values()]
        grows |= bool(totals) and max(totals) > min(totals)
        print(f"  {op:<10} " + "; ".join(cells))
    print(f"  grows with the family: {'YES' if grows else 'no'}")


def start_profiles(args: argparse.Namespace, system: System) -> dict[str, tuple[subprocess.Popen[bytes], Path]]:
    if not args.py_spy:
        return {}
    spies = {}
    for name, proc in system.procs.items():
        out = Path(f"/tmp/bench_cabinet_profile_{name}.txt")
        spies[name] = (subprocess.Popen([args.py_spy, "record", "--pid", str(proc.pid), "--duration",
                                         str(max(5, args.duration - 5)), "--rate", "50", "--format", "raw",
                                         "--nonblocking", "--output", str(out)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), out)
    return spies


def finish_profiles(spies: dict[str, tuple[subprocess.Popen[bytes], Path]]) -> dict[str, list[tuple[str, float]]]:
    """Each process's top functions by own samples (py-spy's collapsed stacks: the last frame is the one running)."""
    tops: dict[str, list[tuple[str, float]]] = {}
    for name, (proc, out) in spies.items():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        own: dict[str, int] = defaultdict(int)
        with contextlib.suppress(OSError):
            for line in out.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                leaf = stack.rsplit(";", 1)[-1]
                own[re.sub(r" \((.*/)?(site-packages/)?", " (", leaf)] += int(count)
        total = sum(own.values()) or 1
        tops[name] = [(f, 100 * c / total) for f, c in sorted(own.items(), key=lambda x: -x[1])[:8]]
    return tops


EXPLAIN = {
    "scheduling": [
        ("a student's lessons in a 60-day window, one page (the unbatched query)",
         "SELECT l.* FROM lessons l WHERE l.id IN (SELECT p.lesson_id FROM participants p WHERE p.student_id = $1) "
         "AND l.starts_at >= $2 AND l.starts_at < $3 ORDER BY l.starts_at, l.id LIMIT 11"),
        ("every child's first page and count in one statement (the batched query)",
         "SELECT * FROM (SELECT l.*, p.student_id AS s, row_number() OVER (PARTITION BY p.student_id "
         "ORDER BY l.starts_at, l.id) AS pos, count(*) OVER (PARTITION BY p.student_id) AS total FROM lessons l "
         "JOIN participants p ON p.lesson_id = l.id WHERE p.student_id IN (SELECT id FROM students "
         "WHERE family_id = $4) AND l.starts_at >= $2 AND l.starts_at < $3) x WHERE pos <= 11"),
        ("a family's lessons in a month",
         "SELECT l.* FROM lessons l WHERE l.id IN (SELECT p.lesson_id FROM participants p WHERE p.family_id = $4) "
         "AND l.starts_at >= $2 AND l.starts_at < $3 ORDER BY l.starts_at, l.id LIMIT 51"),
        ("each child's count of lessons to come (Student.upcomingLessonsCount, with the projections)",
         "SELECT s.id, (SELECT count(*) FROM participants p WHERE p.student_id = s.id AND (SELECT l.starts_at "
         "FROM lessons l WHERE l.id = p.lesson_id AND l.published AND l.status <> 'cancelled') >= $2) "
         "FROM students s WHERE s.family_id = $4"),
    ],
    "learning": [
        ("a student's lessons with sheet and marks (homework, results)",
         "SELECT l.id, l.starts_at, s.homework, m.grade FROM lesson_participants p JOIN lessons l ON l.id = "
         "p.lesson_id LEFT JOIN sheets s ON s.lesson_id = l.id LEFT JOIN sheet_marks m ON m.lesson_id = l.id "
         "AND m.student_id = p.student_id WHERE p.student_id = $1 ORDER BY l.starts_at DESC"),
    ],
    "billing": [
        ("a family's statement page", "SELECT t.* FROM ledger_transactions t JOIN accounts a ON a.id = t.account_id "
         "WHERE a.family_id = $4 ORDER BY t.seq LIMIT 51"),
        ("a family's statement, newest page (the money screen)", "SELECT t.* FROM ledger_transactions t "
         "JOIN accounts a ON a.id = t.account_id WHERE a.family_id = $4 ORDER BY t.seq DESC LIMIT 51"),
    ],
}


async def explain(chain: Chain, dsns: dict[str, str]) -> None:
    """Each hot query's plan on the generated data: as planned for the values (custom) and as a prepared
    statement's generic plan, which PostgreSQL may switch to after five executions unless told not to."""
    student = next(iter(chain.family_of))
    values = {"$1": f"'{student}'", "$2": f"'{chain.now.isoformat()}'::timestamptz",
              "$3": f"'{(chain.now + timedelta(days=60)).isoformat()}'::timestamptz",
              "$4": f"'{chain.family_of[student]}'"}
    types = {"$1": "varchar", "$2": "timestamptz", "$3": "timestamptz", "$4": "varchar"}
    for service, queries in EXPLAIN.items():
        conn = await asyncpg.connect(_dsn(dsns[service]))
        try:
            for n, (what, sql) in enumerate(queries):
                used = sorted(set(re.findall(r"\$\d", sql)))
                q = sql
                for i, p in enumerate(used, 1):
                    q = q.replace(p, f"${i}")
                await conn.execute(f"PREPARE q{n}({', '.join(types[p] for p in used)}) AS {q}")
                for mode in ("force_custom_plan", "force_generic_plan"):
                    await conn.execute(f"SET plan_cache_mode = {mode}")
                    plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE q{n}"
                                            f"({', '.join(values[p] for p in used)})")
                    print(f"\n[{service}] {what} ({mode.split('_')[1]} plan):")
                    for row in plan:
                        print("   ", row[0])
        finally:
            await conn.close()


# -- main -------------------------------------------------------------------------------------------------------

def report(label: str, result: dict[str, Any]) -> None:
    load = result["load"]
    print(f"\n{label}: {load['rps']:.1f} requests/s, {load['requests']} requests, {load['errors']} errors")
    for name, o in load["ops"].items():
        if o["count"]:
            print(f"  {name:<11} {o['rps']:7.1f}/s  p50 {o['p50']:7.1f} ms  p99 {o['p99']:7.1f} ms"
                  f"  errors {o['errors']}")
    for e in load.get("sample_errors", []):
        print(f"  error: {e}")
    if "cpu_ms" in result:
        cpu = result["cpu_ms"]
        print("  CPU ms per request: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
              + f"; total {sum(cpu.values()):.1f}")
    for layer, prefix in (("entity cache", ""), ("response layer", "response_")):
        cache = {k[len(prefix):]: v for k, v in result.get("cache", {}).items()
                 if k.startswith(prefix) and (prefix or not k.startswith("response_"))}
        if sum(cache.values()):
            hits = cache.get("hit", 0.0)
            print(f"  gateway {layer} lookups: " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(cache.items()))
                  + f" (hit ratio {hits / sum(cache.values()):.2f})")
    timings = result.get("timings", {})
    n = max(1, load["requests"])
    calls = [(k[: -len("_count")], v) for k, v in sorted(timings.items())
             if k.endswith("_count") and not k.startswith("admission") and v]
    if calls:
        print("  gateway -> subgraph calls per request (mean latency): " + ", ".join(
            f"{name} {count / n:.2f} ({1000 * timings.get(name + '_sum', 0.0) / count:.0f} ms)"
            for name, count in calls))
    if timings.get("admission_count"):
        print(f"  admission: {timings['admission_count'] / n:.2f} of requests waited for a slot, mean wait "
              f"{1000 * timings.get('admission_sum', 0.0) / timings['admission_count']:.1f} ms")
    for name, top in result.get("profiles", {}).items():
        print(f"  profile {name}: " + "; ".join(f"{f} {p:.0f}%" for f, p in top))
    for s, kinds in result.get("db", {}).items():
        stmts = sum(v for k, v in kinds.items() if k in ("select", "insert", "update", "delete", "other"))
        detail = ", ".join(f"{k} {v:.1f}" for k, v in sorted(kinds.items()) if v >= 0.05 and "valid" not in k)
        hits, misses = kinds.get("validation_hits", 0.0), kinds.get("validation_misses", 0.0)
        if hits or misses:
            detail += f"; validation cache per request: {hits:.2f} hits, {misses:.2f} misses"
        print(f"  {s:<11} db per request: {stmts:.1f} statements ({detail})")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="groups per branch = 40 x scale (at least 1)")
    ap.add_argument("--branches", type=int, default=11)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--clients", type=int, default=30)
    ap.add_argument("--families", type=int, default=500, help="how many families' guardians send requests")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the hot queries")
    ap.add_argument("--keep", action="store_true", help="keep the databases (printed) after the run")
    ap.add_argument("--reuse", metavar="RUN", help="use the databases kept by run RUN (same --scale and --seed): "
                    "migrate them and skip seeding")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=15, help="seconds of the same mix before the clock starts "
                    "(the cache's cold start, printed apart; 0: none)")
    ap.add_argument("--trace", metavar="FILE", help="write every response of the measured load to FILE as "
                    "'ms since start,operation,latency ms' (to see whether the slow ones cluster in time)")
    ap.add_argument("--py-spy", metavar="EXE", help="profile every process with this py-spy during the load and "
                    "print each one's top functions (install it apart: pip install py-spy into a temporary venv)")
    ap.add_argument("--cache", choices=("on", "off", "redis"), default="on", help="the gateway's entity cache: "
                    "in-process (on), off, or in Redis (GATEWAY_CACHE_URL, else redis://127.0.0.1:6379/0)")
    args = ap.parse_args()
    probe = speed_probe()  # before anything starts
    # The gateway process inherits these (start_system copies the environment).
    os.environ["GATEWAY_CACHE"] = {"on": "memory", "off": "off", "redis": "redis"}[args.cache]
    if args.cache == "redis":
        os.environ.setdefault("GATEWAY_CACHE_URL", "redis://127.0.0.1:6379/0")
        os.environ["GATEWAY_CACHE_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}:"
    print(f"gateway entity cache: {args.cache}")
    rng = random.Random(args.seed)
    run = args.reuse or uuid.uuid4().hex[:8]
    ns = f"bench-{run}"
    logs = Path(f"/tmp/bench_cabinet_{run}")
    logs.mkdir(parents=True, exist_ok=True)
    names = {s: f"bench_{run}_{s}" for s in SERVICES}
    base = _dsn(PG).rsplit("/", 1)[0]
    dsns = {s: f"{base}/{n}" for s, n in names.items()}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        t = time.perf_counter()
        n_groups = max(1, round(40 * args.scale))
        chain = generate(args.branches, n_groups, 10, rng)
        for s in SERVICES:
            if not args.reuse:
                await admin(f'CREATE DATABASE "{names[s]}"')
            env = {**os.environ, f"{s.upper()}_DATABASE_URL": dsns[s], "LOG_LEVEL": "WARNING"}
            subprocess.run([str(BIN / f"kabinet-{s}"), "migrate"], env=env, check=True, timeout=300,
                           stdout=subprocess.DEVNULL)
        counts = {} if args.reuse else await seed(chain, dsns, rng)
        print(f"set-up ({time.perf_counter() - t:.0f} s, not measured): {args.branches} branches, "
              f"{len(chain.groups)} groups, {len(chain.families)} families, "
              + ", ".join(f"{v} {k}" for k, v in counts.items()))
        if args.explain:
            await explain(chain, dsns)
        postmaster = await find_postmaster()
        system = await start_system(dsns, ns, logs)
        procs.extend(system.procs.values())
        ops = requests_for(chain, system.key, args.families, rng)
        # Before any load: nothing is cached yet, so every read goes to the services.
        statements = await statements_by_family_size(system, chain, random.Random(args.seed + 1))
        ours = await measure(system, ops, args, postmaster)
        print(f"\nload: {args.clients} clients, {args.duration} s after {args.warmup} s of the same load, mix "
              + ", ".join(f"{n} {w}%" for n, w in MIX)
              + f"; {len(chain.families)} families, {args.families} of them signed in; logs in {logs}")
        report("ours (gateway + 4 services)", ours)
        if ours["cold"]:
            report(f"cold start: the same load for the {args.warmup} s before the clock, caches empty at first "
                   "(not in the numbers above)", {"load": ours["cold"]})
        report_statements(statements)
        for p in system.procs.values():
            p.terminate()
        if not args.no_floor:
            floor_proc, port = start_floor(dsns, logs)
            procs.append(floor_proc)
            await wait_ready(f"http://127.0.0.1:{port}/healthz", floor_proc)
            fops = requests_for(chain, system.key, args.families, random.Random(args.seed), floor=True)
            url = f"http://127.0.0.1:{port}/q"
            await autocannon(url, fops, min(args.clients, 4), 3)
            c0, pg0 = cpu_ticks(floor_proc.pid), postgres_ticks(postmaster)
            floor = await autocannon(url, fops, args.clients, args.duration)
            n = max(1, floor["requests"])
            floor_res = {"load": floor, "cpu_ms": {"floor": (cpu_ticks(floor_proc.pid) - c0) * 1000 / TICK / n,
                                                   "postgresql": (postgres_ticks(postmaster) - pg0) * 1000 / TICK / n}}
            report("floor (one Starlette + asyncpg process, the same reads)", floor_res)
            reads = sum(ours["load"]["ops"][k]["count"] for k in ("home", "lessons", "statement"))
            our_reads = reads / args.duration
            print(f"\nratio: ours / floor = {ours['load']['rps'] / max(floor['rps'], 1e-9):.3f} (all requests), "
                  f"{our_reads / max(floor['rps'], 1e-9):.3f} (reads only: {our_reads:.1f}/s vs {floor['rps']:.1f}/s)")
        print(f"at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores; {probe}")
    finally:
        stop_processes(*procs, timeout_s=20)
        if args.keep or args.reuse:
            print("kept databases:", ", ".join(names.values()))
        else:
            for n in names.values():
                with contextlib.suppress(Exception):
                    await admin(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            conn = await aio_pika.connect(AMQP)
            async with conn:
                ch = await conn.channel()
                for s in SERVICES:
                    for q in (f"{ns}.{s}", f"{ns}.{s}.dlq"):
                        with contextlib.suppress(Exception):
                            await ch.queue_delete(q)
                for q in (f"{ns}.{ns}.events.archive",):
                    with contextlib.suppress(Exception):
                        await ch.queue_delete(q)
                for x in (f"{ns}.events", f"{ns}.events.dlx"):
                    with contextlib.suppress(Exception):
                        await ch.exchange_delete(x)


if __name__ == "__main__":
    asyncio.run(main())
