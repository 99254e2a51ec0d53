"""A service's runtime: database, unit of work, bus, relay and consumers, with self-healing start-up.

Each service builds one ``ServiceRuntime`` in its composition root (``<service>/bootstrap.py``);
tests build it with test settings. Start-up never fails because the database or broker is down:
the service keeps serving /healthz, reports not ready on /readyz, and connects when they return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from kabinet.auth.tokens import KeySource, TokenVerifier
from kabinet.bus.base import Subscription, Transport
from kabinet.bus.memory import InProcessTransport
from kabinet.db.deadline import TrackedSession, database_deadline
from kabinet.db.engine import create_engine, create_sessionmaker, is_sqlite
from kabinet.db.migrations import upgrade
from kabinet.db.uow import UnitOfWork
from kabinet.dead_letters import SqlDeadLetters
from kabinet.events.envelope import Envelope
from kabinet.inbox import Consumer, EventHandler, consumer_of, inbox_batch_handler, inbox_handler
from kabinet.outbox import OutboxRelay
from kabinet.settings import ServiceSettings

log = logging.getLogger(__name__)

ENGINE_DISPOSE_TIMEOUT_S = 3.0  # closing the pooled connections at stop
READINESS_DB_TIMEOUT_S = 3.0  # a database check that takes longer reports "not ready"

U = TypeVar("U")  # the unit of work a service's handlers are written against


@dataclass
class ServiceSpec(Generic[U]):
    """What a service declares about itself: its tables, migrations and the events it consumes.

    A service's consumer, the one way: ``handlers=HANDLERS`` (``service/handlers.py``: a
    ``kabinet.inbox.Consumer`` typed on the service's unit-of-work Protocol) and ``service_uow=service_uow``
    (``adapters/unit_of_work.py``: the service's unit of work over the kit's one the inbox opens); the
    runtime runs ``handlers.bound(service_uow)`` (:attr:`consumer`)."""

    name: str
    metadata: MetaData
    outbox: Table
    inbox: Table
    migrations_dir: Path
    # All subscriptions of a service in one place (one durable queue): a kabinet.inbox.Consumer (or, for the
    # kit's own tests and benchmarks, the older mapping routing key -> per-envelope handler on the kit's uow).
    handlers: Consumer[U, Any] | Mapping[str, EventHandler] = field(default_factory=dict)
    # The service's unit of work of the kit's one (the inbox's transaction); None: the handlers take the kit's.
    service_uow: Callable[[UnitOfWork], U] | None = None
    # The order a batch is handled in, so concurrent batches lock rows in one order (see inbox_batch_handler).
    order_key: Callable[[Envelope], str] | None = None
    # The consumer's dead letters on the in-process bus (kabinet.db.add_dead_letter_table); None: kept in memory
    # only, lost at a stop (the kit's own test services on RabbitMQ, which keeps them in the .dlq).
    dead_letters: Table | None = None
    # How long the consumer waits for more events before handling a lone one (kabinet.bus.base.Subscription);
    # None: MessagingSettings.batch_linger_s. Longer for a consumer whose effects nobody waits on.
    consumer_linger_s: float | None = None

    @property
    def consumer(self) -> Consumer[UnitOfWork, Any]:
        """The handlers as the inbox runs them, on the kit's unit of work."""
        consumer = consumer_of(self.handlers)
        return consumer if self.service_uow is None else consumer.bound(self.service_uow)


