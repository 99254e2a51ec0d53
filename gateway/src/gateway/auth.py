"""The caller's token, verified once at the gateway.

A request without `Authorization` is anonymous and goes on as it is (each subgraph decides what anonymous
callers may see). A bearer token is verified with identity's public keys (`kabinet.auth.TokenVerifier`: pinned
algorithm, iss/aud/exp checked); a bad, expired or wrongly signed one is refused with 401 `UNAUTHENTICATED`
before anything is parsed or planned. A good one is forwarded to the subgraphs unchanged.

Verified tokens are remembered until they expire by the verifier's own cache (bounded LRU, strict on the cached
path), so a client sending the same token on every request pays the signature check once.
"""

from __future__ import annotations

import logging

from kabinet.auth import ANONYMOUS, InvalidToken, KeySource, Principal, TokenVerifier
from kabinet.outages import SERVICE_UNAVAILABLE, UNAVAILABLE_MESSAGE, is_outage

log = logging.getLogger(__name__)


class Unauthenticated(Exception):
    """The request carried credentials that are not accepted (the reason is logged, not shown)."""

    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "The access token is invalid or has expired.") -> None:
        super().__init__(message)


class AuthUnavailable(Exception):
    """The token cannot be checked now (identity's keys unreachable): retry later, do not sign in again."""

    code = SERVICE_UNAVAILABLE

    def __init__(self, message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)


class GatewayAuth:
    def __init__(self, verifier: TokenVerifier | None, cache_size: int | None = None) -> None:
        self.verifier = verifier
        if verifier is not None and cache_size is not None:
            verifier.cache_size = cache_size

    @property
    def verifications(self) -> int:
        """Signature checks done (tests prove the verifier's cache works)."""
        return self.verifier.verifications if self.verifier is not None else 0

    @classmethod
    def from_settings(
        cls, key_source: KeySource | None, jwks_url: str | None, issuer: str, audience: str
    ) -> GatewayAuth:
        if key_source is None and jwks_url:
            key_source = KeySource(jwks_url=jwks_url)
        if key_source is None:
            log.warning("no JWKS_URL and no keys: the gateway forwards tokens without verifying them")
            return cls(None)
        return cls(TokenVerifier(key_source, issuer, audience))

    @property
    def enabled(self) -> bool:
        return self.verifier is not None

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The caller's principal; ANONYMOUS without a token; None when verification is off (token unknown).
        Raises `Unauthenticated` for a token that is not accepted."""
        if not authorization:
            return ANONYMOUS
        if self.verifier is None:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("The Authorization header must be 'Bearer <access token>'.")
        return await self.verify(token)

    async def verify(self, token: str) -> Principal:
        assert self.verifier is not None
        try:
            return await self.verifier.verify(token)
        except InvalidToken as exc:
            log.info("token refused: %s", exc)
            raise Unauthenticated() from exc
        except Exception as exc:  # e.g. the JWKS endpoint is down: refuse, never let an unverified token in
            log.warning("token could not be verified: %r", exc)
            if is_outage(exc):
                raise AuthUnavailable() from exc
            raise Unauthenticated("The access token could not be verified.") from exc
