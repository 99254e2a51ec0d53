"""The notification sender: email, SMS, Telegram and web-push notifications leave here, after the transaction that
recorded them.

Like the kit's outbox relay: due rows are taken in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
so senders side by side never take one row at once) and leased: their try is counted and their next try moved
past the lease. Each is then sent and marked sent. A provider failure leaves it pending with a doubling wait (an
outage is waited out, never given up); quiet hours move its next try to their end. An SMS is charged to the caps
first (identity.service.sms), once per notification: over a cap it is marked not sent, with the reason, and never
sent. A sender that dies
between sending and marking sends that one again after the lease (at least once; see docs/notifications.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from identity.domain.errors import SmsNotAvailable
from identity.domain.notifications import Channel, Notification, Status, backoff
from identity.service import web_push
from identity.service.messenger import forget_refused_chat
from identity.service.ports import DeliveryFailed, IdentityPorts, Undeliverable
from identity.service.sms import charge_family_sms, check_region
from identity.service.unit_of_work import IdentityUnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than any provider's timeout: a live sender always marks its row first
BATCH = 50
SMS_PURPOSE = "notification"

UowFactory = Callable[[], contextlib.AbstractAsyncContextManager[IdentityUnitOfWork]]


async def send_due(unit_of_work: UowFactory, ports: IdentityPorts, limit: int = BATCH) -> int:
    """One pass: take what is due and deliver it; how many were taken."""
    async with unit_of_work() as uow:
        taken = await uow.notifications.claim_due(ports.now(), LEASE, limit)
        await uow.commit()
    for n in taken:
        await _deliver(unit_of_work, ports, n)
    return len(taken)


async def send_all_due(unit_of_work: UowFactory, ports: IdentityPorts) -> None:
    """The periodic job: passes until fewer than a batch were due."""
    while await send_due(unit_of_work, ports) >= BATCH:
        pass


async def _save(unit_of_work: UowFactory, n: Notification) -> None:
    async with unit_of_work() as uow:
        if not await uow.notifications.save_delivery(n):
            log.warning("notification taken by another sender", extra={"notification_id": n.id})
        await uow.commit()


async def _quiet_until(uow: IdentityUnitOfWork, n: Notification, now: datetime) -> datetime | None:
    prefs = (await uow.notifications.preferences([n.guardian_id]))[n.guardian_id]
    branch = await uow.branches.get(n.branch_id) if n.branch_id else None
    return prefs.quiet_until(now, branch.time_zone if branch else "UTC")


async def _charge_sms(unit_of_work: UowFactory, n: Notification, now: datetime) -> str | None:
    """The SMS counted against the region rule and the caps and logged (committed): None, or why it must not go.
    Charged once per notification, keyed by its id: a try after a provider failure sends without charging again,
    and the charge is kept whatever follows (the provider may have billed the failed try; the cap errs towards
    fewer SMS, never more)."""
    async with unit_of_work() as uow:
        try:
            check_region(uow, n.address)
        except SmsNotAvailable:
            return "sms_region_not_allowed"
        if await uow.codes.charged_for(n.id):
            return None
        try:
            await charge_family_sms(uow, n.address, SMS_PURPOSE, n.family_id, now, notification_id=n.id)
        except SmsNotAvailable:
            return "sms_cap_reached"  # left without commit: nothing of it counted
        await uow.commit()
    return None


async def _send_telegram(ports: IdentityPorts, n: Notification) -> None:
    if ports.telegram is None:  # the bot was unconfigured after this was recorded: waits for it, as an outage
        raise DeliveryFailed("no Telegram bot is configured (IDENTITY_TELEGRAM_BOT_TOKEN)")
    await ports.telegram.send_message(n.address, f"{n.subject}\n{n.text}")


async def _deliver(unit_of_work: UowFactory, ports: IdentityPorts, n: Notification) -> None:
    now = ports.now()
    async with unit_of_work() as uow:
        until = await _quiet_until(uow, n, now)
    if until is not None:
        n.next_attempt_at = until
        await _save(unit_of_work, n)
        return
    if n.channel is Channel.SMS and (refused := await _charge_sms(unit_of_work, n, now)) is not None:
        n.status, n.reason, n.next_attempt_at = Status.NOT_SENT, refused, None
        log.warning("notification SMS not sent", extra={"notification_id": n.id, "reason": refused})
        await _save(unit_of_work, n)
        return
    try:
        if n.channel is Channel.SMS:
            await ports.sms.send_sms(n.address, n.text)
        elif n.channel is Channel.TELEGRAM:
            await _send_telegram(ports, n)
        elif n.channel is Channel.WEB_PUSH:
            await web_push.send(unit_of_work, ports, n)
        else:
            await ports.email.send_email(n.address, n.subject, n.text)
    except Undeliverable as exc:  # the address refuses for good (a blocked bot): kept with the reason, not retried
        n.status, n.reason, n.next_attempt_at = Status.NOT_SENT, f"undeliverable: {exc}"[:200], None
        log.warning("notification undeliverable", extra={"notification_id": n.id, "channel": n.channel.value})
        await _save(unit_of_work, n)
        if n.channel is Channel.TELEGRAM:
            async with unit_of_work() as uow:
                await forget_refused_chat(uow, n.guardian_id, n.address)
        return
    except Exception as exc:  # any provider failure: tried again later (an outage is waited out)
        n.next_attempt_at = now + backoff(n.attempts)
        n.reason = f"delivery failed: {exc}"[:200]
        log.warning("notification delivery failed", extra={"notification_id": n.id, "attempts": n.attempts})
        await _save(unit_of_work, n)
        return
    n.status, n.sent_at, n.reason, n.next_attempt_at = Status.SENT, now, None, None
    await _save(unit_of_work, n)
