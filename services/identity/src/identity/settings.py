from pydantic_settings import SettingsConfigDict

from kabinet.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    port: int = 8001
    # PEM of the Ed25519 key that signs access tokens; unset in embedded mode: one is made in data_dir.
    jwt_private_key: str | None = None
    refresh_ttl_days: int = 30
    # Links in emails are built from the kit's public_url (KABINET_PUBLIC_URL). The email confirmation link opens
    # identity's own page (GET /confirm-email) under /services/identity/; set this when it is served elsewhere.
    confirm_email_url: str | None = None

    # argon2id parameters (OWASP's m=19 MiB, t=2, p=1): changing them upgrades old hashes at the next sign-in.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1

    # SMS: an HTTP provider when sms_api_url is set, else the development mailbox (log + /dev/messages).
    sms_api_url: str | None = None
    sms_api_key: str = ""
    sms_sender: str = "Kabinet"
    sms_allowed_regions: list[str] = ["RU", "BY", "KZ"]
    sms_per_phone_10min: int = 3
    sms_per_ip_hour: int = 20
    sms_global_daily: int = 5000
    sms_cost: str = "4.50"
    sms_currency: str = "RUB"
    sms_branch_daily_cost_cap: str = "500.00"
    # Development only (embedded demo): every code is this value. Refused unless the dev mailbox is in use.
    dev_fixed_code: str | None = None

    # Email: SMTP when smtp_host is set, else the development mailbox.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    email_from: str = "Kabinet <no-reply@kabinet.local>"

    # Use X-Forwarded-For for per-IP caps only behind a gateway/proxy that sets it.
    trust_forwarded_for: bool = False

    def confirm_link_base(self) -> str:
        return self.confirm_email_url or self.public_link("confirm-email")
