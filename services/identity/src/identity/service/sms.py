"""What every SMS identity sends goes through: the regions it may go to, the per-phone cap, the school's daily total
and the paying branch's cost cap (R-FAM-8, R-NTF-2), and the log of what each branch is charged
(docs/security-signin.md)."""

from __future__ import annotations

import logging
from datetime import datetime

from identity.domain.credentials import ALL_SMS, branch_sms
from identity.domain.errors import SmsNotAvailable, TooManyRequests
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.phone import phone_region

log = logging.getLogger(__name__)

# The cost cap's bucket for a family without a branch yet (self-registered, no child placed): one for all such
# families, as any caller can register families and a bucket each would multiply the cap. It is no branch's key
# (branch ids are UUIDs), and such SMS are logged as charged to no branch (NULL): the school's own.
NO_BRANCH = "no-branch"
INVITE_PHONE = "invite_phone"  # the throttle bucket of invitations per phone


def check_region(uow: IdentityUnitOfWork, phone: str) -> None:
    if phone_region(phone) not in uow.ports.settings.sms_allowed_regions:
        raise SmsNotAvailable(field="phone")


async def check_phone_cap(uow: IdentityUnitOfWork, phone: str, now: datetime) -> None:
    """Codes and invitations to one phone share one cap (each is an SMS to it, or could be): counted apart, a phone
    could be sent the cap's worth of each."""
    limits = uow.ports.limits
    since = now - limits.per_phone_window
    sent = await uow.codes.count_since(phone, since) + await uow.throttles.hits_since(INVITE_PHONE, phone, since)
    if sent >= limits.per_phone:
        raise TooManyRequests(field="phone")


async def branch_of_family(uow: IdentityUnitOfWork, family_id: str) -> str | None:
    kids = (await uow.students.of_families([family_id]))[family_id]
    return next((s.branch_id for s in kids if s.branch_id), None)


async def log_sms(uow: IdentityUnitOfWork, phone: str, purpose: str, branch_id: str | None, now: datetime,
                  client_ip: str | None = None, notification_id: str | None = None) -> None:
    """The SMS in the log of what each branch is charged, at the configured cost per SMS."""
    ports = uow.ports
    await uow.codes.log_sms(phone, purpose, branch_id, ports.sms_cost, ports.settings.sms_currency, client_ip, now,
                            notification_id)


async def take_branch_sms(uow: IdentityUnitOfWork, branch_id: str | None, now: datetime) -> bool:
    """One SMS charged to ``branch_id``'s cost of the day (None: the no-branch bucket), unless that would pass its
    cap (False, nothing counted)."""
    ports = uow.ports
    if await uow.codes.add_to_day_total(now.date(), branch_sms(branch_id or NO_BRANCH), ports.sms_cost,
                                        max_cost=ports.limits.branch_daily_cost_cap_amount):
        return True
    log.warning("branch SMS cost cap reached", extra={"branch_id": branch_id})
    return False


async def take_school_sms(uow: IdentityUnitOfWork, send: bool, now: datetime) -> None:
    """An SMS to send takes one from the school's daily total; one not sent (an unknown number, a branch over its
    cap) is refused alike when the total is spent, so the answer does not tell them apart. Past the cap: the
    caller's unit of work rolls back, nothing of the request stays. Called last before the commit: every SMS takes
    turns on the school's row, so it is held only that long."""
    ports = uow.ports
    if send:
        left = await uow.codes.add_to_day_total(now.date(), ALL_SMS, ports.sms_cost,
                                                max_sent=ports.limits.global_daily)
    else:
        left = await uow.codes.sent_on(now.date(), ALL_SMS) < ports.limits.global_daily
    if not left:
        log.error("global daily SMS cap reached")
        raise SmsNotAvailable()


async def charge_sms(uow: IdentityUnitOfWork, phone: str, purpose: str, branch_id: str | None,
                     now: datetime, notification_id: str | None = None) -> None:
    """An SMS paid by ``branch_id`` (None: a family without a branch): charged to its cost cap, logged and counted
    in the school's total - or, past either cap, SMS_NOT_AVAILABLE and (the caller's unit of work rolled back)
    nothing of the request done. Call it last before the commit, and deliver only after the commit."""
    if not await take_branch_sms(uow, branch_id, now):
        raise SmsNotAvailable()
    await log_sms(uow, phone, purpose, branch_id, now, notification_id=notification_id)
    await take_school_sms(uow, True, now)


async def charge_family_sms(uow: IdentityUnitOfWork, phone: str, purpose: str, family_id: str,
                            now: datetime, notification_id: str | None = None) -> None:
    """An SMS a family's action sends, paid by the family's branch (``charge_sms``)."""
    await charge_sms(uow, phone, purpose, await branch_of_family(uow, family_id), now, notification_id)
