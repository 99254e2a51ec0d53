"""A consumer's dead letters in its own database: the in-process bus's ``<queue>.dlq`` (embedded mode).

The bus writes a dead letter here, in a transaction of its own, before it reports the event delivered, so the
producer's outbox row is marked published only once the dead letter is kept (a failed write leaves the row
unpublished: the event comes again). ``kabinet-dlq list`` reads the rows; ``kabinet-dlq replay`` marks them
(``replay_requested_at``), and the bus of the running process (or of its next start) delivers them to this
consumer only, removing each once handled; the inbox drops one that had been applied meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.bus.base import DeadLetter
from kabinet.db.engine import create_sessionmaker


class SqlDeadLetters:
    """:class:`kabinet.bus.base.DeadLetterStore` on a ``dead_letters`` table
    (:func:`kabinet.db.messaging_tables.add_dead_letter_table`)."""

    def __init__(self, engine: AsyncEngine, table: Table, consumer: str) -> None:
        self._engine = engine
        self._sessionmaker = create_sessionmaker(engine)  # writers (on SQLite: BEGIN IMMEDIATE)
        self._t = table
        self.consumer = consumer

    async def add(self, dead: DeadLetter) -> None:
        t = self._t
        key = (t.c.consumer == self.consumer) & (t.c.event_id == dead.message_id)
        async with self._sessionmaker() as session, session.begin():
            # Delete, then insert: the same on SQLite and PostgreSQL; the last failure's reason is what counts.
            await session.execute(delete(t).where(key))
            await session.execute(insert(t).values(
                consumer=self.consumer, event_id=dead.message_id, routing_key=dead.routing_key,
                body=dead.body.decode("utf-8", errors="replace"), reason=dead.reason, dead_at=datetime.now(UTC),
                replay_requested_at=None))

    async def waiting(self, limit: int) -> list[DeadLetter]:
        return await self._select(self._t.c.replay_requested_at.is_(None), limit)

    async def requested(self) -> list[DeadLetter]:
        return await self._select(self._t.c.replay_requested_at.is_not(None), None)

    async def request_replay(self, message_id: str | None) -> int:
        t = self._t
        where = (t.c.consumer == self.consumer) & t.c.replay_requested_at.is_(None)
        if message_id is not None:
            where &= t.c.event_id == message_id
        async with self._sessionmaker() as session, session.begin():
            result: Any = await session.execute(update(t).where(where).values(replay_requested_at=datetime.now(UTC)))
            return int(result.rowcount or 0)

    async def remove(self, message_id: str) -> None:
        t = self._t
        async with self._sessionmaker() as session, session.begin():
            await session.execute(delete(t).where((t.c.consumer == self.consumer) & (t.c.event_id == message_id)))

    async def _select(self, where: Any, limit: int | None) -> list[DeadLetter]:
        t = self._t
        stmt = (select(t.c.routing_key, t.c.event_id, t.c.body, t.c.reason)
                .where((t.c.consumer == self.consumer) & where).order_by(t.c.dead_at, t.c.event_id).limit(limit))
        async with self._engine.connect() as conn:  # a read: no write lock taken (the replay poller reads each second)
            rows = (await conn.execute(stmt)).all()
        return [DeadLetter(self.consumer, r.routing_key, r.event_id, r.body.encode(), r.reason) for r in rows]
