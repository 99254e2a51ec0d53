from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"
    port: int = 8003
