"""A GraphQL request's reads share one pooled connection, without BEGIN/ROLLBACK, returned when it ends."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.auth import ANONYMOUS
from kabinet.db.engine import create_engine
from kabinet.graphql.context import RequestContext


@dataclass
class _Runtime:  # what RequestContext.reads() needs of a ServiceRuntime
    engine: AsyncEngine


def _counted(engine: AsyncEngine) -> Counter[str]:
    """Checkouts, BEGINs and ROLLBACKs of this engine alone (the kit's /metrics counters are process-wide, and
    other tests' stacks still run background work in this process)."""
    seen: Counter[str] = Counter()

    def on(kind: str) -> Any:
        def count(conn: Any, *_: Any) -> None:
            # As the kit counts them: an autocommit connection sends no BEGIN/ROLLBACK to the server.
            if kind == "checkout" or conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                seen[kind] += 1
        return count

    event.listen(engine.sync_engine.pool, "checkout", on("checkout"))
    event.listen(engine.sync_engine, "begin", on("begin"))
    event.listen(engine.sync_engine, "rollback", on("rollback"))
    return seen


async def test_concurrent_resolvers_share_one_connection_without_a_transaction(
        database_factory: Callable[[str], Awaitable[str]]) -> None:
    engine = create_engine(await database_factory("reads"))
    try:
        ctx = RequestContext(principal=ANONYMOUS, runtime=_Runtime(engine))
        seen = _counted(engine)

        async def resolver(n: int) -> int:  # as DataLoader batches and resolvers do, concurrently
            async with ctx.reads() as session:
                return int((await session.execute(text("SELECT CAST(:n AS integer)"), {"n": n})).scalar_one())

        assert await asyncio.gather(*(resolver(n) for n in range(8))) == list(range(8))
        async with ctx.reads() as session:
            # In one transaction now() stays at its start; each autocommit statement is its own transaction.
            await session.execute(text("SELECT pg_sleep(0.05)"))
            own = (await session.execute(text("SELECT statement_timestamp() - now() < interval '25 ms'"))
                   ).scalar_one()
        assert own is True
        assert seen["checkout"] == 1
        assert seen["begin"] == 0
        await ctx.close()
        assert seen["rollback"] == 0
        assert engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_a_failed_read_does_not_break_the_next_one(database_factory: Callable[[str], Awaitable[str]]) -> None:
    engine = create_engine(await database_factory("reads2"))
    try:
        ctx = RequestContext(principal=ANONYMOUS, runtime=_Runtime(engine))
        try:
            async with ctx.reads() as session:
                await session.execute(text("SELECT * FROM no_such_table"))
        except Exception:
            pass
        async with ctx.reads() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        await ctx.close()
    finally:
        await engine.dispose()
