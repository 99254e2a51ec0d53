"""Demo data for `make run`: each service seeds its part through its own use cases, so events flow.

The steps run in the order a school works: people and branches, packages sold (and discounts set up), then
the month published (its lessons charged from those packages), sheets filled, and at last the families pay
what their lessons beyond the packages came to.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from typing import Any

from sqlalchemy import func, select

from kabinet.runtime import ServiceRuntime
from kabinet_stack.embedded import Stack

log = logging.getLogger(__name__)

STEPS = (  # (service, function of its ``<service>.demo`` module)
    ("identity", "seed"), ("billing", "seed"), ("scheduling", "seed"), ("learning", "seed"), ("billing", "settle"))


async def drain(stack: Stack, rounds: int = 400) -> None:
    """Wait until every event published so far has been applied: every outbox empty and every consumer idle
    (nothing ready in its queue, held or being handled). Published is not applied on RabbitMQ: a consumer
    collects a batch for up to BATCH_MAX_WAIT_S before it handles it. Idle twice in a row, 50 ms apart, so a
    delivery still on its way from the broker is not missed; what a handler publishes goes round again."""
    import asyncio

    quiet = 0
    for _ in range(rounds):
        pending = 0
        for runtime in stack.runtimes.values():
            pending += await _unpublished(runtime)
            runtime.relay.wake()
        idle = pending == 0 and all([await runtime.transport.idle() for runtime in stack.runtimes.values()])
        quiet = quiet + 1 if idle else 0
        if quiet == 2:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("events were not applied in time")


async def _unpublished(runtime: ServiceRuntime) -> int:
    o = runtime.spec.outbox
    async with runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(o).where(o.c.published_at.is_(None))))
                   .scalar_one())


async def seed(stack: Stack) -> dict[str, Any]:
    """Run the demo steps in order, passing each what earlier ``seed`` steps returned (by service name)."""
    results: dict[str, Any] = {}
    for name, step in STEPS:
        if name not in stack.runtimes:
            continue
        try:
            module = importlib.import_module(f"{name}.demo")
        except ModuleNotFoundError:
            continue
        fn = getattr(module, step, None)
        if fn is None:
            continue
        params = inspect.signature(fn).parameters
        kwargs = {k: v for k, v in results.items() if k in params}
        got = await fn(stack.runtimes[name], **kwargs)
        results[name if step == "seed" else f"{name}.{step}"] = got
        await drain(stack)
    return results
