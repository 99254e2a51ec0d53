"""The outbox relay publishes a commit's events at once, even when the commit lands during a pass that found
nothing (its read came before the commit): that wake-up is not lost to the poll interval."""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from kabinet.outbox import OutboxRelay


class _Relay(OutboxRelay):
    """A relay whose passes are scripted: the first finds nothing and a commit wakes it meanwhile."""

    def __init__(self) -> None:
        super().__init__(cast(Any, None), cast(Any, None), cast(Any, None), service="kt", poll_interval_s=30.0)
        self.passes: list[float] = []

    async def publish_pending(self) -> tuple[int, int]:
        self.passes.append(time.monotonic())
        if len(self.passes) == 1:
            await asyncio.sleep(0)  # the pass is under way (it has read: nothing yet) ...
            self.wake()  # ... when a unit of work commits and wakes the relay
        return 0, 0


async def test_a_commit_during_an_empty_pass_is_published_without_waiting_a_poll_interval():
    relay = _Relay()
    relay.start()
    try:
        async with asyncio.timeout(5):  # the poll interval is 30 s
            while len(relay.passes) < 2:
                await asyncio.sleep(0.01)
    finally:
        await relay.stop()
    assert relay.passes[1] - relay.passes[0] < 5


async def test_without_a_commit_the_relay_waits_for_the_poll_interval():
    relay = _Relay()
    relay.passes.append(0.0)  # no scripted wake-up: the first pass finds nothing and nobody commits
    relay.start()
    try:
        await asyncio.sleep(0.3)
    finally:
        await relay.stop()
    assert len(relay.passes) == 2  # the marker and one pass: it sleeps, it does not spin
