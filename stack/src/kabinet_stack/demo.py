"""Demo data for `make run`: each service seeds its part through its own use cases, so events flow."""

from __future__ import annotations

import importlib
import inspect
import logging
from typing import Any

from sqlalchemy import func, select

from kabinet.runtime import ServiceRuntime
from kabinet_stack.embedded import Stack

log = logging.getLogger(__name__)

SEED_ORDER = ("identity", "scheduling", "billing", "learning")


async def drain(stack: Stack, rounds: int = 200) -> None:
    """Wait until every outbox is empty: all events so far have been delivered and applied."""
    import asyncio

    for _ in range(rounds):
        pending = 0
        for runtime in stack.runtimes.values():
            pending += await _unpublished(runtime)
            runtime.relay.wake()
        if pending == 0:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("events were not delivered in time while seeding demo data")


async def _unpublished(runtime: ServiceRuntime) -> int:
    o = runtime.spec.outbox
    async with runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(o).where(o.c.published_at.is_(None))))
                   .scalar_one())


async def seed(stack: Stack) -> dict[str, Any]:
    """Run each service's ``<service>.demo.seed`` in order, passing what earlier ones returned."""
    results: dict[str, Any] = {}
    for name in SEED_ORDER:
        if name not in stack.runtimes:
            continue
        try:
            module = importlib.import_module(f"{name}.demo")
        except ModuleNotFoundError:
            continue
        fn = module.seed
        params = inspect.signature(fn).parameters
        kwargs = {k: v for k, v in results.items() if k in params}
        results[name] = await fn(stack.runtimes[name], **kwargs)
        await drain(stack)
    return results
