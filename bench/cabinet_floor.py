"""The floor for bench/cabinet.py: the cabinet's reads by one minimal Starlette + asyncpg process.

It reads the same four databases the services own, with hand-written SQL, one asyncpg pool per database, the
services' queries in parallel where they do not depend on each other, and answers JSON. No GraphQL, no token
check, no federation: what the reads cost at least on this machine. Started by bench/cabinet.py with
FLOOR_<SERVICE>_DSN for each service.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SERVICES = ("identity", "scheduling", "billing", "learning")
pools: dict[str, asyncpg.Pool] = {}

LESSON_COLS = "l.id, l.starts_at, l.ends_at, l.status, l.group_id, l.teacher_id, l.price"


def _rows(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


async def _fetch(service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return list(await pools[service].fetch(sql, *args))


async def home(family: str, start: datetime, end: datetime) -> dict[str, Any]:
    fam, kids = await asyncio.gather(
        _fetch("identity", "SELECT id, guardian_phone FROM families WHERE id = $1", family),
        _fetch("identity", "SELECT id, first_name, last_name FROM students WHERE family_id = $1 ORDER BY created_at",
               family))
    ids = [k["id"] for k in kids]
    account, lines, subs, booked, lessons, totals, homework = await asyncio.gather(
        _fetch("billing", "SELECT id, balance, credit_limit FROM accounts WHERE family_id = $1", family),
        _fetch("billing", "SELECT t.seq, t.created_at, t.kind, t.description, t.amount, t.balance_after "
               "FROM ledger_transactions t JOIN accounts a ON a.id = t.account_id WHERE a.family_id = $1 "
               "ORDER BY t.seq LIMIT 10", family),
        _fetch("billing", "SELECT student_id, lessons_left FROM subscriptions WHERE family_id = $1 "
               "AND status = 'active'", family),
        _fetch("scheduling", "SELECT student_id, count(*) FROM bookings WHERE student_id = ANY($1::varchar[]) "
               "AND status = 'active' GROUP BY student_id", ids),
        _fetch("scheduling", f"SELECT s.id AS student_id, x.* FROM unnest($1::varchar[]) s(id) CROSS JOIN LATERAL ("
               f"SELECT {LESSON_COLS} FROM participants p JOIN lessons l ON l.id = p.lesson_id "
               "WHERE p.student_id = s.id AND l.starts_at >= $2 AND l.starts_at < $3 "
               "ORDER BY l.starts_at, l.id LIMIT 10) x", ids, start, end),
        _fetch("scheduling", "SELECT p.student_id, count(*) FROM participants p JOIN lessons l ON l.id = p.lesson_id "
               "WHERE p.student_id = ANY($1::varchar[]) AND l.starts_at >= $2 AND l.starts_at < $3 "
               "GROUP BY p.student_id", ids, start, end),
        _fetch("learning", "SELECT p.student_id, s.lesson_id, l.starts_at, s.homework FROM lesson_participants p "
               "JOIN lessons l ON l.id = p.lesson_id JOIN sheets s ON s.lesson_id = l.id "
               "WHERE p.student_id = ANY($1::varchar[]) AND s.homework <> '' ORDER BY l.starts_at DESC", ids))
    return {"family": _rows(fam), "students": _rows(kids), "account": _rows(account), "statement": _rows(lines),
            "subscriptions": _rows(subs), "booked": _rows(booked), "lessons": _rows(lessons),
            "totals": _rows(totals), "homework": _rows(homework)}


async def lessons(family: str, start: datetime, end: datetime) -> dict[str, Any]:
    rows, total = await asyncio.gather(
        _fetch("scheduling", f"SELECT DISTINCT {LESSON_COLS} FROM participants p JOIN lessons l ON l.id = p.lesson_id "
               "WHERE p.family_id = $1 AND l.starts_at >= $2 AND l.starts_at < $3 ORDER BY l.starts_at, l.id "
               "LIMIT 50", family, start, end),
        _fetch("scheduling", "SELECT count(DISTINCT l.id) FROM participants p JOIN lessons l ON l.id = p.lesson_id "
               "WHERE p.family_id = $1 AND l.starts_at >= $2 AND l.starts_at < $3", family, start, end))
    sheets = await _fetch("learning", "SELECT lesson_id, summary, homework FROM sheets WHERE lesson_id = "
                          "ANY($1::varchar[])", [r["id"] for r in rows])
    return {"lessons": _rows(rows), "total": total[0][0], "sheets": _rows(sheets)}


async def statement(family: str) -> dict[str, Any]:
    account, lines = await asyncio.gather(
        _fetch("billing", "SELECT id, balance, credit_limit FROM accounts WHERE family_id = $1", family),
        _fetch("billing", "SELECT t.* FROM ledger_transactions t JOIN accounts a ON a.id = t.account_id "
               "WHERE a.family_id = $1 ORDER BY t.seq LIMIT 51", family))
    return {"account": _rows(account), "statement": _rows(lines)}


async def query(request: Request) -> Response:
    body = json.loads(await request.body())
    if body["op"] == "home":
        data = await home(body["family"], datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"]))
    elif body["op"] == "lessons":
        data = await lessons(body["family"], datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"]))
    else:
        data = await statement(body["family"])
    return Response(json.dumps({"data": data}, default=str), media_type="application/json")


async def healthz(_: Request) -> Response:
    return Response("ok")


@contextlib.asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    for s in SERVICES:
        pools[s] = await asyncpg.create_pool(os.environ[f"FLOOR_{s.upper()}_DSN"], min_size=2, max_size=10)
    try:
        yield
    finally:
        for p in pools.values():
            await p.close()


app = Starlette(routes=[Route("/q", query, methods=["POST"]), Route("/healthz", healthz)], lifespan=lifespan)