class ServiceRuntime:
    def __init__(
        self,
        spec: ServiceSpec[Any],
        settings: ServiceSettings,
        *,
        transport: Transport | None = None,
        key_source: KeySource | None = None,
        auto_migrate: bool | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.database_url = settings.resolved_database_url()
        self.engine: AsyncEngine = create_engine(self.database_url, pool_size=settings.db_pool_size,
                                                 max_overflow=settings.db_max_overflow, ssl=settings.db_ssl,
                                                 keepalive=settings.db_keepalive())
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)
        if transport is None:
            if settings.messaging.amqp_url:
                from kabinet.bus.rabbit import RabbitTransport

                transport = RabbitTransport(settings.messaging)
            else:
                transport = InProcessTransport.from_settings(settings.messaging)
        self.transport: Transport = transport
        if spec.handlers and isinstance(transport, InProcessTransport):
            # Events bound to this consumer wait in their outboxes until it has subscribed (see declare).
            transport.declare(spec.name, tuple(spec.handlers))
        # Embedded mode (SQLite) migrates at start; on PostgreSQL the `migrate` command does it.
        self.auto_migrate = is_sqlite(self.database_url) if auto_migrate is None else auto_migrate
        self.relay = OutboxRelay(self.sessionmaker, spec.outbox, self.transport, service=spec.name,
                                 poll_interval_s=settings.outbox_poll_interval_s,
                                 db_timeout_s=settings.outbox_db_timeout_s)
        self.key_source = key_source or KeySource(jwks_url=settings.auth.jwks_url)
        self.verifier = TokenVerifier(self.key_source, settings.auth.issuer, settings.auth.audience,
                                      settings.auth.leeway_s)
        self.database_ready = False
        self.broker_ready = False
        self._ready = asyncio.Event()  # set once both came up the first time (wait_ready)
        self._tasks: list[asyncio.Task[None]] = []
        self._owns_transport = True
        self._jobs: list[tuple[str, float, Callable[[], Awaitable[object]]]] = []

    def add_job(self, name: str, interval_s: float, job: Callable[[], Awaitable[object]]) -> None:
        """A periodic job of this service (0 turns it off): run once the service is ready, then every interval,
        until the runtime stops; a failed run is logged and the next one goes ahead."""
        if interval_s > 0:
            self._jobs.append((name, interval_s, job))

    async def _run_job(self, name: str, interval_s: float, job: Callable[[], Awaitable[object]]) -> None:
        await self._ready.wait()
        while True:
            try:
                await job()
            except Exception:
                log.exception("periodic job failed", extra={"service": self.name, "job": name})
            await asyncio.sleep(interval_s)

    def share_transport(self) -> None:
        """In embedded mode one in-process bus serves every service; only its creator closes it."""
        self._owns_transport = False

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, self.spec.outbox, self.name, on_commit=self.relay.wake)

    async def migrate(self) -> None:
        await upgrade(self.spec.migrations_dir, self.database_url)

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._bring_up(), name=f"{self.name}-startup"))
        for name, interval_s, job in self._jobs:
            self._tasks.append(asyncio.create_task(self._run_job(name, interval_s, job), name=f"{self.name}-{name}"))
        if self.key_source.jwks_url:
            # Identity's keys fetched at start, not by the first requests (which wait for this fetch).
            self._tasks.append(asyncio.create_task(self.key_source.fetch_until_done(), name=f"{self.name}-keys"))

    async def wait_ready(self, timeout_s: float = 30.0) -> None:
        """For CLIs and tests: wait until the database and broker are up (raises TimeoutError)."""
        async with asyncio.timeout(timeout_s):
            await self._ready.wait()

    async def _bring_up(self) -> None:
        retrying = AsyncRetrying(wait=wait_exponential(multiplier=0.2, max=5),
                                 retry=retry_if_exception_type(Exception), reraise=True)
        async for attempt in retrying:
            with attempt:
                if self.auto_migrate:
                    await self.migrate()
                await self.check_database()
        self.database_ready = True
        async for attempt in retrying.copy():
            with attempt:
                await self._connect_and_subscribe()
        self.broker_ready = True
        self._ready.set()
        self.relay.start()
        log.info("service ready", extra={"service": self.name})

    async def _connect_and_subscribe(self) -> None:
        """Connect and declare the consumer; a failure half-way starts again from a clean transport
        (the robust connection restores what was declared once this succeeded, not before)."""
        try:
            if not self.transport.is_connected():
                await self.transport.connect()
            if self.spec.handlers:
                args = (self.name, self.uow, self.spec.inbox, self.spec.consumer)
                batch = inbox_batch_handler(*args, order_key=self.spec.order_key)
                dead = self.spec.dead_letters
                await self.transport.subscribe(Subscription(
                    self.name, tuple(self.spec.handlers), inbox_handler(*args), batch, probe=self.check_database,
                    dead_letters=None if dead is None else SqlDeadLetters(self.engine, dead, self.name),
                    linger_s=self.spec.consumer_linger_s))
        except Exception as exc:
            log.warning("broker not reachable yet", extra={"service": self.name, "error": repr(exc)})
            if self._owns_transport:
                with contextlib.suppress(Exception):
                    await self.transport.close()
            raise

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a start-up stuck in a driver call must not hang the shutdown.
            done, _ = await asyncio.wait(self._tasks, timeout=10)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.warning("start-up ended with an error", extra={"service": self.name,
                                                                       "error": repr(task.exception())})
        self._tasks.clear()
        await self.relay.stop()
        if self._owns_transport:
            with contextlib.suppress(Exception):
                await self.transport.close()
        try:
            # Bounded: closing a connection gracefully waits on its socket, forever when the database host
            # stopped answering but still holds the connection (a frozen server, a stalled proxy).
            async with asyncio.timeout(ENGINE_DISPOSE_TIMEOUT_S):
                await self.engine.dispose()
        except TimeoutError:
            log.warning("database connections not closed in time; dropped",
                        extra={"service": self.name, "timeout_s": ENGINE_DISPOSE_TIMEOUT_S})
            await self.engine.dispose(close=False)  # the sockets go with the process

    # -- readiness --------------------------------------------------------------------------------
    async def check_database(self) -> None:
        # A reader's session (no BEGIN IMMEDIATE on SQLite) whose connection the bound terminates: a graceful
        # close of a stalled connection would wait on the dead socket 2 s more, every check.
        async with AsyncSession(self.engine, sync_session_class=TrackedSession) as session, \
                database_deadline(session, READINESS_DB_TIMEOUT_S):
            await session.execute(text("SELECT 1"))
            await session.rollback()

    async def readiness(self) -> dict[str, bool]:
        try:
            await self.check_database()
            db = True
        except Exception:
            db = False
        broker = self.transport.is_connected() and self.broker_ready
        checks = {"database": db and self.database_ready, "broker": broker}
        if self.spec.handlers:
            # A consumer stuck with messages waiting (e.g. on a broker that stopped answering) is not ready.
            stalled = await self.transport.stalled_consumers() if broker else []
            if stalled:
                log.warning("consumer makes no progress", extra={"service": self.name, "consumers": stalled})
            checks["consumers"] = broker and not stalled
        return checks
