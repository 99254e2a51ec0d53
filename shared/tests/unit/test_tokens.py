"""JWT verification: only EdDSA with a known key, the right issuer and audience, not expired."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from kabinet.auth import InvalidToken, KeySource, Principal, Role, SigningKey, TokenIssuer, TokenVerifier, jwks

ISS, AUD = "kabinet-identity", "kabinet"
PRINCIPAL = Principal(user_id="u1", role=Role.GUARDIAN, family_id="f1", student_ids=frozenset({"s1"}))


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def verifier(key: SigningKey) -> TokenVerifier:
    return TokenVerifier(KeySource(static=jwks([key])), ISS, AUD, leeway_s=0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "u1", "role": "guardian", "fam": "f1", "iss": ISS, "aud": AUD, "iat": now, "exp": now + 60,
            **over}


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    h, c = _b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode())
    return f"{h}.{c}.{_b64(signature)}"


async def test_valid_token_gives_the_principal(key: SigningKey, verifier: TokenVerifier):
    token = TokenIssuer(key, ISS, AUD).issue(PRINCIPAL)
    assert await verifier.verify(token) == PRINCIPAL


async def test_alg_none_is_refused(key: SigningKey, verifier: TokenVerifier):
    for alg in ("none", "None", "NONE"):
        with pytest.raises(InvalidToken):
            await verifier.verify(_unsigned({"alg": alg, "typ": "JWT", "kid": key.kid}, _claims()))


async def test_hs256_signed_with_the_public_key_is_refused(key: SigningKey, verifier: TokenVerifier):
    """The classic confusion attack: the public key (known to all) used as an HMAC secret."""
    public = key.private_key.public_key()
    secrets = [
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        json.dumps(key.public_jwk()).encode(),
    ]
    for secret in secrets:
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        unsigned = _unsigned(header, _claims()).rsplit(".", 1)[0]
        sig = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
        with pytest.raises(InvalidToken, match="not accepted"):
            await verifier.verify(f"{unsigned}.{_b64(sig)}")


async def test_other_asymmetric_algorithm_is_refused(key: SigningKey, verifier: TokenVerifier):
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), rsa_key, algorithm="RS256", headers={"kid": key.kid})
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


# Claims are built when the test runs (not at collection), so "exp" is always relative to now.
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: _claims(aud="someone-else"), "(?i)audience"),
        (lambda: _claims(iss="evil-issuer"), "(?i)issuer"),
        (lambda: _claims(exp=int(time.time()) - 5), "(?i)expired"),
        (lambda: {k: v for k, v in _claims().items() if k != "exp"}, "exp"),
        (lambda: {k: v for k, v in _claims().items() if k != "sub"}, "sub"),
        (lambda: _claims(role="superuser"), "claims"),
    ],
    ids=["wrong-aud", "wrong-iss", "expired", "no-exp", "no-sub", "bad-role"],
)
async def test_bad_claims_are_refused(key: SigningKey, verifier: TokenVerifier, make: Any, reason: str):
    token = jwt.encode(make(), key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(InvalidToken, match=reason):
        await verifier.verify(token)


async def test_unknown_kid_and_foreign_key_are_refused(key: SigningKey, verifier: TokenVerifier):
    other = SigningKey.generate()
    with pytest.raises(InvalidToken, match="unknown key"):
        await verifier.verify(TokenIssuer(other, ISS, AUD).issue(PRINCIPAL))
    # Signed by another key but claiming our kid: the signature check fails.
    forged = jwt.encode(_claims(), other.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(InvalidToken):
        await verifier.verify(forged)


async def test_tampered_and_garbage_tokens_are_refused(key: SigningKey, verifier: TokenVerifier):
    token = TokenIssuer(key, ISS, AUD).issue(PRINCIPAL)
    h, _, s = token.split(".")
    tampered_claims = _b64(json.dumps(_claims(role="owner")).encode())
    for bad in (f"{h}.{tampered_claims}.{s}", "garbage", "a.b.c", ""):
        with pytest.raises(InvalidToken):
            await verifier.verify(bad)


def test_signing_key_pem_round_trip_keeps_the_kid(key: SigningKey):
    again = SigningKey.from_pem(key.to_pem())
    assert again.kid == key.kid
    assert jwks([key])["keys"][0]["alg"] == "EdDSA"


async def test_a_verified_token_is_checked_once_per_process(key: SigningKey, verifier: TokenVerifier):
    """A gateway request reaches a service several times with the same token: one signature check."""
    token = TokenIssuer(key, ISS, AUD).issue(PRINCIPAL)
    assert [await verifier.verify(token) for _ in range(3)] == [PRINCIPAL] * 3
    assert verifier.verifications == 1


async def test_a_cached_token_is_not_served_from_the_cache_once_expired(key: SigningKey, verifier: TokenVerifier,
                                                                         monkeypatch: pytest.MonkeyPatch):
    token = TokenIssuer(key, ISS, AUD).issue(PRINCIPAL, ttl_s=60)
    assert await verifier.verify(token) == PRINCIPAL
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    await verifier.verify(token)  # (PyJWT's own clock is not patched: the full check runs and passes)
    assert verifier.verifications == 2


async def test_a_cached_token_is_refused_once_its_key_is_withdrawn(key: SigningKey):
    keys = KeySource(static=jwks([key]))
    verifier = TokenVerifier(keys, ISS, AUD, leeway_s=0)
    token = TokenIssuer(key, ISS, AUD).issue(PRINCIPAL)
    assert await verifier.verify(token) == PRINCIPAL
    keys.set_static(jwks([SigningKey.generate()]))
    with pytest.raises(InvalidToken):
        await verifier.verify(token)
