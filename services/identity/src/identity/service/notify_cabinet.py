"""A person's notifications in the cabinet and their notification preferences: the signed-in guardian's or staff
member's own only (another person's notification is as if it did not exist; students have none here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time

from identity.domain.notifications import FAMILY_KINDS, STAFF_KINDS, Channel, Kind, Notification, Preferences
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden, InvalidInput

MAX_PAGE = 100
MAX_MARK = 500


STAFF_ROLES = frozenset({Role.TEACHER, Role.BRANCH_ADMIN, Role.OWNER})


def own_recipient(principal: Principal) -> str:
    """The signed-in guardian's or staff member's id (notifications are keyed by the person); students and
    services are refused (FORBIDDEN; UNAUTHENTICATED when signed out)."""
    require_authenticated(principal)
    if (principal.role is not Role.GUARDIAN and principal.role not in STAFF_ROLES) or not principal.user_id:
        raise Forbidden()
    return principal.user_id


def _theirs(principal: Principal, channel: Channel) -> frozenset[Kind]:
    """The kinds a person may choose on a channel: a family's kinds for a guardian, staff's for staff (who have
    no phone in Kabinet: no SMS)."""
    if principal.role is Role.GUARDIAN:
        return FAMILY_KINDS
    return frozenset() if channel is Channel.SMS else STAFF_KINDS


def _shown(p: Preferences, principal: Principal) -> Preferences:
    return replace(p, cabinet=p.cabinet & _theirs(principal, Channel.CABINET),
                   email=p.email & _theirs(principal, Channel.EMAIL), sms=p.sms & _theirs(principal, Channel.SMS),
                   telegram=p.telegram & _theirs(principal, Channel.TELEGRAM),
                   web_push=p.web_push & _theirs(principal, Channel.WEB_PUSH))


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    unread: int
    has_more: bool


async def my_notifications(uow: IdentityUnitOfWork, principal: Principal, first: int,
                           before: tuple[datetime, str] | None) -> NotificationPage:
    guardian_id = own_recipient(principal)
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}.", field="first")
    got = await uow.notifications.of_guardian(guardian_id, Channel.CABINET, before, first + 1)
    return NotificationPage(got[:first], await uow.notifications.unread(guardian_id, Channel.CABINET),
                            len(got) > first)


@dataclass(frozen=True)
class MarkRead:
    ids: Sequence[str] | None  # None: all


async def mark_read(cmd: MarkRead, uow: IdentityUnitOfWork, principal: Principal) -> int:
    """Mark the guardian's own notifications read (ids of others change nothing); the unread count after."""
    guardian_id = own_recipient(principal)
    if cmd.ids is not None and len(cmd.ids) > MAX_MARK:
        raise InvalidInput(f"At most {MAX_MARK} at once.", field="ids")
    await uow.notifications.mark_read(guardian_id, cmd.ids, uow.ports.now())
    await uow.commit()
    return await uow.notifications.unread(guardian_id, Channel.CABINET)


async def preferences(uow: IdentityUnitOfWork, principal: Principal) -> Preferences:
    guardian_id = own_recipient(principal)
    return _shown((await uow.notifications.preferences([guardian_id]))[guardian_id], principal)


@dataclass(frozen=True)
class SetPreferences:
    language: str | None
    cabinet: frozenset[Kind]
    email: frozenset[Kind]
    sms: frozenset[Kind]
    quiet_from: time | None
    quiet_to: time | None
    telegram: frozenset[Kind] | None = None  # None: unchanged
    web_push: frozenset[Kind] | None = None  # None: unchanged


async def set_preferences(cmd: SetPreferences, uow: IdentityUnitOfWork, principal: Principal) -> Preferences:
    guardian_id = own_recipient(principal)
    for channel, kinds in ((Channel.CABINET, cmd.cabinet), (Channel.EMAIL, cmd.email), (Channel.SMS, cmd.sms),
                           (Channel.TELEGRAM, cmd.telegram or frozenset()),
                           (Channel.WEB_PUSH, cmd.web_push or frozenset())):
        if not kinds <= _theirs(principal, channel):
            raise InvalidInput("A kind of notification you cannot receive on this channel.", field=channel.value)
    current = (await uow.notifications.preferences([guardian_id]))[guardian_id]
    new = current.changed(language=cmd.language, cabinet=cmd.cabinet, email=cmd.email, sms=cmd.sms,
                          quiet_from=cmd.quiet_from, quiet_to=cmd.quiet_to, telegram=cmd.telegram,
                          web_push=cmd.web_push)
    await uow.notifications.save_preferences(new, uow.ports.now())
    await uow.commit()
    return _shown(new, principal)
