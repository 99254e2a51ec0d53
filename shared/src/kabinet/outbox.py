"""The outbox relay: publishes committed events, in order, at least once.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several replicas of a service can
relay side by side without publishing a row twice at the same time; a row is marked published only
after the broker confirmed it. A failed publish leaves the row unpublished with the error and the number
of attempts recorded. When the broker is unreachable the whole relay backs off exponentially; a row the
broker refuses on its own (unroutable) backs off alone, so it never holds up the rows behind it. Rows
are published in order of commit, but a row that failed is retried after later ones: consumers must not
depend on order across events (they are idempotent and tolerant readers).

The database work of a pass (claiming the rows; marking them and committing) is bounded by ``db_timeout_s``
each (the publishing between them by the transport's own bounds): a database that stopped answering (a
half-open network) would otherwise hold the pass - and every event behind it - until the kernel gives up.
Past the bound the connection is terminated (``kabinet.db.deadline``), the pass fails as an outage and the relay
backs off and tries again on a new connection; rows published but not marked are published again (consumers
drop duplicates).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kabinet.bus.base import BrokerUnavailable, PublishError, Transport, Unroutable
from kabinet.db.deadline import database_deadline
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.metrics import OUTBOX_PUBLISH_FAILED, OUTBOX_PUBLISHED
from kabinet.tracing import traced_publish

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
        row_backoff_max_s: float = 60.0,
        db_timeout_s: float = 10.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._transport = transport
        self.service = service
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self.max_backoff_s = max_backoff_s
        self.row_backoff_max_s = row_backoff_max_s
        self.db_timeout_s = db_timeout_s
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None
        # Rows the broker refused on their own (unroutable, nacked): seq -> monotonic time of the next
        # try. They back off one by one, so one bad row never delays the events behind it.
        self._deferred: dict[int, float] = {}
        self._broker_down = False  # set by a pass that failed for broker reasons: run() backs off
        # The last pass read a whole batch: there may be more rows behind it (run() passes again at once).
        self._full = False

    def wake(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> tuple[int, int]:
        """One pass over unpublished rows: returns (published, failed).

        Raises :class:`BrokerUnavailable` without touching any row when the transport is not connected.
        """
        if not self._transport.is_connected():
            raise BrokerUnavailable("not connected to the broker")
        now = time.monotonic()
        self._deferred = {seq: at for seq, at in self._deferred.items() if at > now}
        o = self._outbox
        stmt = (
            select(o.c.seq, o.c.id, o.c.body, o.c.attempts)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.seq)
            .limit(self.batch_size + len(self._deferred))
        )
        async with self._sessionmaker() as session:
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                # The transaction inside the deadline: its rollback, after a wait that ran out, is bounded too.
                async with database_deadline(session, self.db_timeout_s) as deadline, session.begin():
                    # Hold the row locks while publishing: another relay skips these rows.
                    rows = (await session.execute(stmt.with_for_update(skip_locked=True))).all()
                    return await self._publish_rows(session, self._due(rows), deadline.suspended)
            # SQLite (embedded, one process): read, then publish outside the read transaction so the
            # in-process consumers may write meanwhile, then mark in a short write transaction.
            async with session.begin():
                rows = (await session.execute(stmt)).all()
            async with session.begin():
                return await self._publish_rows(session, self._due(rows))

    async def _parse(self, session: AsyncSession, rows: Sequence[Any]) -> tuple[list[Any], list[Envelope]]:
        """The rows' envelopes; a row whose body cannot be parsed (written by hand?) is reported and set
        aside like an unroutable one, instead of failing every pass of the relay."""
        good: list[Any] = []
        envelopes: list[Envelope] = []
        for row in rows:
            try:
                envelopes.append(Envelope.from_json(row.body.encode()))
                good.append(row)
            except MalformedEvent as exc:
                self._deferred[row.seq] = time.monotonic() + self.row_backoff_max_s
                log.error("outbox row is not a valid envelope", extra={"service": self.service, "seq": row.seq,
                                                                       "error": str(exc)})
                await session.execute(update(self._outbox).where(self._outbox.c.seq == row.seq)
                                      .values(attempts=self._outbox.c.attempts + 1,
                                              last_error=f"malformed: {exc}"[:2000]))
        return good, envelopes

    def _due(self, rows: Sequence[Any]) -> list[Any]:
        due = [r for r in rows if r.seq not in self._deferred]
        self._full = len(due) >= self.batch_size
        return due[: self.batch_size]

    async def _publish_rows(self, session: AsyncSession, rows: Sequence[Row[Any]],
                            publishing: Callable[[], AbstractContextManager[None]] = nullcontext
                            ) -> tuple[int, int]:
        """``publishing``: what the publish runs in (the database deadline suspended: the broker's waits are
        bounded by the transport)."""
        if not rows:
            return 0, 0
        o = self._outbox
        rows, envelopes = await self._parse(session, rows)
        if not rows:
            return 0, 0
        with publishing():
            results = await traced_publish(self.service, envelopes, self._send)
        ok_seqs = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
        if ok_seqs:
            await session.execute(
                update(o).where(o.c.seq.in_(ok_seqs)).values(published_at=datetime.now(UTC))
            )
        broker_down: list[int] = []
        broker_error = ""
        unexpected: BaseException | None = None
        for row, res in zip(rows, results, strict=True):
            if not isinstance(res, BaseException):
                continue
            if isinstance(res, BrokerUnavailable) or not isinstance(res, PublishError):
                # Not this row's fault: the whole relay backs off (see run), the row is retried as is.
                broker_down.append(row.seq)
                broker_error = f"broker_unavailable: {res}"
                if not isinstance(res, PublishError):
                    unexpected = res
                continue
            kind = "unroutable" if isinstance(res, Unroutable) else "publish_failed"
            error = f"{kind}: {res}"
            self.last_error = error
            delay = min(self.row_backoff_max_s, 2.0 ** min(row.attempts, 10))
            self._deferred[row.seq] = time.monotonic() + delay
            log.error("outbox publish refused",
                      extra={"service": self.service, "event_id": row.id, "error": str(res), "kind": kind,
                             "attempts": row.attempts + 1, "retry_in_s": delay})
            await session.execute(
                update(o).where(o.c.seq == row.seq).values(attempts=o.c.attempts + 1, last_error=error[:2000])
            )
        if broker_down:
            self.last_error = broker_error
            log.warning("outbox publish failed: broker unavailable",
                        extra={"service": self.service, "rows": len(broker_down), "error": broker_error})
            await session.execute(
                update(o).where(o.c.seq.in_(broker_down))
                .values(attempts=o.c.attempts + 1, last_error=broker_error[:2000])
            )
        failed = len(rows) - len(ok_seqs)
        OUTBOX_PUBLISHED.labels(self.service).inc(len(ok_seqs))
        if failed:
            OUTBOX_PUBLISH_FAILED.labels(self.service).inc(failed)
        if unexpected is not None:
            log.error("unexpected publish error", exc_info=unexpected)
        if broker_down:
            # Let run() back off; the marks above are committed with the published ones.
            self._broker_down = True
        return len(ok_seqs), failed

    async def _send(self, envelopes: Sequence[Envelope]) -> Sequence[BaseException | None]:
        # All publishes of a batch in flight at once: their confirms arrive together (one round trip).
        publish_batch = getattr(self._transport, "publish_batch", None)
        if publish_batch is not None:
            results: Sequence[BaseException | None] = await publish_batch(envelopes)
            return results
        # A transport from before publish_batch: all in flight at once all the same.
        return await asyncio.gather(*(self._transport.publish(e) for e in envelopes), return_exceptions=True)

    async def run(self) -> None:
        attempt = 0
        while True:
            # asyncio.wait_for in 3.11 can swallow a cancel that races a wake-up (CPython gh-86296);
            # without this check stop() would wait forever for a relay that keeps looping.
            _raise_if_cancelling()
            self._broker_down = False
            # Cleared before the pass, not before the wait: a commit during a pass that found nothing (its rows
            # were not committed yet when it read) still wakes the wait below instead of waiting a poll interval.
            self._wake.clear()
            try:
                published, _failed = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: back off and go on
                _raise_if_cancelling()  # the driver may turn stop()'s cancellation into another error
                self.last_error = repr(exc)
                log.warning("outbox relay pass failed", extra={"service": self.service, "error": repr(exc)})
                published, self._broker_down = 0, True
            if self._broker_down:
                attempt += 1
                await self._sleep_or_wake(self._backoff_for(attempt), wakeable=False)
                continue
            attempt = 0
            if published and self._full:
                continue  # there may be more: drain before waiting
            # A pass that read less than a batch saw every row committed before it; a commit since set the wake
            # (cleared before the pass), so the wait below returns at once - without a pass that finds nothing
            # after each write (one BEGIN, SELECT and COMMIT a write, in every service).
            await self._sleep_or_wake(self.poll_interval_s, wakeable=True)

    async def _sleep_or_wake(self, seconds: float, *, wakeable: bool) -> None:
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        # asyncio.timeout, not wait_for: it never swallows a cancellation that races the wake-up.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    def _backoff_for(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, 0.2 * 2 ** min(attempt - 1, 10)))

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.service}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self, timeout_s: float = 10.0) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        # Bounded: a relay stuck in a driver call must not hang the shutdown (its rows stay unpublished
        # and are published after the restart, which is exactly the outbox's promise).
        done, _ = await asyncio.wait({task}, timeout=timeout_s)
        if not done:
            log.error("outbox relay did not stop in time", extra={"service": self.service})
        elif not task.cancelled() and task.exception() is not None:
            log.error("outbox relay had failed", exc_info=task.exception())


def _raise_if_cancelling() -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()
