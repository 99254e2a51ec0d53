"""Idempotent consumer: the inbox row and the handler's effect commit in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kabinet.bus.base import Handler
from kabinet.context import causation_id_var, correlation_id_var
from kabinet.db.uow import UnitOfWork
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent

log = logging.getLogger(__name__)

EventHandler = Callable[[Envelope, UnitOfWork], Awaitable[None]]


async def claim(uow: UnitOfWork, inbox: Table, consumer: str, envelope: Envelope) -> bool:
    """Record the event as handled by ``consumer``; False when it already was (a duplicate)."""
    values = {"consumer": consumer, "event_id": envelope.id, "routing_key": envelope.routing_key,
              "handled_at": datetime.now(UTC)}
    dialect = uow.session.bind.dialect.name if uow.session.bind is not None else "postgresql"
    insert_fn = sqlite_insert if dialect == "sqlite" else pg_insert
    stmt = insert_fn(inbox).values(**values).on_conflict_do_nothing().returning(inbox.c.event_id)
    result = await uow.session.execute(stmt)
    return result.first() is not None


def inbox_handler(
    consumer: str,
    uow_factory: Callable[[], UnitOfWork],
    inbox: Table,
    handlers: Mapping[str, EventHandler],
) -> Handler:
    """Wrap a service's per-routing-key handlers into one bus handler with deduplication.

    The correlation id of the event becomes the context of everything the handler logs and publishes;
    the event's id becomes the causation id of events it publishes.
    """

    async def handle(envelope: Envelope) -> None:
        fn = handlers.get(envelope.routing_key)
        if fn is None:
            raise MalformedEvent(f"{consumer} has no handler for {envelope.routing_key}")
        ctok = correlation_id_var.set(envelope.correlation_id)
        ktok = causation_id_var.set(envelope.id)
        try:
            async with uow_factory() as uow:
                if not await claim(uow, inbox, consumer, envelope):
                    log.info("duplicate event ignored", extra={"consumer": consumer, "event_id": envelope.id})
                    return
                await fn(envelope, uow)
                await uow.commit()
        finally:
            correlation_id_var.reset(ctok)
            causation_id_var.reset(ktok)

    return handle
