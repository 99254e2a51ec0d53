"""A browser's web-push subscription (R-NTF-1 "web push"): where the push service takes a person's notices.

What the browser's PushManager gives: the push service's endpoint (a capability URL for that one browser) and the
keys the payload is encrypted to (RFC 8291): its P-256 public key and its 16-byte auth secret, both base64url.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit

from identity.domain.errors import InvalidPushSubscription

MAX_ENDPOINT = 1000  # real endpoints are a few hundred characters (FCM, Mozilla, Apple)


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PushSubscription:
    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def parse(cls, endpoint: str, p256dh: str, auth: str, *, allow_http: bool = False) -> PushSubscription:
        """Checked as given: an https URL of bounded length (http only when allowed, for tests), a P-256 public
        key (65 bytes, uncompressed) and a 16-byte auth secret."""
        endpoint, p256dh, auth = endpoint.strip(), p256dh.strip(), auth.strip()
        url = urlsplit(endpoint) if len(endpoint) <= MAX_ENDPOINT else None
        schemes = ("https", "http") if allow_http else ("https",)
        if url is None or url.scheme not in schemes or not url.hostname or url.username or url.password:
            raise InvalidPushSubscription(field="endpoint")
        if len(p256dh) > 128 or not _decodes_to(p256dh, 65, first=4):
            raise InvalidPushSubscription(field="p256dh")
        if len(auth) > 64 or not _decodes_to(auth, 16):
            raise InvalidPushSubscription(field="auth")
        return cls(endpoint, p256dh, auth)


def _decodes_to(text: str, size: int, first: int | None = None) -> bool:
    try:
        raw = b64url_decode(text)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == size and (first is None or raw[0] == first)
