"""SMS and email leave identity through these adapters.

Production: :class:`HttpSmsSender` (a JSON HTTP SMS provider) and :class:`SmtpEmailSender` (aiosmtplib).
Development (``make run``, or ``IDENTITY_DEV_MAILBOX=true``): :class:`DevMailbox` keeps the last messages in
memory (served at ``/dev/messages``) and logs each one, so a developer reads the code in the log or on that page.
Neither configured nor the mailbox enabled: :class:`NoTransport` refuses (identity is then not ready).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import httpx

from identity.service.ports import DeliveryFailed, EmailSender, SmsSender

__all__ = ["DeliveryFailed", "DevMailbox", "EmailSender", "HttpSmsSender", "NoTransport", "SentMessage", "SmsSender",
           "SmtpEmailSender"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentMessage:
    channel: str  # sms | email
    to: str
    subject: str
    text: str
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class DevMailbox:
    """Development transport for both channels: nothing leaves the machine."""

    def __init__(self, keep: int = 200) -> None:
        self.messages: deque[SentMessage] = deque(maxlen=keep)

    async def send_sms(self, phone: str, text: str) -> None:
        self.messages.append(SentMessage("sms", phone, "", text))
        log.info("dev SMS to %s: %s", phone, text)

    async def send_email(self, to: str, subject: str, text: str) -> None:
        self.messages.append(SentMessage("email", to, subject, text))
        log.info("dev email to %s: %s\n%s", to, subject, text)

    def last_to(self, to: str) -> SentMessage | None:
        return next((m for m in reversed(self.messages) if m.to == to), None)


class NoTransport:
    """Stands in for a channel with no provider configured: nothing can be sent (never a silent mailbox)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send_sms(self, phone: str, text: str) -> None:
        raise DeliveryFailed("no SMS provider is configured (IDENTITY_SMS_API_URL)")

    async def send_email(self, to: str, subject: str, text: str) -> None:
        raise DeliveryFailed("no SMTP server is configured (IDENTITY_SMTP_HOST)")


class HttpSmsSender:
    """POST {api}/messages {"to", "text", "sender"} with a bearer API key; 2xx means accepted."""

    def __init__(self, base_url: str, api_key: str, sender: str, timeout_s: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, transport=transport,
                                         headers={"Authorization": f"Bearer {api_key}"})
        self.sender = sender

    async def send_sms(self, phone: str, text: str) -> None:
        try:
            resp = await self._client.post("/messages", json={"to": phone, "text": text, "sender": self.sender})
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS provider unreachable: {exc!r}") from exc
        if resp.status_code >= 300:
            raise DeliveryFailed(f"SMS provider refused: {resp.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()


class SmtpEmailSender:
    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, start_tls: bool = False, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.start_tls, self.timeout_s = username, password, start_tls, timeout_s

    async def send_email(self, to: str, subject: str, text: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(text)
        try:
            await aiosmtplib.send(msg, hostname=self.host, port=self.port, username=self.username,
                                  password=self.password, start_tls=self.start_tls, timeout=self.timeout_s)
        except aiosmtplib.SMTPException as exc:
            raise DeliveryFailed(f"SMTP failed: {exc!r}") from exc
