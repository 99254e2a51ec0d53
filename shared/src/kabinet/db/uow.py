"""Unit of work: one database transaction, plus the events it records into the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kabinet.context import EventContext, current_context
from kabinet.db.bulk import insert_many
from kabinet.db.deadline import terminate
from kabinet.events.contracts import EventContract, Prepared
from kabinet.events.envelope import Envelope
from kabinet.tracing import current_traceparent


class UnitOfWork:
    """``async with uow_factory() as uow: ...; await uow.commit()``.

    Events recorded with :meth:`publish` are written to the outbox in the same transaction as the
    change, so a change is never committed without its events, nor an event without its change.
    Leaving the block without commit rolls back.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Table,
        producer: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self.producer = producer
        self._on_commit = on_commit
        self._pending: list[Envelope] = []
        self.committed = False
        self._own_correlation_id: str | None = None  # when nothing set one: one for the whole transaction

    async def __aenter__(self) -> Self:
        self.session: AsyncSession = self._sessionmaker()
        await self.session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self.committed:
                if exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
                    # Cancelled (a consumer's handler timeout, a shutdown): the connection may be waiting on a
                    # database that stopped answering, and a rollback would wait on it without bound. Terminated
                    # instead: the server rolls back when the connection goes, the pool connects anew.
                    terminate(self.session)
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, event: EventContract | Prepared[Any], context: EventContext | None = None) -> Envelope:
        """Record an event to be published once this unit of work commits (``Prepared``: its payload as built).

        It carries the correlation and causation ids of ``context`` - what a handler captured with
        ``kabinet.context.current_context()`` while handling the event this one follows from - or else
        of the current request or event.
        """
        ctx = context or current_context()
        correlation_id = ctx.correlation_id
        if correlation_id is None:
            correlation_id = self._own_correlation_id = self._own_correlation_id or uuid.uuid4().hex
        payload = event.to_payload()
        envelope = Envelope(
            type=event.event_type,
            version=event.event_version,
            producer=self.producer,
            payload=payload,
            correlation_id=correlation_id,
            causation_id=ctx.causation_id,
            # The span current at publish (for an event published by a batch's finish step: the batch's span).
            traceparent=current_traceparent(),
            # Only when some fields are context: an event without any is byte for byte what it was.
            changed_ids=tuple(event.changed_ids(payload)) if event.context_fields else None,
        )
        self._pending.append(envelope)
        return envelope

    @property
    def pending_events(self) -> list[Envelope]:
        return list(self._pending)

    async def commit(self) -> None:
        if self._pending:
            now = datetime.now(UTC)
            rows: list[dict[str, Any]] = [
                {
                    "id": e.id,
                    "routing_key": e.routing_key,
                    "body": e.to_json().decode(),
                    "created_at": now,
                    "attempts": 0,
                }
                for e in self._pending
            ]
            await insert_many(self.session, self._outbox, rows)
        await self.session.commit()
        self.committed = True
        if self._pending and self._on_commit is not None:
            self._on_commit()  # wake the relay: publish promptly instead of at the next poll
        self._pending.clear()

    async def rollback(self) -> None:
        await self.session.rollback()
        self._pending.clear()
