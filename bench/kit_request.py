"""The kit's fixed cost of one subgraph request, in process: no network, no database, no other process.

    uv run python bench/kit_request.py [--requests 300] [--rounds 5] [--profile tottime]
        [--db postgresql://postgres@127.0.0.1:5432/postgres]

A toy subgraph built the way every service builds its own (`subgraph_schema`, `create_service_app`: the
gateway-only check, token verification, correlation ids and metrics, the standard extension, JSON encoding)
answers two requests as the gateway sends them, called straight through ASGI:

- small: one root field with an id argument and two leaf fields (what an `_entities` call for a few keys costs
  the kit, whatever the service does);
- 50x10: a list of 50 lessons with 10 fields each (ids, date-times, money) — the shape of a month's lessons;
- db (with --db URL, a PostgreSQL database): one root field that reads 5 rows of two columns through the
  request's read session (`RequestContext.reads()`: the pooled autocommit connection, SQLAlchemy's
  `AsyncSession.execute`, asyncpg) — the kit's cost of a request that runs one statement.

It prints the CPU time per request (time.process_time, the best of --rounds rounds: on a shared machine the
best round is the least disturbed). To compare with another version of the kit, run it with
PYTHONPATH=<that version's shared/src> (e.g. `git archive <commit> shared/src | tar -x -C /tmp/old`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import pstats
import time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import strawberry
from sqlalchemy import String, bindparam, column, select, table
from strawberry.types import Info

from kabinet.auth import Principal, Role, SigningKey
from kabinet.auth.tokens import KeySource, TokenVerifier, jwks
from kabinet.db.engine import create_engine
from kabinet.graphql.schema import subgraph_schema
from kabinet.graphql.types import Money
from kabinet.process import collector_thresholds, settle_after_start_up
from kabinet.testing.stack import token_for
from kabinet.web.app import create_service_app

NOW = dt.datetime(2026, 12, 6, 10, tzinfo=dt.UTC)
IDS = [f"00000000-0000-4000-8000-{i:012d}" for i in range(60)]
SECRET = "s" * 40


@strawberry.type
class Lesson:
    id: strawberry.ID
    group_id: strawberry.ID | None
    teacher_id: strawberry.ID
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    price: Money
    summary: str | None
    homework: str | None
    published: bool


LESSONS = [Lesson(id=strawberry.ID(IDS[i]), group_id=strawberry.ID(IDS[1]), teacher_id=strawberry.ID(IDS[2]),
                  starts_at=NOW, ends_at=NOW, status="scheduled",
                  price=Money(amount=Decimal("1000.00"), currency="RUB"), summary="Unit 3", homework="Ex. 1-5",
                  published=True) for i in range(50)]


_NS = table("pg_namespace", column("oid"), column("nspname"))
NAMESPACES = select(_NS.c.oid, _NS.c.nspname).where(_NS.c.nspname != bindparam("n", type_=String)).limit(5)


@strawberry.type
class Namespace:
    id: strawberry.ID
    name: str


@strawberry.type
class Query:
    @strawberry.field
    async def namespaces(self, info: Info[Any, None], id: strawberry.ID) -> list[Namespace]:
        async with info.context.reads() as session:
            rows = (await session.execute(NAMESPACES, {"n": id})).all()
        return [Namespace(id=strawberry.ID(str(r.oid)), name=r.nspname) for r in rows]

    @strawberry.field
    async def lessons(self, info: Info[Any, None], family_id: strawberry.ID, first: int = 50) -> list[Lesson]:
        return LESSONS[:first]

    @strawberry.field
    async def lesson(self, info: Info[Any, None], id: strawberry.ID) -> Lesson | None:
        return LESSONS[0]


def build(db: str | None = None) -> tuple[Any, str]:
    key = SigningKey.generate()
    verifier = TokenVerifier(KeySource(static=jwks([key])), "kabinet-identity", "kabinet")
    runtime = SimpleNamespace(name="bench", settings=SimpleNamespace(gateway_secret=SECRET), verifier=verifier,
                              engine=create_engine(db) if db else None)
    app = create_service_app(runtime, subgraph_schema(Query), manage_runtime=False)  # type: ignore[arg-type]
    token = token_for(key, Principal(user_id="u", role=Role.GUARDIAN, family_id=IDS[0], student_ids=frozenset()))
    return app, token


BODIES = {
    "small": {"query": "query Q($i: ID!) { lesson(id: $i) { id startsAt } }", "variables": {"i": IDS[3]}},
    "50x10": {"query": "query Q($f: ID!) { lessons(familyId: $f) { id groupId teacherId startsAt endsAt status "
                       "price { amount currency } summary homework published } }", "variables": {"f": IDS[0]}},
    "db": {"query": "query Q($i: ID!) { namespaces(id: $i) { id name } }", "variables": {"i": IDS[3]}},
}


async def call(app: Any, token: str, body: bytes) -> bytes:
    headers = [(b"host", b"subgraph"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (b"authorization", f"Bearer {token}".encode()),
               (b"x-kabinet-gateway-secret", SECRET.encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    out: list[Any] = []

    async def receive() -> Any:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # never: the request was read in one message

    async def send(message: Any) -> None:
        out.append(message)

    await app(scope, receive, send)
    if out[0]["status"] != 200:
        raise RuntimeError(f"status {out[0]['status']}: {out[1:]}")
    return b"".join(m.get("body", b"") for m in out[1:])


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", metavar="SORT", help="cProfile one round instead (sorted by tottime, cumtime...)")
    ap.add_argument("--db", metavar="URL", help="a PostgreSQL database for the 'db' request (pg_catalog only)")
    args = ap.parse_args()
    app, token = build(args.db)
    settle_after_start_up(collector_thresholds())  # as the services do after start-up
    for name, doc in BODIES.items():
        if name == "db" and not args.db:
            continue
        body = json.dumps(doc).encode()
        answer = json.loads(await call(app, token, body))
        assert "errors" not in answer, answer
        for _ in range(50):
            await call(app, token, body)
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU, not wall time: the machine is shared
            profile.enable()
            for _ in range(args.requests):
                await call(app, token, body)
            profile.disable()
            print(f"== {name}")
            pstats.Stats(profile).sort_stats(args.profile).print_stats(30)
            continue
        best = float("inf")
        for _ in range(args.rounds):
            t = time.process_time()
            for _ in range(args.requests):
                await call(app, token, body)
            best = min(best, (time.process_time() - t) / args.requests)
        print(f"{name}: {best * 1e6:.0f} µs CPU per request (best of {args.rounds} rounds of {args.requests})")


if __name__ == "__main__":
    asyncio.run(main())
