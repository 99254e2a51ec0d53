"""Embedded mode (`kabinet run`: SQLite files, the in-process bus): events are never lost across a restart.

- a handler that always fails: the event is dead-lettered after 5 tries into the consumer's own database, is still
  there after a restart, ``kabinet-dlq`` lists it, and a replay after the fix applies it exactly once - asked for
  while the stack runs (its bus delivers it within a second) or while it is stopped (delivered at the next start);
- an event being delivered when the stack stops is delivered at the next start, also to the services that start
  after its producer (before: the producer's relay published it before they had subscribed, and it was gone).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from identity.domain.events import BranchCreated
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import eventually
from kabinet_stack import demo
from kabinet_stack.embedded import Stack
from scheduling.adapters.repositories.projections import ProjectionRepository

Upsert = Callable[..., Awaitable[None]]


def _stack(data_dir: Path) -> Stack:
    return Stack(data_dir, messaging=MessagingSettings(amqp_url=None))


async def _open_branch(stack: Stack, branch_id: str | None = None) -> str:
    """identity opens a branch: scheduling and billing consume the event."""
    async with stack.runtimes["identity"].uow() as uow:
        event = uow.publish(BranchCreated(branch_id=branch_id or str(uuid.uuid4()), name="North", city="Riga",
                                          time_zone="UTC", address="1 Main St"))
        await uow.commit()
    return event.id


async def _applied(stack: Stack, service: str, event_id: str) -> int:
    """Inbox rows of ``event_id`` in ``service`` (1: applied, once)."""
    runtime = stack.runtimes[service]
    inbox = runtime.spec.inbox
    async with runtime.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(inbox)
                                       .where(inbox.c.event_id == event_id))).scalar_one())


def _dlq(data_dir: Path, *args: str) -> str:
    """``kabinet-dlq`` as an operator runs it next to `kabinet run`: no broker, the run's data directory."""
    env = {k: v for k, v in os.environ.items() if k != "AMQP_URL"} | {"KABINET_DATA_DIR": str(data_dir)}
    out = subprocess.run([sys.executable, "-m", "kabinet.bus.dlq_cli", *args], capture_output=True, text=True,
                         timeout=60, check=False, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


async def test_a_dead_letter_survives_a_restart_and_its_replay_applies_it_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[str] = Counter()
    broken = True
    real: Upsert = ProjectionRepository.upsert_branch

    async def upsert_branch(self: ProjectionRepository, branch_id: str, name: str, time_zone: str) -> None:
        calls[branch_id] += 1
        if broken:
            raise RuntimeError("scheduling's bug")
        await real(self, branch_id, name, time_zone)

    monkeypatch.setattr(ProjectionRepository, "upsert_branch", upsert_branch)
    stack = _stack(tmp_path)
    async with stack.running():
        first, second = await _open_branch(stack), await _open_branch(stack)
        await demo.drain(stack)
        assert sorted(calls.values()) == [5, 5]  # 1 try + DELIVERY_LIMIT (4) redeliveries each
        assert await _applied(stack, "billing", first) == 1  # the other consumer is not held up
        assert await _applied(stack, "scheduling", first) == 0

    stack = _stack(tmp_path)
    async with stack.running():  # the restart: before, the dead letters lived in memory and were gone now
        listed = await asyncio.to_thread(_dlq, tmp_path, "list", "scheduling")
        assert first in listed and second in listed and "identity.branch.created.v1" in listed
        assert "scheduling's bug" in listed
        assert first in await asyncio.to_thread(_dlq, tmp_path, "list")  # every service's, as on RabbitMQ

        broken = False  # the fix is deployed: replay one while the stack runs
        calls.clear()
        replayed = await asyncio.to_thread(_dlq, tmp_path, "replay", "scheduling", "--id", first)
        assert "replayed 1 message(s)" in replayed

        async def applied() -> bool:
            return await _applied(stack, "scheduling", first) == 1

        await eventually(applied, timeout_s=10)
        [waiting] = await stack.shared_transport.dead_letters("scheduling")
        assert waiting.message_id == second

    assert "replayed 1 message(s)" in await asyncio.to_thread(_dlq, tmp_path, "replay", "scheduling")  # stopped
    stack = _stack(tmp_path)
    async with stack.running():
        async def both_applied() -> bool:
            return await _applied(stack, "scheduling", second) == 1

        await eventually(both_applied, timeout_s=10)
        await demo.drain(stack)
        assert await _applied(stack, "scheduling", first) == 1 and await _applied(stack, "billing", second) == 1
        assert calls == {k: 1 for k in calls} and len(calls) == 2  # each applied exactly once after the fix
        assert await stack.shared_transport.dead_letters("scheduling") == []
    listed = await asyncio.to_thread(_dlq, tmp_path, "list", "scheduling", "--json")
    assert listed == ""


async def test_an_event_being_delivered_when_the_stack_stops_is_applied_after_the_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entered = asyncio.Event()
    real: Upsert = ProjectionRepository.upsert_branch

    async def stuck(self: ProjectionRepository, branch_id: str, name: str, time_zone: str) -> None:
        entered.set()
        await asyncio.Event().wait()  # still being applied when the stack stops

    monkeypatch.setattr(ProjectionRepository, "upsert_branch", stuck)
    stack = _stack(tmp_path)
    async with stack.running():
        event_id = await _open_branch(stack)
        await asyncio.wait_for(entered.wait(), 10)
    assert await _applied(stack, "scheduling", event_id) == 0
    outbox = stack.runtimes["identity"].spec.outbox
    async with stack.runtimes["identity"].engine.connect() as conn:
        published = (await conn.execute(select(outbox.c.published_at).where(outbox.c.id == event_id))).scalar_one()
    assert published is None  # not published before every consumer had it: the outbox still holds it
    for runtime in stack.runtimes.values():
        await runtime.engine.dispose()

    monkeypatch.setattr(ProjectionRepository, "upsert_branch", real)
    stack = _stack(tmp_path)
    async with stack.running():
        await demo.drain(stack)
        assert await _applied(stack, "scheduling", event_id) == 1
        assert await _applied(stack, "billing", event_id) == 1


async def test_a_hung_handler_is_bounded_by_the_handler_timeout_and_holds_nothing_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HANDLER_TIMEOUT_S bounds the in-process bus's handlers as it does RabbitMQ mode's: a handler that hangs is
    cancelled and, its database answering, that is a failed try - one that hangs once is applied on its retry, one
    that always hangs is dead-lettered after 5 tries. Before, the first hang held identity's relay (and every event
    after it) until the process stopped."""
    calls: Counter[str] = Counter()
    always, once = str(uuid.uuid4()), str(uuid.uuid4())
    real: Upsert = ProjectionRepository.upsert_branch

    async def upsert_branch(self: ProjectionRepository, branch_id: str, name: str, time_zone: str) -> None:
        calls[branch_id] += 1
        if branch_id == always or (branch_id == once and calls[branch_id] == 1):
            await asyncio.Event().wait()  # a database socket that stopped answering, say
        await real(self, branch_id, name, time_zone)

    monkeypatch.setattr(ProjectionRepository, "upsert_branch", upsert_branch)
    stack = Stack(tmp_path, messaging=MessagingSettings(amqp_url=None, handler_timeout_s=0.3))
    async with stack.running():
        hung, hung_once, after = [await _open_branch(stack, b) for b in (always, once, None)]
        await demo.drain(stack)
        for event_id in (hung_once, after):
            assert await _applied(stack, "scheduling", event_id) == 1
        assert await _applied(stack, "billing", hung) == 1  # the other consumer is not held up
        assert await _applied(stack, "scheduling", hung) == 0
        assert sorted(calls.values()) == [1, 2, 5]  # applied at once, on its retry; 5 tries, then dead-lettered
        [dead] = await stack.shared_transport.dead_letters("scheduling")
        assert dead.message_id == hung and "handler ran past 0.3s" in (dead.reason or "")
