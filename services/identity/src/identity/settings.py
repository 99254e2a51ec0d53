from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    port: int = 8001
    # PEM of the Ed25519 key that signs access tokens; unset in embedded mode: one is made in data_dir.
    jwt_private_key: str | None = None
