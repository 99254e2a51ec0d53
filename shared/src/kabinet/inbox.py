"""Idempotent consumer: the inbox row and the handler's effect commit in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Table

from kabinet.bus.base import BatchHandler, Handler
from kabinet.context import event_context
from kabinet.db.dialect import insert_for
from kabinet.db.uow import UnitOfWork
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.tracing import traced_batch_consumer, traced_consumer

log = logging.getLogger(__name__)

EventHandler = Callable[[Envelope, UnitOfWork], Awaitable[None]]


async def claim(uow: UnitOfWork, inbox: Table, consumer: str, envelope: Envelope) -> bool:
    """Record the event as handled by ``consumer``; False when it already was (a duplicate)."""
    return bool(await claim_many(uow, inbox, consumer, [envelope]))


async def claim_many(uow: UnitOfWork, inbox: Table, consumer: str, envelopes: Sequence[Envelope]) -> set[str]:
    """Record events as handled by ``consumer`` in one statement; returns the ids that were new.

    A concurrent transaction claiming the same id waits on the unique key until this one ends, so an
    event is never applied twice even when two deliveries of it are handled at the same time.
    """
    now = datetime.now(UTC)
    rows = [{"consumer": consumer, "event_id": e.id, "routing_key": e.routing_key, "handled_at": now}
            for e in envelopes]
    stmt = insert_for(uow.session, inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
    result = await uow.session.execute(stmt)
    return {str(r[0]) for r in result.all()}


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
        with event_context(envelope.correlation_id, envelope.id):
            async with uow_factory() as uow:
                if not await claim(uow, inbox, consumer, envelope):
                    log.info("duplicate event ignored", extra={"consumer": consumer, "event_id": envelope.id})
                    return
                await fn(envelope, uow)
                await uow.commit()

    return traced_consumer(consumer, handle)


def inbox_batch_handler(
    consumer: str,
    uow_factory: Callable[[], UnitOfWork],
    inbox: Table,
    handlers: Mapping[str, EventHandler],
    order_key: Callable[[Envelope], str] | None = None,
) -> BatchHandler:
    """Several events in one transaction: one inbox statement, each new event's handler, one commit.

    All or nothing: any error (a malformed payload, a failing handler, no handler for a key) rolls the
    whole batch back and raises, and the transport then handles each event alone with
    :func:`inbox_handler`, which isolates the culprit. Handlers see the same per-event context
    (correlation and causation ids) as when handled alone; an event published at the commit (after the
    handlers) is published with the context captured for it (``uow.publish(event, context=...)``).

    ``order_key``: the batch is handled in this order (stable: events with one key keep theirs), so that
    two batches handled at once take their row locks in one order and never deadlock - e.g. the id of
    the aggregate whose rows the handler writes. Events must not depend on order across keys anyway.
    """

    async def handle(envelopes: Sequence[Envelope]) -> None:
        missing = [e.routing_key for e in envelopes if e.routing_key not in handlers]
        if missing:
            raise MalformedEvent(f"{consumer} has no handler for {missing[0]}")
        async with uow_factory() as uow:
            # The inbox rows in id order, for the same reason as ``order_key``.
            new = await claim_many(uow, inbox, consumer, sorted(envelopes, key=lambda e: e.id))
            for envelope in sorted(envelopes, key=order_key) if order_key is not None else envelopes:
                if envelope.id not in new:
                    continue
                new.discard(envelope.id)  # the same event twice in one batch: once
                with event_context(envelope.correlation_id, envelope.id):
                    await handlers[envelope.routing_key](envelope, uow)
            # Outside every event's context: what a handler defers to the commit must carry the
            # context it captured (kabinet.context.current_context) when it handled its event.
            await uow.commit()

    return traced_batch_consumer(consumer, handle)
