"""A purpose-built service for the delivery tests: one event type, one consumer, a countable effect.

The ``effects`` table deliberately has no unique constraint on the event id: if the inbox ever let an
event through twice, ``count(*)`` would exceed ``count(DISTINCT event_id)`` instead of the database
hiding it. Loaded both by tests/events/conftest.py and by the child process of the crash test.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kabinet.db.bulk import BulkCopy
from kabinet.db.messaging_tables import add_messaging_tables
from kabinet.db.uow import UnitOfWork
from kabinet.events import Envelope, EventContract
from kabinet.inbox import EventHandler
from kabinet.runtime import ServiceSpec
from kabinet.testing.stack import eventually

NAME = "kt"

metadata = MetaData()
outbox, inbox = add_messaging_tables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("n", Integer, nullable=False),
)

_copy_effect = BulkCopy(effects, ("event_id", "n"))


# Not registered with @produces: the test contracts stay out of the published catalogue.
class Ping(EventContract):
    event_type: ClassVar[str] = "kt.ping.happened"
    n: int


class Orphan(EventContract):
    """An event no queue is bound to (and not catalogued): the broker returns it as unroutable."""

    event_type: ClassVar[str] = "kt.orphan.happened"
    n: int


@dataclass
class Behaviour:
    """What the test's handler does, changeable mid-test; ``tries`` counts every call per n. ``copy``: the effect
    is written by COPY (``kabinet.db.bulk.BulkCopy``); ``before_write(n)`` is called just before it is written."""

    poison: set[int] = field(default_factory=set)
    tries: Counter[int] = field(default_factory=Counter)
    copy: bool = False
    before_write: Callable[[int], object] | None = None


def handlers(behaviour: Behaviour) -> dict[str, EventHandler]:
    async def on_ping(envelope: Envelope, uow: UnitOfWork) -> None:
        ping = Ping.parse_envelope(envelope)
        behaviour.tries[ping.n] += 1
        if ping.n in behaviour.poison:
            raise RuntimeError(f"poison {ping.n}")
        if behaviour.before_write is not None:
            behaviour.before_write(ping.n)
        if behaviour.copy:
            await _copy_effect.execute(uow.session, [(envelope.id, ping.n)])
        else:
            await uow.session.execute(insert(effects).values(event_id=envelope.id, n=ping.n))

    return {Ping.routing_key(): on_ping}


def spec(behaviour: Behaviour | None, name: str = NAME) -> ServiceSpec:
    return ServiceSpec(name=name, metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=Path(__file__).parent,
                       handlers=handlers(behaviour) if behaviour is not None else {})


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


async def effect_counts(engine: AsyncEngine) -> tuple[int, int]:
    """(rows, distinct events) in the effects table."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(func.count(), func.count(effects.c.event_id.distinct())))).one()
    return int(row[0]), int(row[1])


async def assert_exactly_once(engine: AsyncEngine, expected: int, timeout_s: float = 30) -> None:
    """Wait until ``expected`` distinct events were applied, then check that none was applied twice."""
    async def done() -> bool:
        return (await effect_counts(engine))[1] >= expected

    await eventually(done, timeout_s=timeout_s)
    await asyncio.sleep(0.3)  # a late duplicate would land now
    rows, distinct = await effect_counts(engine)
    assert (rows, distinct) == (expected, expected), f"applied twice: {rows - distinct}, lost: {expected - distinct}"


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        q = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int((await conn.execute(q)).scalar_one())
