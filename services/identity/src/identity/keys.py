"""Identity's token-signing key: from settings (a secret in production) or a file in embedded mode."""

from __future__ import annotations

from identity.settings import IdentitySettings
from kabinet.auth import KeySource, SigningKey, jwks
from kabinet.private_files import kept_private


def load_signing_key(settings: IdentitySettings) -> SigningKey:
    if settings.jwt_private_key:
        return SigningKey.from_pem(settings.jwt_private_key)
    return SigningKey.from_pem(kept_private(settings.data_dir / "identity-signing-key.pem",
                                            lambda: SigningKey.generate().to_pem()))


def own_key_source(key: SigningKey) -> KeySource:
    return KeySource(static=jwks([key]))
