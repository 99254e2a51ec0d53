"""Web push leaves identity here: the payload encrypted to the browser (RFC 8291, aes128gcm, via http_ece) and
signed for the push service with the school's VAPID key (RFC 8292, via py_vapid), POSTed over httpx.

The push service sees the endpoint, the sender's VAPID public key and an opaque body: only the browser decrypts.
Errors name the status only (the endpoint is a capability URL: never logged).
"""

from __future__ import annotations

import base64
import os
import time
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from identity.domain.web_push import PushSubscription, b64url_decode
from identity.service.ports import DeliveryFailed, Undeliverable

JWT_TTL_S = 12 * 3600  # RFC 8292: at most 24 hours


class SubscriptionGone(Undeliverable):
    """The push service answered 404/410: the browser unsubscribed or the subscription expired."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPushSender:
    def __init__(self, private_key: str, subject: str, ttl_s: int = 86400, timeout_s: float = 10.0) -> None:
        key = private_key.strip()
        self._vapid = Vapid02.from_pem(key.encode()) if key.startswith("-----") else Vapid02.from_string(key)
        self._subject = subject
        self._ttl_s = ttl_s
        self._client = httpx.AsyncClient(timeout=timeout_s)

    @property
    def public_key(self) -> str:
        """The application server key browsers subscribe with (base64url, uncompressed P-256 point)."""
        return _b64url(self._vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                           serialization.PublicFormat.UncompressedPoint))

    def _authorization(self, endpoint: str) -> str:
        url = urlsplit(endpoint)
        claims = {"aud": f"{url.scheme}://{url.netloc}", "exp": int(time.time()) + JWT_TTL_S, "sub": self._subject}
        return str(self._vapid.sign(claims)["Authorization"])

    def encrypt(self, sub: PushSubscription, payload: bytes) -> bytes:
        """The aes128gcm body: a fresh sender key and salt for each message (RFC 8291 section 3.4)."""
        sender_key = ec.generate_private_key(ec.SECP256R1())
        return bytes(http_ece.encrypt(payload, salt=os.urandom(16), private_key=sender_key,
                                      dh=b64url_decode(sub.p256dh), auth_secret=b64url_decode(sub.auth),
                                      version="aes128gcm"))

    async def send(self, sub: PushSubscription, payload: bytes) -> None:
        headers = {"Authorization": self._authorization(sub.endpoint), "Content-Encoding": "aes128gcm",
                   "Content-Type": "application/octet-stream", "TTL": str(self._ttl_s), "Urgency": "normal"}
        try:
            resp = await self._client.post(sub.endpoint, content=self.encrypt(sub, payload), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"push service unreachable: {type(exc).__name__}") from None
        if resp.status_code < 300:
            return
        if resp.status_code in (404, 410):
            raise SubscriptionGone(f"push subscription gone: {resp.status_code}")
        raise DeliveryFailed(f"push service refused: {resp.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
