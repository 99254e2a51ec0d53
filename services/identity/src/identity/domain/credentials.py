"""Rules for one-time codes, opaque tokens and sign-in limits (stdlib only: hmac, secrets)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5


def generate_code() -> str:
    """Six digits from the OS CSPRNG (``secrets``), leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_secret(pepper: bytes, value: str) -> str:
    """Codes and tokens are stored only as a keyed hash: a leaked table does not reveal a usable code."""
    return hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class OneTimeCode:
    id: str
    phone: str
    purpose: str  # sign_in | register | reset_password
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.attempts < CODE_MAX_ATTEMPTS and now < self.expires_at

    @property
    def tries_left(self) -> int:
        return max(0, CODE_MAX_ATTEMPTS - self.attempts)

    def try_code(self, pepper: bytes, code: str, now: datetime, *, accept: bool = True) -> bool:
        """Every try counts, right or wrong; the fifth wrong one locks the code for good.

        ``accept=False`` (a phone without an account) makes even the right code count as a wrong try, so the
        answers and the tries left never differ between known and unknown phones.
        """
        if not self.usable(now):
            return False
        right = hmac.compare_digest(self.code_hash, hash_secret(pepper, code.strip()))
        if right and accept:
            self.used_at = now
            return True
        self.attempts += 1
        return False


@dataclass(frozen=True)
class SmsLimits:
    per_phone: int = 3  # codes per phone per window
    per_phone_window: timedelta = timedelta(minutes=10)
    per_ip: int = 20  # codes per client IP per hour
    per_ip_window: timedelta = timedelta(hours=1)
    global_daily: int = 5000
    branch_daily_cost_cap: str = "500.00"  # money a branch may spend on password SMS per day (R-FAM-8)
    sms_cost: str = "4.50"

    @property
    def branch_daily_cost_cap_amount(self) -> Decimal:
        return Decimal(self.branch_daily_cost_cap)


# The longest window any SMS cap counts over (the school's and a branch's daily caps): the SMS log's retention
# (IDENTITY_SMS_RETENTION_DAYS) may not be shorter. A cap over a longer window raises this.
LONGEST_SMS_CAP_WINDOW = max(SmsLimits.per_phone_window, SmsLimits.per_ip_window, timedelta(days=1))


# Keys of the SMS day totals the caps count in (one per UTC day): every SMS, and a branch's password SMS.
ALL_SMS = "all"


def branch_sms(branch_id: str) -> str:
    return f"branch:{branch_id}"


@dataclass
class EmailToken:
    """A link sent by email (confirm an address, reset a password), stored by its keyed hash."""

    id: str
    purpose: str  # confirm_email | reset_password
    subject_kind: str  # guardian | staff
    subject_id: str
    email: str
    expires_at: datetime
    used_at: datetime | None


@dataclass
class RefreshToken:
    """One link of a refresh-token chain (a session), stored by its keyed hash."""

    id: str
    chain_id: str
    subject_kind: str  # guardian | staff | student
    subject_id: str
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StudentLogin:
    """A child's own login and password (R-FAM-1)."""

    student_id: str
    login: str
    password_hash: str


def address_key(client_ip: str | None) -> str:
    """A client's address as the per-address caps count it: an IPv6 subscriber holds a whole /64, so every
    address of one /64 is one client (each its own, they would let one client try without limit); IPv4 (also
    when mapped into IPv6) as itself; none known as "unknown"."""
    if not client_ip:
        return "unknown"
    try:
        addr = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)
