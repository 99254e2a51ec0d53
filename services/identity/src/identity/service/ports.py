"""What identity's use cases need besides storage: the clock, the password hasher, the token issuer, the message
senders and the limits. One typed object, built once in bootstrap and carried by every unit of work
(``uow.ports``); unit tests build one with fakes (tests/unit/memory.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from identity.domain.credentials import SmsLimits
from identity.domain.errors import DeliveryUnavailable
from identity.domain.web_push import PushSubscription
from identity.settings import IdentitySettings
from kabinet.auth.principal import Principal

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The provider did not take the message (logged; the caller's response does not change)."""


class Undeliverable(DeliveryFailed):
    """The address will never take the message (a Telegram chat that blocked the bot or is gone): not tried again."""


class SmsSender(Protocol):
    async def send_sms(self, phone: str, text: str) -> None: ...


class EmailSender(Protocol):
    async def send_email(self, to: str, subject: str, text: str) -> None: ...


class MessengerSender(Protocol):
    async def send_message(self, chat_id: str, text: str) -> None: ...


class WebPushTransport(Protocol):
    @property
    def public_key(self) -> str: ...
    async def send(self, sub: PushSubscription, payload: bytes) -> None:
        """Raises Undeliverable when the subscription is gone (404/410), DeliveryFailed for a try-again."""
        ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...
    async def verify(self, stored: str | None, password: str) -> bool:
        """False for ``stored=None``, at the cost of a real verification (no timing oracle)."""
        ...
    def needs_rehash(self, stored: str) -> bool: ...


class TokenIssuer(Protocol):
    @property
    def ttl_s(self) -> int: ...
    def issue(self, principal: Principal) -> str: ...


@dataclass(frozen=True)
class Outgoing:
    """A message to send after the transaction that decided it has committed."""

    channel: str  # sms | email
    to: str
    text: str
    subject: str = ""


@dataclass
class IdentityPorts:
    settings: IdentitySettings
    issuer: TokenIssuer
    hasher: PasswordHasher
    sms: SmsSender
    email: EmailSender
    pepper: bytes
    limits: SmsLimits
    sms_available: bool = True
    email_available: bool = True
    # The development mailbox sends the SMS: only then may the demo's fixed code be used.
    sms_is_dev_mailbox: bool = False
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    telegram: MessengerSender | None = None  # None: no bot configured (IDENTITY_TELEGRAM_BOT_TOKEN)
    web_push: WebPushTransport | None = None  # None: no VAPID key configured (IDENTITY_WEBPUSH_VAPID_*)

    def now(self) -> datetime:
        return self.clock()

    @property
    def sms_cost(self) -> Decimal:
        return Decimal(self.limits.sms_cost)

    def fixed_code(self) -> str | None:
        # The demo's fixed code works only with the development mailbox: never with a real SMS provider.
        return self.settings.dev_fixed_code if self.sms_is_dev_mailbox else None

    def can_send(self, channel: str) -> bool:
        return self.sms_available if channel == "sms" else self.email_available

    def require_channel(self, channel: str) -> None:
        """Checked before anything is decided or stored, and the same for every account (no oracle)."""
        if not self.can_send(channel):
            raise DeliveryUnavailable(field="phone" if channel == "sms" else "login")

    async def deliver(self, messages: list[Outgoing]) -> None:
        """Best effort after commit: a provider failure is logged; the user can request again."""
        for m in messages:
            try:
                if m.channel == "sms":
                    await self.sms.send_sms(m.to, m.text)
                else:
                    await self.email.send_email(m.to, m.subject, m.text)
            except DeliveryFailed as exc:
                log.warning("message delivery failed", extra={"channel": m.channel, "error": str(exc)})
