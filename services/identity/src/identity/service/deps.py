"""What identity's use cases depend on besides the unit of work (built once in bootstrap; tests swap parts)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from identity.adapters.messages import DeliveryFailed, DevMailbox, EmailSender, NoTransport, SmsSender
from identity.adapters.passwords import PasswordHasher
from identity.domain.credentials import SmsLimits
from identity.domain.errors import DeliveryUnavailable
from identity.settings import IdentitySettings
from kabinet.auth import SigningKey, TokenIssuer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """A message to send after the transaction that decided it has committed."""

    channel: str  # sms | email
    to: str
    text: str
    subject: str = ""


@dataclass
class IdentityDeps:
    settings: IdentitySettings
    issuer: TokenIssuer
    hasher: PasswordHasher
    sms: SmsSender
    email: EmailSender
    pepper: bytes
    limits: SmsLimits
    mailbox: DevMailbox | None = None  # set only when IDENTITY_DEV_MAILBOX enables the development transport
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock()

    @property
    def sms_cost(self) -> Decimal:
        return Decimal(self.limits.sms_cost)

    def fixed_code(self) -> str | None:
        # The demo's fixed code works only with the development mailbox: never with a real SMS provider.
        return self.settings.dev_fixed_code if self.mailbox is not None and self.mailbox is self.sms else None

    def can_send(self, channel: str) -> bool:
        return not isinstance(self.sms if channel == "sms" else self.email, NoTransport)

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


def pepper_from_key(key: SigningKey) -> bytes:
    """A stable secret for hashing codes and tokens, derived from the signing key (one secret to manage)."""
    return hashlib.sha256(b"kabinet-identity-codes:" + key.to_pem().encode()).digest()


def build_deps(settings: IdentitySettings, key: SigningKey) -> IdentityDeps:
    from identity.adapters.messages import HttpSmsSender, SmtpEmailSender

    # The development mailbox only when asked for: it serves every code and reset link anonymously.
    mailbox = DevMailbox() if settings.dev_mailbox else None
    sms: SmsSender = (HttpSmsSender(settings.sms_api_url, settings.sms_api_key, settings.sms_sender)
                      if settings.sms_api_url else mailbox or NoTransport("sms"))
    email: EmailSender = (SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.email_from,
                                          username=settings.smtp_username, password=settings.smtp_password,
                                          start_tls=settings.smtp_start_tls)
                          if settings.smtp_host else mailbox or NoTransport("email"))
    limits = SmsLimits(per_phone=settings.sms_per_phone_10min, per_ip=settings.sms_per_ip_hour,
                       global_daily=settings.sms_global_daily,
                       branch_daily_cost_cap=settings.sms_branch_daily_cost_cap, sms_cost=settings.sms_cost)
    issuer = TokenIssuer(key, settings.auth.issuer, settings.auth.audience, settings.auth.access_ttl_s)
    hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    return IdentityDeps(settings, issuer, hasher, sms, email, pepper_from_key(key), limits, mailbox)
