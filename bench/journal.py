"""Learning's read paths: SQL statements and time per request, through the gateway.

    uv run python bench/journal.py [--direct]

A group journal (30 students x 60 lessons, and 10 x 20 for comparison) and a family progress page (3 children:
past lessons, homework, progress), each built through the gateway of the whole stack (each service on its own
PostgreSQL database of this run, the in-process bus). SQL statements are counted with a SQLAlchemy
``before_cursor_execute`` listener on every service's engine; the count must not grow with the number of students
or lessons (no N+1). ``--direct`` queries learning's own subgraph instead of the gateway.
Servers: KABINET_TEST_POSTGRES_URL (or BENCH_POSTGRES_URL), default of .env.test. Databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, insert

from kabinet.auth import Principal, Role, SigningKey
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import GraphQLClient, token_for

PG = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("KABINET_TEST_POSTGRES_URL") \
    or "postgresql://postgres@127.0.0.1:5432/postgres"
RUNS = 10

# The API takes UUIDs only; the branch, course and teacher exist in learning's rows only.
BRANCH, COURSE, TEACHER = (str(uuid.uuid4()) for _ in range(3))
JOURNAL = """query($g: ID!) { groupJournal(groupId: $g) { lessons { lessonId startsAt filled }
  students { studentId cells { lessonId attendance grade homeworkDone } } } }"""
FAMILY = """{ myFamily { id students { id firstName
  pastLessons(first: 20) { totalCount edges { node { lessonId summary homework attendance grade comment } } }
  homework { lessonId text status }
  progress { courseId current { attendanceRate averageGrade homeworkCompletion }
             trend { attendanceRate averageGrade homeworkCompletion } } } } }"""
FAMILY_DIRECT = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Student { id
  pastLessons(first: 20) { totalCount edges { node { lessonId summary homework attendance grade comment } } }
  homework { lessonId text status }
  progress { courseId current { attendanceRate averageGrade homeworkCompletion }
             trend { attendanceRate averageGrade homeworkCompletion } } } } }"""


IN_REQUEST: ContextVar[bool] = ContextVar("in_request", default=False)


class StatementCounter:
    """Counts statements run on behalf of the measured request only: the flag is a context variable, which the
    request's tasks (gateway fetches, DataLoader batches) inherit and the outbox relays' polling does not."""

    def __init__(self) -> None:
        self.count = 0

    def attach(self, engine: Any) -> None:
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            if IN_REQUEST.get():
                self.count += 1


async def seed_group(runtime: Any, group: str, students: list[tuple[str, str]], n_lessons: int, teacher: str) -> None:
    """Straight into learning's tables: what scheduling's events and saved sheets would have left there."""
    from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets

    now = datetime.now(UTC)
    lrows, prows, srows, mrows = [], [], [], []
    for i in range(n_lessons):
        lid = str(uuid.uuid4())
        start = now - timedelta(days=2 * (n_lessons - i))
        lrows.append(dict(id=lid, branch_id=BRANCH, group_id=group, course_id=COURSE, teacher_id=teacher,
                          original_teacher_id=teacher, lesson_type="group", charged_by_default=True, starts_at=start,
                          ends_at=start + timedelta(hours=1), cancelled=False, event_at=now))
        srows.append(dict(lesson_id=lid, summary=f"Lesson {i}", homework=f"Exercise {i}", revision=1, conducted=True,
                          updated_at=now, updated_by=teacher))
        for j, (sid, fid) in enumerate(students):
            prows.append(dict(lesson_id=lid, student_id=sid, family_id=fid, reason="member", active=True,
                              starts_at=start, event_at=now))
            mrows.append(dict(lesson_id=lid, student_id=sid, attendance=["present", "late", "absent"][(i + j) % 3],
                              homework_done=["yes", "partly", "no"][(i * j) % 3], grade=1 + (i + 2 * j) % 5,
                              grade_scale="five_point", comment=f"comment {i}/{j}"))
    async with runtime.sessionmaker() as s, s.begin():
        for table, rows in ((lessons, lrows), (sheets, srows), (lesson_participants, prows), (sheet_marks, mrows)):
            await s.execute(insert(table), rows)


