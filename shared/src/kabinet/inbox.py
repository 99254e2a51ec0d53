"""Idempotent consumer: the inbox row and the handlers' effects commit in one transaction.

A service declares what it consumes as a :class:`Consumer`: one route per routing key (a handler), each
registered explicitly as

- :func:`each` - ``async def handler(event, uow, batch)``, called once per event, inside that event's
  context (its correlation id and its id as causation id for what the handler logs and publishes), or
- :func:`batch` - ``async def handler(events, uow, batch)``, called once per run of consecutive events of its
  type with all of them (:class:`Delivered`: the parsed event and the context of its envelope),

plus ``start`` (a new per-transaction state, ``batch`` above: e.g. the ledger postings the handlers collect)
and ``finish`` (``async def finish(uow, batch)``, run once after every handler and before the commit: e.g. to
post what was collected together, in one lock order); a consumer that needs neither leaves both out (its state
is ``None``). The consumer hands events to the handlers in the order they are handled, so a handler sees what
the handlers of earlier events wrote.

Every service binds its consumer the same way: ``service/handlers.py`` declares
``HANDLERS: Consumer[<Svc>UnitOfWork, <State>]`` against the service's unit-of-work Protocol, and bootstrap
hands it to ``kabinet.runtime.ServiceSpec`` with ``service_uow`` (``adapters/unit_of_work.py``), the function
that makes the service's unit of work of the one the inbox opened (its transaction, with the inbox rows);
the runtime runs :meth:`Consumer.bound` of the two.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar, cast, overload

from sqlalchemy import Table

from kabinet.bus.base import BatchHandler, Handler
from kabinet.context import EventContext, event_context
from kabinet.db.bulk import BulkInsert
from kabinet.db.uow import UnitOfWork
from kabinet.events.applied import EventsApplied
from kabinet.events.contracts import EventContract
from kabinet.events.envelope import Envelope
from kabinet.events.errors import MalformedEvent
from kabinet.tracing import traced_batch_consumer, traced_consumer

log = logging.getLogger(__name__)

# The older per-envelope form (still accepted: a mapping routing key -> handler, no state, no finish step).
EventHandler = Callable[[Envelope, UnitOfWork], Awaitable[None]]

U = TypeVar("U")  # the unit of work the handlers are written against (a service's own, or the kit's)
V = TypeVar("V")  # the unit of work a bound consumer is run with (the kit's, which the inbox opens)
S = TypeVar("S")  # the state of one transaction's handling, from ``start`` to ``finish``
E = TypeVar("E", bound=EventContract)


class _Publishes(Protocol):
    """Every unit of work a consumer runs with publishes through its outbox (the kit's and the services')."""

    def publish(self, event: EventContract) -> object: ...


@dataclass(frozen=True, slots=True)
class Delivered(Generic[E]):
    """One event of a batch: its payload, parsed, and the context of its envelope - what an event published
    on its behalf carries (``uow.publish(event, context=delivered.context)``)."""

    event: E
    context: EventContext
    occurred_at: datetime

    @property
    def event_id(self) -> str:
        return self.context.causation_id or ""


@dataclass(frozen=True, slots=True)
class Route(Generic[U, S]):
    """One subscription: a routing key and what handles a run of its envelopes (:func:`each`, :func:`batch`)."""

    routing_key: str
    handler_name: str
    apply: Callable[[Sequence[Envelope], U, S], Awaitable[None]]
    # True when every change the handler makes to what the service answers is published as an event of its own
    # (which names what changed): caches then need not drop this service's answers on the event it consumes -
    # a drop at that moment, before the handler ran, could not keep them fresh anyway.
    announces: bool = False


def each(contract: type[E], handler: Callable[[E, U, S], Awaitable[None]], *, announces: bool = False
         ) -> Route[U, S]:
    """Subscribe ``handler(event, uow, batch)`` to ``contract``: once per event, in the event's context.
    ``announces``: see :class:`Route`."""

    async def apply(envelopes: Sequence[Envelope], uow: U, state: S) -> None:
        for envelope in envelopes:
            with event_context(envelope.correlation_id, envelope.id):
                await handler(contract.parse_envelope(envelope), uow, state)

    return Route(contract.routing_key(), handler.__qualname__, apply, announces)


def batch(contract: type[E], handler: Callable[[Sequence[Delivered[E]], U, S], Awaitable[None]], *,
          announces: bool = False) -> Route[U, S]:
    """Subscribe ``handler(events, uow, batch)`` to ``contract``: once per run of consecutive events of this
    type in the batch, with all of them (set-wise work: a few statements for the whole run). ``announces``: see
    :class:`Route`."""

    async def apply(envelopes: Sequence[Envelope], uow: U, state: S) -> None:
        await handler([Delivered(contract.parse_envelope(e), EventContext(e.correlation_id, e.id), e.occurred_at)
                       for e in envelopes], uow, state)

    return Route(contract.routing_key(), handler.__qualname__, apply, announces)


def _no_state() -> None:
    return None


async def _nothing_to_finish(uow: object, state: object) -> None:
    return None


class Consumer(Mapping[str, Route[U, S]]):
    """All the subscriptions of a service (routing key -> route), its per-transaction state and the
    step that finishes a transaction's handling. :meth:`handle` is what the inbox runs for new events.

    ``Consumer(routes)`` alone: no state (``None``) and nothing to finish. ``applied``: the service's
    :class:`~kabinet.events.applied.EventsApplied`, published with the commit of every transaction that applied an
    event of a route that does not announce its changes (see that module: what keeps caches of its answers true)."""

    @overload
    def __init__(self: Consumer[U, None], routes: Iterable[Route[U, None]], *,
                 applied: type[EventsApplied] | None = None) -> None: ...

    @overload
    def __init__(self, routes: Iterable[Route[U, S]], *, start: Callable[[], S],
                 finish: Callable[[U, S], Awaitable[None]], applied: type[EventsApplied] | None = None) -> None: ...

    def __init__(self, routes: Iterable[Route[U, Any]], *, start: Callable[[], Any] = _no_state,
                 finish: Callable[[U, Any], Awaitable[None]] = _nothing_to_finish,
                 applied: type[EventsApplied] | None = None) -> None:
        self._routes: dict[str, Route[U, S]] = {}
        for sub in routes:
            if sub.routing_key in self._routes:
                raise ValueError(f"two handlers for {sub.routing_key}")
            self._routes[sub.routing_key] = sub
        self.start = start
        self.finish = finish
        self.applied = applied

    def __getitem__(self, routing_key: str) -> Route[U, S]:
        return self._routes[routing_key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def bound(self, service_uow: Callable[[V], U]) -> Consumer[V, S]:
        """This consumer as the inbox runs it: its routes and finish step get ``service_uow(uow)``, the
        service's unit of work over the one the inbox opened (``V``: the kit's) - one way for every service."""

        def route(r: Route[U, S]) -> Route[V, S]:
            async def apply(envelopes: Sequence[Envelope], uow: V, state: S) -> None:
                await r.apply(envelopes, service_uow(uow), state)

            return Route(r.routing_key, r.handler_name, apply, r.announces)

        async def finish(uow: V, state: S) -> None:
            await self.finish(service_uow(uow), state)

        return Consumer([route(r) for r in self.values()], start=self.start, finish=finish, applied=self.applied)

    async def handle(self, uow: U, envelopes: Sequence[Envelope]) -> None:
        """Each run of consecutive envelopes of one routing key to its route, in order; then finish."""
        state = self.start()
        i = 0
        while i < len(envelopes):
            key = envelopes[i].routing_key
            j = i + 1
            while j < len(envelopes) and envelopes[j].routing_key == key:
                j += 1
            await self._routes[key].apply(envelopes[i:j], uow, state)
            i = j
        await self.finish(uow, state)
        if self.applied is not None:
            silent = [e for e in envelopes if not self._routes[e.routing_key].announces]
            if silent:
                cast(_Publishes, uow).publish(self.applied.of(silent))


def consumer_of(handlers: Consumer[Any, Any] | Mapping[str, EventHandler]) -> Consumer[Any, Any]:
    """A :class:`Consumer` as is; the older per-envelope mapping as a consumer of :func:`each`-like
    routes with no state and nothing to finish."""
    if isinstance(handlers, Consumer):
        return handlers

    def legacy(key: str, fn: EventHandler) -> Route[UnitOfWork, None]:
        async def apply(envelopes: Sequence[Envelope], uow: UnitOfWork, state: None) -> None:
            for envelope in envelopes:
                with event_context(envelope.correlation_id, envelope.id):
                    await fn(envelope, uow)

        return Route(key, getattr(fn, "__qualname__", key), apply)

    return Consumer([legacy(k, fn) for k, fn in handlers.items()])


async def claim(uow: UnitOfWork, inbox: Table, consumer: str, envelope: Envelope) -> bool:
    """Record the event as handled by ``consumer``; False when it already was (a duplicate)."""
    return bool(await claim_many(uow, inbox, consumer, [envelope]))


async def claim_many(uow: UnitOfWork, inbox: Table, consumer: str, envelopes: Sequence[Envelope]) -> set[str]:
    """Record events as handled by ``consumer`` in one statement; returns the ids that were new.

    A concurrent transaction claiming the same id waits on the unique key until this one ends, so an
    event is never applied twice even when two deliveries of it are handled at the same time.
    """
    if not envelopes:
        return set()
    now = datetime.now(UTC)
    # One constant statement whatever the batch's size (see kabinet.db.bulk).
    result = await _claim_statement(inbox).execute(uow.session, {
        "consumer": [consumer] * len(envelopes), "event_id": [e.id for e in envelopes],
        "routing_key": [e.routing_key for e in envelopes], "handled_at": [now] * len(envelopes)})
    assert result is not None
    return {str(r[0]) for r in result.all()}


@lru_cache(maxsize=64)
def _claim_statement(inbox: Table) -> BulkInsert:
    """The claiming statement of an inbox table, built once (as kabinet.db.bulk's plain inserts are)."""
    return BulkInsert(inbox, ("consumer", "event_id", "routing_key", "handled_at"),
                      lambda stmt: stmt.on_conflict_do_nothing().returning(inbox.c.event_id))


def inbox_handler(
    consumer: str,
    uow_factory: Callable[[], UnitOfWork],
    inbox: Table,
    handlers: Consumer[Any, Any] | Mapping[str, EventHandler],
) -> Handler:
    """One event in one transaction, with deduplication: claimed in the inbox, handled (a batch of one:
    its handler, then the consumer's finish step), committed.

    The correlation id of the event becomes the context of everything the handler logs and publishes;
    the event's id becomes the causation id of events it publishes.
    """
    spec = consumer_of(handlers)

    async def handle(envelope: Envelope) -> None:
        if envelope.routing_key not in spec:
            raise MalformedEvent(f"{consumer} has no handler for {envelope.routing_key}")
        with event_context(envelope.correlation_id, envelope.id):
            async with uow_factory() as uow:
                if not await claim(uow, inbox, consumer, envelope):
                    log.info("duplicate event ignored", extra={"consumer": consumer, "event_id": envelope.id})
                    return
                await spec.handle(uow, [envelope])
                await uow.commit()

    return traced_consumer(consumer, handle)


def inbox_batch_handler(
    consumer: str,
    uow_factory: Callable[[], UnitOfWork],
    inbox: Table,
    handlers: Consumer[Any, Any] | Mapping[str, EventHandler],
    order_key: Callable[[Envelope], str] | None = None,
) -> BatchHandler:
    """Several events in one transaction: one inbox statement, the new events to the consumer's handlers
    (runs of one type to a :func:`batch` handler, each event to an :func:`each` handler), its finish step,
    one commit.

    All or nothing: any error (a malformed payload, a failing handler, no handler for a key) rolls the
    whole batch back and raises, and the transport then handles each event alone with
    :func:`inbox_handler`, which isolates the culprit. :func:`each` handlers see the same per-event context
    (correlation and causation ids) as when handled alone; batch handlers and the finish step run outside
    every event's context, and publish on an event's behalf with the context it was delivered with
    (:attr:`Delivered.context`, or ``kabinet.context.current_context()`` captured by an each-handler).

    ``order_key``: the batch is handled in this order (stable: events with one key keep theirs), so that
    two batches handled at once take their row locks in one order and never deadlock - e.g. the id of
    the aggregate whose rows the handler writes. Events must not depend on order across keys anyway.
    """
    spec = consumer_of(handlers)

    async def handle(envelopes: Sequence[Envelope]) -> None:
        missing = [e.routing_key for e in envelopes if e.routing_key not in spec]
        if missing:
            raise MalformedEvent(f"{consumer} has no handler for {missing[0]}")
        async with uow_factory() as uow:
            # The inbox rows in id order, for the same reason as ``order_key``.
            new = await claim_many(uow, inbox, consumer, sorted(envelopes, key=lambda e: e.id))
            todo: list[Envelope] = []
            for envelope in sorted(envelopes, key=order_key) if order_key is not None else envelopes:
                if envelope.id in new:
                    new.discard(envelope.id)  # the same event twice in one batch: once
                    todo.append(envelope)
            await spec.handle(uow, todo)
            await uow.commit()

    return traced_batch_consumer(consumer, handle)
