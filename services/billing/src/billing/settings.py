from decimal import Decimal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from kabinet.money import AMOUNT_COLUMN_MAX
from kabinet.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore")

    service_name: str = "billing"
    port: int = 8003
    # The online payment provider: "local" is the stand-in acquirer (embedded mode, tests).
    payment_provider: str = "local"
    # Shared secret the provider signs notifications with. No default: `serve` refuses to start without one
    # (embedded mode generates one per data directory); `migrate` does not need it.
    payment_webhook_secret: str | None = None
    payment_checkout_base_url: str = "https://pay.local.test"
    # The largest amount one operation moves (a payment, a charge, an adjustment, an invoice, a refund).
    max_amount_per_operation: Decimal = Decimal("10000000.00")
    # No family's balance goes beyond ±this; an operation that would take it there is refused.
    balance_ceiling: Decimal = Decimal("100000000.00")
    # How often the runtime expires subscriptions past validity by itself (seconds; 0 turns the job off,
    # e.g. when an external scheduler calls runSubscriptionExpiry instead). It also runs once at start-up.
    subscription_expiry_interval_s: float = 3600.0
    # A subscription is announced as ending (billing.subscription.ending, once) when a lesson charge leaves it this
    # many lessons or fewer; packages of this size or smaller, trial ones and unlimited ones are not.
    subscription_ending_at: int = Field(default=2, ge=0)

    @field_validator("payment_webhook_secret")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        # A secret read from a file often ends with a newline the provider's signature does not include.
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _limits_fit_the_columns(self) -> "BillingSettings":
        if not Decimal(0) < self.max_amount_per_operation <= self.balance_ceiling <= AMOUNT_COLUMN_MAX:
            raise ValueError(f"need 0 < max_amount_per_operation <= balance_ceiling <= {AMOUNT_COLUMN_MAX}")
        return self
