"""A request's reads (`RequestContext.reads()`): plain statements run on the request's connection directly
(`ReadSession`), ORM ones through the session; the same rows either way, a failed read leaves the next one
working, and the connection goes back to the pool when the request ends."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import registry

from kabinet.auth.principal import ANONYMOUS
from kabinet.db.engine import is_sqlite
from kabinet.graphql.context import ReadSession, RequestContext

pytestmark = pytest.mark.integration

metadata = MetaData()
things = Table("things", metadata, Column("id", String(36), primary_key=True), Column("n", Integer, nullable=False))
mapper = registry(metadata=metadata)


class Thing:
    id: str
    n: int


mapper.map_imperatively(Thing, things)
BY_MIN = select(things.c.id, things.c.n).where(things.c.n >= bindparam("n")).order_by(things.c.id)


def create_schema(conn: Connection) -> None:
    metadata.create_all(conn)
    conn.execute(insert(things), [{"id": f"t{i}", "n": i} for i in range(5)])


def context(engine: AsyncEngine) -> RequestContext:
    return RequestContext(principal=ANONYMOUS, runtime=SimpleNamespace(engine=engine))  # type: ignore[arg-type]


async def test_plain_and_orm_reads_see_the_same_rows(engine: AsyncEngine) -> None:
    ctx = context(engine)
    async with ctx.reads() as session:
        assert isinstance(session, ReadSession) != is_sqlite(engine)
        plain = (await session.execute(BY_MIN, {"n": 2})).all()
        assert [(r.id, r.n) for r in plain] == [("t2", 2), ("t3", 3), ("t4", 4)]
        assert (await session.scalars(select(things.c.id).where(things.c.n == 1))).all() == ["t1"]
        orm = (await session.scalars(select(Thing).where(things.c.n >= 2).order_by(things.c.id))).all()
        assert [(t.id, t.n) for t in orm] == [("t2", 2), ("t3", 3), ("t4", 4)]
        assert (await session.execute(text("SELECT count(*) FROM things"))).scalar_one() == 5
        with_options: Any = await session.execute(BY_MIN, {"n": 4}, execution_options={"populate_existing": True})
        assert [r.id for r in with_options] == ["t4"]
    async with ctx.reads() as session:  # the same connection for the whole request
        assert (await session.execute(BY_MIN, {"n": 4})).all()[0].id == "t4"
    assert engine.sync_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    await ctx.close()
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_failed_read_leaves_the_next_one_working(engine: AsyncEngine) -> None:
    ctx = context(engine)
    with pytest.raises(DBAPIError):
        async with ctx.reads() as session:
            await session.execute(text("SELECT * FROM no_such_table"))
    async with ctx.reads() as session:
        assert (await session.execute(BY_MIN, {"n": 3})).all()[0].id == "t3"
        assert [t.id for t in (await session.scalars(select(Thing).where(things.c.n == 0))).all()] == ["t0"]
    await ctx.close()
    assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
