"""JWT signing (identity) and verification (every service): EdDSA, pinned algorithm, iss/aud/exp checked."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt import PyJWK

from kabinet.auth.principal import Principal
from kabinet.outages import DependencyUnavailable

log = logging.getLogger(__name__)


class InvalidToken(Exception):
    """Any reason a token is not accepted; the reason is logged, never shown to the caller."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        return cls(kid=_kid(key), private_key=key)

    @classmethod
    def from_pem(cls, pem: str, kid: str | None = None) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key")
        return cls(kid=kid or _kid(key), private_key=key)

    def to_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "EdDSA"})
        return dict(jwk)


def _kid(key: Ed25519PrivateKey) -> str:
    """The key id is derived from the public key, so the same PEM always has the same kid."""
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pub.hex()[:16]


def jwks(keys: list[SigningKey]) -> dict[str, Any]:
    return {"keys": [k.public_jwk() for k in keys]}


class TokenIssuer:
    def __init__(self, key: SigningKey, issuer: str, audience: str, ttl_s: int = 45) -> None:
        self.key, self.issuer, self.audience, self.ttl_s = key, issuer, audience, ttl_s

    def issue(self, principal: Principal, ttl_s: int | None = None) -> str:
        now = int(time.time())
        claims = {k: v for k, v in principal.claims().items() if v not in (None, [])}
        claims.update({"iss": self.issuer, "aud": self.audience, "iat": now, "nbf": now,
                       "exp": now + (ttl_s or self.ttl_s), "jti": uuid.uuid4().hex})
        return jwt.encode(claims, self.key.private_key, algorithm="EdDSA", headers={"kid": self.key.kid})


class KeysUnavailable(DependencyUnavailable):
    """Identity's public keys could not be fetched, so a token cannot be checked either way: the caller
    gets ``SERVICE_UNAVAILABLE`` (retry), not ``UNAUTHENTICATED`` (sign in again)."""


class KeySource:
    """Public keys by kid: static (embedded mode, tests) or fetched from a JWKS URL and cached.

    One fetch at a time: concurrent requests that need the keys wait for the fetch in flight, and the
    keys count as fetched only once it succeeded. A kid unknown after a fetch may be a rotated key:
    it refetches, at most every ``refetch_min_s``. A failed fetch is not retried for ``retry_after_s``
    (requests meanwhile get :class:`KeysUnavailable` at once instead of each waiting on identity).
    """

    def __init__(self, jwks_url: str | None = None, static: dict[str, Any] | None = None,
                 refresh_s: float = 300.0, *, timeout_s: float = 5.0, refetch_min_s: float = 5.0,
                 retry_after_s: float = 1.0) -> None:
        self.jwks_url = jwks_url
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at: float | None = None  # last successful fetch (monotonic)
        self._failed_at: float | None = None
        self._fetch: asyncio.Task[None] | None = None
        self.refresh_s = refresh_s
        self.timeout_s, self.refetch_min_s, self.retry_after_s = timeout_s, refetch_min_s, retry_after_s
        self.fetches = 0  # requests made to the JWKS URL (tests prove there is one per need)
        if static:
            self._load(static)

    def _load(self, data: dict[str, Any]) -> None:
        keys: dict[str, Ed25519PublicKey] = {}
        for raw in data.get("keys", []):
            if raw.get("kty") != "OKP" or raw.get("crv") != "Ed25519":
                continue
            key = PyJWK(raw, algorithm="EdDSA").key
            if isinstance(key, Ed25519PublicKey):
                keys[str(raw.get("kid"))] = key
        self._keys.update(keys)

    def set_static(self, data: dict[str, Any]) -> None:
        self._keys.clear()
        self._load(data)

    @property
    def fetched(self) -> bool:
        return self._fetched_at is not None

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        """The key for ``kid``; None when it is not identity's; raises :class:`KeysUnavailable` when
        the keys are needed and cannot be fetched."""
        key = self._keys.get(kid)
        if key is not None or not self.jwks_url:
            return key
        now = time.monotonic()
        if self._fetched_at is not None and now - self._fetched_at < self.refetch_min_s and not self._fetching:
            return None  # fetched a moment ago: an unknown kid is not identity's (no amplification)
        await self.refresh()
        return self._keys.get(kid)

    @property
    def _fetching(self) -> bool:
        return self._fetch is not None and not self._fetch.done()

    async def refresh(self) -> None:
        """Fetch the keys, or wait for the fetch already in flight; raises :class:`KeysUnavailable`."""
        if not self.jwks_url:
            return
        if not self._fetching:
            if self._failed_at is not None and time.monotonic() - self._failed_at < self.retry_after_s:
                raise KeysUnavailable("identity's keys are unavailable (the last fetch failed a moment ago)")
            self._fetch = asyncio.create_task(self._fetch_keys(self.jwks_url), name="jwks-fetch")
        assert self._fetch is not None
        # Shielded: a request that gives up does not cancel the fetch the others are waiting for.
        await asyncio.shield(self._fetch)

    async def _fetch_keys(self, url: str) -> None:
        self.fetches += 1
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                resp = await client.get(url)
                resp.raise_for_status()
                data = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._failed_at = time.monotonic()
            raise KeysUnavailable(f"fetching identity's keys failed: {exc!r}") from exc
        self._load(data)
        self._fetched_at = time.monotonic()
        self._failed_at = None

    async def fetch_until_done(self, max_delay_s: float = 5.0) -> None:
        """At start-up: fetch the keys, retrying with back-off until it succeeds (run in the background)."""
        delay = 0.2
        while self.jwks_url and not self.fetched:
            try:
                await self.refresh()
            except KeysUnavailable as exc:
                log.warning("identity's keys not fetched yet", extra={"error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(max_delay_s, delay * 2)


class TokenVerifier:
    ALGORITHMS = ("EdDSA",)  # pinned: the header's alg never chooses the algorithm

    def __init__(self, keys: KeySource, issuer: str, audience: str, leeway_s: int = 10) -> None:
        self.keys, self.issuer, self.audience, self.leeway_s = keys, issuer, audience, leeway_s

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"bad header: {exc}") from exc
        if header.get("alg") not in self.ALGORITHMS:
            raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
        key = await self.keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token, key, algorithms=list(self.ALGORITHMS), audience=self.audience, issuer=self.issuer,
                leeway=self.leeway_s, options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        try:
            return Principal.from_claims(claims)
        except ValueError as exc:
            raise InvalidToken(f"bad claims: {exc}") from exc
