"""A person's messenger chat (Telegram) for their notifications: a one-time link code, bound by the bot's webhook.

``linkMessenger`` gives the signed-in person a code (and a t.me deep link carrying it); they open the bot and send
``/start <code>``; Telegram posts that to identity's webhook (its secret header checked first), which binds the
chat to whoever the code belongs to. Only the code's SHA-256 is stored; it works once and for
IDENTITY_TELEGRAM_LINK_TTL_S. Nothing here exists unless a bot is configured (docs/notifications.md).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from identity.domain.errors import MessengerNotConfigured
from identity.domain.notifications import Channel
from identity.service.notify_cabinet import own_recipient
from identity.service.ports import IdentityPorts
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal

TELEGRAM = Channel.TELEGRAM.value
CODE_BYTES = 18  # 24 URL-safe characters: within Telegram's 64 for a /start parameter, beyond guessing


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class MessengerLink:
    code: str
    link: str | None  # https://t.me/<bot>?start=<code> when the bot's name is configured
    expires_at: datetime


def available(ports: IdentityPorts) -> bool:
    """Whether the school has a bot (the cabinet says so before anyone tries to link)."""
    return ports.telegram is not None and ports.settings.telegram_configured()


def _configured(uow: IdentityUnitOfWork) -> bool:
    return available(uow.ports)


async def link_messenger(uow: IdentityUnitOfWork, principal: Principal) -> MessengerLink:
    person_id = own_recipient(principal)
    if not _configured(uow):
        raise MessengerNotConfigured()
    settings, now = uow.ports.settings, uow.ports.now()
    code = secrets.token_urlsafe(CODE_BYTES)
    expires_at = now + timedelta(seconds=settings.telegram_link_ttl_s)
    await uow.messengers.add_code(TELEGRAM, person_id, _hash(code), expires_at)
    await uow.commit()
    bot = settings.telegram_bot_username
    return MessengerLink(code, f"https://t.me/{bot}?start={code}" if bot else None, expires_at)


async def unlink_messenger(uow: IdentityUnitOfWork, principal: Principal) -> None:
    """The signed-in person's chat unlinked: nothing new is recorded for it (rows already recorded still go)."""
    person_id = own_recipient(principal)
    await uow.messengers.unlink(TELEGRAM, person_id)
    await uow.commit()


async def linked(uow: IdentityUnitOfWork, person_id: str) -> bool:
    return bool(await uow.messengers.chats(TELEGRAM, [person_id]))


async def bind_chat(uow: IdentityUnitOfWork, code: str, chat_id: str) -> bool:
    """The webhook's step: the code's person gets this chat; False for an unknown, used or expired code."""
    if not code or len(code) > 64:
        return False
    now = uow.ports.now()
    person_id = await uow.messengers.take_code(TELEGRAM, _hash(code), now)
    if person_id is None:
        await uow.commit()  # an expired code is used up all the same
        return False
    await uow.messengers.link(TELEGRAM, person_id, chat_id, now)
    await uow.commit()
    return True


async def chats_for(uow: IdentityUnitOfWork, person_ids: Sequence[str]) -> dict[str, str]:
    """The linked Telegram chats of these people; none while no bot is configured (nothing is recorded for it)."""
    if not person_ids or not _configured(uow):
        return {}
    return await uow.messengers.chats(TELEGRAM, person_ids)


async def forget_refused_chat(uow: IdentityUnitOfWork, person_id: str, chat_id: str) -> None:
    """A chat that refused the bot for good (blocked it, or gone) is unlinked - unless the person has linked another
    since: nothing more is recorded for Telegram until they link again."""
    if (await uow.messengers.chats(TELEGRAM, [person_id])).get(person_id) == chat_id:
        await uow.messengers.unlink(TELEGRAM, person_id)
        await uow.commit()
