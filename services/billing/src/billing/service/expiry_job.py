"""The scheduled subscription expiry: the runtime runs it by itself, every ``subscription_expiry_interval_s``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from billing.service.subscriptions import expire_due
from billing.service.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


def utc_today() -> date:
    return datetime.now(UTC).date()


async def expire_once(uow_factory: UnitOfWorkFactory, today: date) -> int:
    async with uow_factory() as uow:
        n = await expire_due(uow, today)
        await uow.commit()
    return n


async def run_expiry_forever(uow_factory: UnitOfWorkFactory, interval_s: float,
                             today: Callable[[], date] = utc_today) -> None:
    """Expire due subscriptions now and then every ``interval_s``. A failed round is logged and retried at
    the next one: expiry is idempotent (only active subscriptions past validity change)."""
    while True:
        try:
            n = await expire_once(uow_factory, today())
            if n:
                log.info("subscriptions expired", extra={"expired": n})
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("subscription expiry round failed", extra={"error": repr(exc)})
        await asyncio.sleep(interval_s)
