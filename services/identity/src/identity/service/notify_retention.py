"""The retention job (docs/notifications.md, docs/operations.md): what identity keeps only for a while, deleted in
bounded batches, each its own short transaction (a delete never holds a table's rows long, and a stop midway
leaves what it did).

- Notifications: read in-cabinet ones and sent emails, SMS and Telegram messages older than
  IDENTITY_NOTIFY_RETENTION_DAYS. Pending, refused and unread ones are kept.
- The lessons' students remembered for lesson notices (notify_lessons): lessons that ended more than
  IDENTITY_NOTIFY_RETENTION_DAYS ago. A lesson with no known end is kept.
- The SMS log (sms_messages): SMS older than IDENTITY_SMS_RETENTION_DAYS, a notification's only once the
  notification itself is gone (so deleted after it, in the same run): while it is kept, its SMS is its charge-once
  key, and a later try must be neither charged nor sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from identity.service.notify_sender import UowFactory
from identity.service.ports import IdentityPorts
from identity.service.unit_of_work import IdentityUnitOfWork

log = logging.getLogger(__name__)

BATCH = 1000

Deleting = Callable[[IdentityUnitOfWork, datetime, int], Awaitable[int]]


@dataclass(frozen=True)
class Deleted:
    """How many rows one run deleted, per table."""

    notifications: int = 0
    lessons: int = 0
    sms: int = 0


async def _in_batches(unit_of_work: UowFactory, what: str, days: int, now: datetime, batch: int,
                      delete: Deleting) -> int:
    """``delete`` (up to ``batch`` rows older than ``days`` days) run until a batch finds fewer; 0 days: nothing."""
    if days <= 0:
        return 0
    before = now - timedelta(days=days)
    total = 0
    while True:
        async with unit_of_work() as uow:
            deleted = await delete(uow, before, batch)
            await uow.commit()
        total += deleted
        if deleted < batch:
            break
    if total:
        log.info("old %s deleted", what, extra={"table": what, "deleted": total, "before": before.isoformat()})
    return total


async def delete_old_records(unit_of_work: UowFactory, ports: IdentityPorts, batch: int = BATCH) -> Deleted:
    """The periodic job: each table in turn; how many rows of each were deleted."""
    settings, now = ports.settings, ports.now()
    notify_days = settings.notify_retention_days
    return Deleted(
        notifications=await _in_batches(unit_of_work, "notifications", notify_days, now, batch,
                                        lambda uow, before, n: uow.notifications.delete_old(before, n)),
        lessons=await _in_batches(unit_of_work, "notify_lessons", notify_days, now, batch,
                                  lambda uow, before, n: uow.notifications.forget_lessons_ended(before, n)),
        # After the notifications: an SMS whose notification this run deleted goes in this run too.
        sms=await _in_batches(unit_of_work, "sms_messages", settings.sms_retention_days, now, batch,
                              lambda uow, before, n: uow.codes.delete_old_sms(before, n)))
