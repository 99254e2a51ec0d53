"""Admission: at most N query plans execute at once in this gateway; the rest wait their turn, first come first served.

Why: when every request is let in at once, a saturated system shares its CPU among all of them, so a request
that needs several subgraph calls takes many times its own work and the tail grows with the load. Admitting a
few at a time and queueing the rest in arrival order (mutations ahead of queries) keeps each admitted plan fast
and makes every request's wait alike: the same throughput, a shorter tail (docs/performance.md, "Admission").
Only plan executions take a slot: an answer from the response layer, a rejected document and a subscription do
not. A full queue refuses at once (HTTP 503, `GATEWAY_OVERLOADED`, Retry-After) instead of letting waits grow
without bound.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from prometheus_client import Counter, Gauge, Histogram

OVERLOADED = "GATEWAY_OVERLOADED"

RUNNING = Gauge("gateway_executions_running", "Query plans executing now")
WAITING = Gauge("gateway_executions_waiting", "Query plans waiting for an execution slot")
WAITED = Histogram(
    "gateway_admission_wait_seconds",
    "Time a query plan waited for an execution slot",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REFUSED = Counter("gateway_admission_refused_total", "Requests refused because the execution queue was full")


class Overloaded(Exception):
    """The queue is full: the client should retry a little later."""

    code = OVERLOADED

    def __init__(self) -> None:
        super().__init__("The gateway is overloaded; retry in a moment.")


class Admission:
    """`max_running` plans at once (at least 1; no limit is no Admission), at most `max_waiting` queued behind
    them."""

    def __init__(self, max_running: int, max_waiting: int) -> None:
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        self.max_running = max_running
        self.max_waiting = max_waiting
        self.running = 0
        # Writes first: a mutation is someone's explicit action (a payment, a saved sheet), few and short; the
        # reads queue behind them in arrival order.
        self._writes: deque[asyncio.Future[None]] = deque()
        self._reads: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._writes) + len(self._reads)

    async def acquire(self, write: bool = False) -> None:
        """Take a slot, waiting in arrival order (writes before reads); raises `Overloaded` when the queue is
        full. Pair with `release()` (in a `finally`)."""
        if self.running < self.max_running and not self.waiting:
            self.running += 1
            RUNNING.set(self.running)
            return
        if self.waiting >= self.max_waiting:
            REFUSED.inc()
            raise Overloaded
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._writes if write else self._reads
        queue.append(waiter)
        WAITING.set(self.waiting)
        started = time.perf_counter()
        try:
            await waiter  # on wake-up the slot was handed over: `running` already counts it
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot and cancelled in the same turn: pass it on
            else:
                queue.remove(waiter)
                WAITING.set(self.waiting)
            raise
        WAITED.observe(time.perf_counter() - started)

    def release(self) -> None:
        for queue in (self._writes, self._reads):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the slot goes to the next in line, never back to the pool
                    WAITING.set(self.waiting)
                    return
        self.running -= 1
        RUNNING.set(self.running)
        WAITING.set(0)
