"""JWT signing (identity) and verification (every service): EdDSA, pinned algorithm, iss/aud/exp checked."""

from __future__ import annotations

import json
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


class KeySource:
    """Public keys by kid: static (embedded mode, tests) or fetched from a JWKS URL and cached."""

    def __init__(self, jwks_url: str | None = None, static: dict[str, Any] | None = None,
                 refresh_s: float = 300.0) -> None:
        self.jwks_url = jwks_url
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = 0.0
        self.refresh_s = refresh_s
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

    async def get(self, kid: str) -> Ed25519PublicKey | None:
        key = self._keys.get(kid)
        if key is None and self.jwks_url and time.monotonic() - self._fetched_at > 5:
            # An unknown kid may be a rotated key: refetch, but at most every 5 s (no amplification).
            await self.refresh()
            key = self._keys.get(kid)
        return key

    async def refresh(self) -> None:
        if not self.jwks_url:
            return
        self._fetched_at = time.monotonic()
        async with httpx.AsyncClient(timeout=5) as client:
            resp = await client.get(self.jwks_url)
            resp.raise_for_status()
            self._load(resp.json())


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
