"""Identity's token-signing key: from settings (a secret in production) or a file in embedded mode."""

from __future__ import annotations

from identity.settings import IdentitySettings
from kabinet.auth import KeySource, SigningKey, jwks


def load_signing_key(settings: IdentitySettings) -> SigningKey:
    if settings.jwt_private_key:
        return SigningKey.from_pem(settings.jwt_private_key)
    path = settings.data_dir / "identity-signing-key.pem"
    if path.exists():
        return SigningKey.from_pem(path.read_text())
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    path.write_text(key.to_pem())
    path.chmod(0o600)
    return key


def own_key_source(key: SigningKey) -> KeySource:
    return KeySource(static=jwks([key]))
