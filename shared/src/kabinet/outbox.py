"""The outbox relay: publishes committed events, in order, at least once.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several replicas of a service can
relay side by side without publishing a row twice at the same time; a row is marked published only
after the broker confirmed it. A failed publish leaves the row unpublished with the error recorded, and
the relay backs off (tenacity's exponential wait) before trying again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kabinet.bus.base import PublishError, Transport, Unroutable
from kabinet.events.envelope import Envelope
from kabinet.metrics import OUTBOX_PUBLISH_FAILED, OUTBOX_PUBLISHED

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Table,
        transport: Transport,
        *,
        service: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        max_backoff_s: float = 10.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._transport = transport
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self.max_backoff_s = max_backoff_s
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None

    def wake(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> tuple[int, int]:
        """One pass over unpublished rows: returns (published, failed)."""
        o = self._outbox
        stmt = (
            select(o.c.seq, o.c.id, o.c.body)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.seq)
            .limit(self.batch_size)
        )
        async with self._sessionmaker() as session:
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                # Hold the row locks while publishing: another relay skips these rows.
                async with session.begin():
                    rows = (await session.execute(stmt.with_for_update(skip_locked=True))).all()
                    return await self._publish_rows(session, rows)
            # SQLite (embedded, one process): read, then publish outside the read transaction so the
            # in-process consumers may write meanwhile, then mark in a short write transaction.
            async with session.begin():
                rows = (await session.execute(stmt)).all()
            async with session.begin():
                return await self._publish_rows(session, rows)

    async def _publish_rows(self, session: AsyncSession, rows: Sequence[Row[Any]]) -> tuple[int, int]:
        if not rows:
            return 0, 0
        o = self._outbox
        envelopes = [Envelope.from_json(r.body.encode()) for r in rows]
        results = await asyncio.gather(*(self._transport.publish(e) for e in envelopes), return_exceptions=True)
        ok_seqs = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
        if ok_seqs:
            await session.execute(
                update(o).where(o.c.seq.in_(ok_seqs)).values(published_at=datetime.now(UTC))
            )
        failed = 0
        unexpected: BaseException | None = None
        for row, res in zip(rows, results, strict=True):
            if not isinstance(res, BaseException):
                continue
            failed += 1
            kind = "unroutable" if isinstance(res, Unroutable) else "publish_failed"
            self.last_error = f"{kind}: {res}"
            log.error("outbox publish failed",
                      extra={"service": self.service, "event_id": row.id, "error": str(res), "kind": kind})
            await session.execute(
                update(o).where(o.c.seq == row.seq)
                .values(attempts=o.c.attempts + 1, last_error=f"{kind}: {res}"[:2000])
            )
            if not isinstance(res, PublishError):
                unexpected = res
        OUTBOX_PUBLISHED.labels(self.service).inc(len(ok_seqs))
        if failed:
            OUTBOX_PUBLISH_FAILED.labels(self.service).inc(failed)
        if unexpected is not None:
            log.error("unexpected publish error", exc_info=unexpected)
        return len(ok_seqs), failed

    async def run(self) -> None:
        attempt = 0
        while True:
            try:
                published, failed = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database down, etc.: back off and go on
                self.last_error = repr(exc)
                log.warning("outbox relay pass failed", extra={"service": self.service, "error": repr(exc)})
                published, failed = 0, 1
            if failed:
                attempt += 1
                await asyncio.sleep(self._backoff_for(attempt))
                continue
            attempt = 0
            if published:
                continue  # there may be more: drain before waiting
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval_s)

    def _backoff_for(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, 0.2 * 2 ** min(attempt - 1, 10)))

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
