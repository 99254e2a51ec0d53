from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"
    port: int = 8003
    # The online payment provider: "local" is the stand-in acquirer (embedded mode, tests).
    payment_provider: str = "local"
    # Shared secret the provider signs notifications with (a secret in production).
    payment_webhook_secret: str = "local-dev-secret"
    payment_checkout_base_url: str = "https://pay.local.test"
    # How often the runtime expires subscriptions past validity by itself (seconds; 0 turns the job off,
    # e.g. when an external scheduler calls runSubscriptionExpiry instead). It also runs once at start-up.
    subscription_expiry_interval_s: float = 3600.0
