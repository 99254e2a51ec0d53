"""Correlation and causation ids: set for one request or event and reset after it, never leaking into
what the same task does next; events published at a batch's commit carry the ids captured for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from kabinet.context import EventContext, causation_id_var, correlation_id_var, current_context, event_context
from kabinet.db.engine import create_engine, create_sessionmaker
from kabinet.db.messaging_tables import add_messaging_tables
from kabinet.db.uow import UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.inbox import inbox_batch_handler


class Noted(EventContract):
    event_type = "kt.noted.happened"
    n: int


metadata = MetaData()
outbox, inbox = add_messaging_tables(metadata)


@pytest.fixture
async def uow_factory(tmp_path: Path) -> AsyncIterator[object]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ctx.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessionmaker = create_sessionmaker(engine)
    yield lambda: UnitOfWork(sessionmaker, outbox, "kt")
    await engine.dispose()


def test_event_context_is_reset_after_the_block_also_on_errors():
    with pytest.raises(RuntimeError), event_context("c1", "e1"):
        assert current_context() == EventContext("c1", "e1")
        raise RuntimeError
    assert (correlation_id_var.get(), causation_id_var.get()) == (None, None)


async def test_publishing_outside_any_context_leaves_nothing_behind(uow_factory):
    async with uow_factory() as uow:
        first = uow.publish(Noted(n=1))
        second = uow.publish(Noted(n=2))
        await uow.commit()
    assert first.correlation_id and first.correlation_id == second.correlation_id  # one per transaction
    assert correlation_id_var.get() is None  # not stored: the task's next work starts clean
    async with uow_factory() as uow:
        third = uow.publish(Noted(n=3))
    assert third.correlation_id != first.correlation_id


async def test_events_published_at_a_batch_commit_carry_the_ids_captured_for_them(uow_factory):
    deferred: list[tuple[int, EventContext]] = []

    async def on_noted(envelope: Envelope, uow: UnitOfWork) -> None:
        n = envelope.payload["n"]
        uow.publish(Noted(n=n * 10))  # at once, in the event's context
        deferred.append((n * 100, current_context()))  # published later, at the commit

    class DeferringUow(UnitOfWork):
        async def commit(self) -> None:
            for n, ctx in deferred:
                self.publish(Noted(n=n), context=ctx)
            deferred.clear()
            await super().commit()

    base = uow_factory()
    handle = inbox_batch_handler("kt", lambda: DeferringUow(base._sessionmaker, outbox, "kt"), inbox,
                                 {Noted.routing_key(): on_noted})
    events = [Envelope(type=Noted.event_type, version=1, producer="kt", payload={"n": n}, correlation_id=f"c{n}")
              for n in (1, 2)]
    await handle(events)
    async with base._sessionmaker() as session:
        published = [Envelope.from_json(b.encode()) for b in (await session.execute(select(outbox.c.body))).scalars()]
    by_n = {e.payload["n"]: e for e in published}
    for source in events:
        n = source.payload["n"]
        for made in (by_n[n * 10], by_n[n * 100]):
            assert (made.correlation_id, made.causation_id) == (source.correlation_id, source.id)
    assert (correlation_id_var.get(), causation_id_var.get()) == (None, None)
