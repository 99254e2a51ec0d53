"""Old notifications deleted (docs/notifications.md, docs/operations.md): read in-cabinet ones and sent emails and
SMS older than IDENTITY_NOTIFY_RETENTION_DAYS, in bounded batches, each its own short transaction (a delete never
holds the table's rows long, and a stop midway leaves what it did). Pending, refused and unread ones are kept."""

from __future__ import annotations

import logging
from datetime import timedelta

from identity.service.notify_sender import UowFactory
from identity.service.ports import IdentityPorts

log = logging.getLogger(__name__)

BATCH = 1000


async def delete_old_notifications(unit_of_work: UowFactory, ports: IdentityPorts, batch: int = BATCH) -> int:
    """The periodic job: batches until one deletes fewer than ``batch``; how many were deleted."""
    days = ports.settings.notify_retention_days
    if days <= 0:
        return 0
    before = ports.now() - timedelta(days=days)
    total = 0
    while True:
        async with unit_of_work() as uow:
            deleted = await uow.notifications.delete_old(before, batch)
            await uow.commit()
        total += deleted
        if deleted < batch:
            break
    if total:
        log.info("old notifications deleted", extra={"deleted": total, "before": before.isoformat()})
    return total
