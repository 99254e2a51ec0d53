"""What a service process does once start-up is done: settle the cyclic collector for serving.

Everything built at start-up (modules, the schema, mappers) lives as long as the process: frozen out of the
collector's sight, its full collections do not walk it again and again under load. Then the thresholds: Python's
(700, 10, 10) promoted a consumer batch's seats, charges and rows - alive until its commit - and walked them again:
~9 % of billing's CPU charging a month, ~0.5 s of it gone at 20,000 (docs/performance.md, "The month publish,
session 6"). ``KABINET_GC_THRESHOLD="gen0,gen1,gen2"`` overrides them, to measure.
"""

from __future__ import annotations

import gc
import os

GC_THRESHOLD = (20_000, 10, 10)
GC_THRESHOLD_ENV = "KABINET_GC_THRESHOLD"


class BadProcessSetting(ValueError):
    """A process setting from the environment that cannot be read: the process says which and stops."""


def collector_thresholds() -> tuple[int, int, int]:
    raw = os.environ.get(GC_THRESHOLD_ENV)
    if not raw:
        return GC_THRESHOLD
    try:
        gen0, gen1, gen2 = (int(x) for x in raw.split(","))
    except ValueError:
        raise BadProcessSetting(f"{GC_THRESHOLD_ENV}={raw!r}: expected three whole numbers, e.g. "
                                f"{','.join(map(str, GC_THRESHOLD))}") from None
    if min(gen0, gen1, gen2) < 0:
        raise BadProcessSetting(f"{GC_THRESHOLD_ENV}={raw!r}: the thresholds cannot be negative")
    return gen0, gen1, gen2


def settle_after_start_up(thresholds: tuple[int, int, int]) -> None:
    """Freeze what start-up built and collect at ``thresholds`` from now on (:func:`collector_thresholds`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