async def measure(client: GraphQLClient, counter: StatementCounter, query: str, variables: dict[str, Any] | None
                  ) -> tuple[float, int, int]:
    res = await client.execute(query, variables)  # warm-up: plan and parse caches
    assert "errors" not in res, res
    times, counts = [], []
    for _ in range(RUNS):
        before = counter.count
        token = IN_REQUEST.set(True)
        t0 = time.perf_counter()
        try:
            res = await client.execute(query, variables)
        finally:
            times.append((time.perf_counter() - t0) * 1000)
            IN_REQUEST.reset(token)
        counts.append(counter.count - before)
    assert "errors" not in res, res
    return statistics.median(times), max(counts), len(str(res))


async def main(direct: bool) -> None:
    from kabinet_stack.embedded import Stack
    from kabinet_stack.services import SERVICE_NAMES

    logging.disable(logging.WARNING)
    run = uuid.uuid4().hex[:8]
    admin_dsn = PG.replace("postgresql+asyncpg://", "postgresql://")
    base = admin_dsn.rsplit("/", 1)[0]
    dbs = {name: f"kbench_{run}_{name}" for name in SERVICE_NAMES}
    conn = await asyncpg.connect(admin_dsn)
    for db in dbs.values():
        await conn.execute(f'CREATE DATABASE "{db}"')
    await conn.close()
    key = SigningKey.generate()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stack = Stack(Path(tmp), database_urls={n: f"{base}/{db}" for n, db in dbs.items()},
                          messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem())
            for runtime in stack.runtimes.values():
                await runtime.migrate()
            counter = StatementCounter()
            for runtime in stack.runtimes.values():
                counter.attach(runtime.engine)
            async with stack.running():
                await bench(stack, key, counter, direct)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        for db in dbs.values():
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await conn.close()


async def bench(stack: Any, key: SigningKey, counter: StatementCounter, direct: bool) -> None:
    learning = stack.runtimes["learning"]
    gateway = GraphQLClient(stack.app)
    subgraph = GraphQLClient(stack.apps["learning"])
    client = subgraph if direct else gateway
    teacher = TEACHER
    # a family of three in identity, registered through its own mutation
    admin = token_for(key, Principal(user_id="a", role=Role.BRANCH_ADMIN, branch_ids=frozenset({BRANCH})))
    kids = []
    for name in ("Anna", "Boris", "Vera"):
        res = await GraphQLClient(stack.apps["identity"], admin).execute(
            """mutation($i: RegisterStudentInput!) { registerStudent(input: $i) { student { id familyId } } }""",
            {"i": {"guardianPhone": "+79120000001", "firstName": name, "lastName": "Bench", "birthDate": "2014-01-01",
                   "branchId": BRANCH}})
        assert res.get("data"), res
        student = res["data"]["registerStudent"]["student"]
        kids.append((student["id"], student["familyId"]))
    family_id = kids[0][1]
    print(f"learning read paths ({'learning subgraph directly' if direct else 'through the gateway'}), "
          f"median of {RUNS}, SQL statements per request (all services)\n")
    sizes = [(10, 20), (30, 60)]
    for n_students, n_lessons in sizes:
        group = str(uuid.uuid4())  # ids are UUIDs (malformed ones are BAD_USER_INPUT)
        students = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(n_students)]
        await seed_group(learning, group, students, n_lessons, teacher)
        t = token_for(key, Principal(user_id="t", role=Role.TEACHER, staff_id=teacher, branch_ids=frozenset({BRANCH})))
        ms, stmts, size = await measure(client.as_(t), counter, JOURNAL, {"g": group})
        print(f"group journal {n_students:>2} students x {n_lessons:>2} lessons: {ms:7.1f} ms  "
              f"{stmts:>2} SQL statements  ({size // 1024} KiB)")
    for n_lessons in (20, 60):
        await seed_group(learning, str(uuid.uuid4()), kids, n_lessons, teacher)
        g = token_for(key, Principal(user_id="g", role=Role.GUARDIAN, family_id=family_id))
        if direct:
            reps = [{"__typename": "Student", "id": sid} for sid, _ in kids]
            ms, stmts, _ = await measure(client.as_(g), counter, FAMILY_DIRECT, {"r": reps})
        else:
            ms, stmts, _ = await measure(client.as_(g), counter, FAMILY, None)
        total = n_lessons + (20 if n_lessons == 60 else 0)
        print(f"family progress page, 3 children x {total:>2} lessons each: {ms:7.1f} ms  {stmts:>2} SQL statements")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--direct", action="store_true", help="query learning's subgraph, not the gateway")
    asyncio.run(main(parser.parse_args().direct))
