from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from identity.domain.credentials import LONGEST_SMS_CAP_WINDOW
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

    # The development mailbox (log + anonymous /dev/messages): every code and link readable by anyone who can
    # reach identity. Only for trying Kabinet (`kabinet run` turns it on); never in production.
    dev_mailbox: bool = False
    # SMS: an HTTP provider when sms_api_url is set, else the development mailbox if enabled, else none
    # (then sign-in codes are refused with DELIVERY_UNAVAILABLE and /readyz reports not ready).
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

    # Email: SMTP when smtp_host is set, else the development mailbox if enabled, else none (as for SMS).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    email_from: str = "Kabinet <no-reply@kabinet.local>"

    # Notifications (docs/notifications.md): recorded from events always; email and SMS leave only when
    # notify_send is on (a periodic sender every notify_send_interval_s, through the transports above).
    notify_send: bool = False
    notify_send_interval_s: float = 5.0
    notify_language: str = "ru"  # a guardian's language until they choose one (ru | en)
    # A money charge that takes a family's balance below this (in the balance's currency) tells of a low balance.
    notify_low_balance_below: str = "500.00"
    # Read in-cabinet and sent email/SMS notifications older than this many days are deleted, in batches, every
    # notify_retention_interval_s (0 days or 0 s: kept for ever). Pending, refused and unread ones are never deleted.
    # The same job forgets lessons (notify_lessons) that ended more than notify_retention_days ago.
    notify_retention_days: int = Field(default=180, ge=0)
    notify_retention_interval_s: float = 3600.0
    # The SMS log (sms_messages, what each branch is charged) older than this many days is deleted by the same job
    # (0: kept for ever); a notification's SMS only once its notification is gone. At least the SMS caps' longest
    # window (a day): checked at start.
    sms_retention_days: int = 180

    @field_validator("sms_retention_days")
    @classmethod
    def _sms_log_outlives_the_caps(cls, days: int) -> int:
        if days != 0 and timedelta(days=days) < LONGEST_SMS_CAP_WINDOW:
            raise ValueError(f"IDENTITY_SMS_RETENTION_DAYS={days}: must be 0 (kept for ever) or at least "
                             f"{LONGEST_SMS_CAP_WINDOW.days} day(s), the longest window the SMS caps count over")
        return days

    # Telegram (docs/notifications.md): off unless a bot token is set (no working default). The bot's webhook
    # (POST /telegram/webhook) must carry telegram_webhook_secret in X-Telegram-Bot-Api-Secret-Token: both are
    # needed. The API base is configurable for tests (a local stand-in) and for a proxy.
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_bot_username: str | None = None  # for the t.me deep link; without it the code is sent by hand
    telegram_api_url: str = "https://api.telegram.org"
    telegram_link_ttl_s: int = 900

    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_webhook_secret)

    # Web push (docs/notifications.md): off unless the VAPID private key (base64url of the raw P-256 key, as
    # `vapid --gen` or web-push's generate-vapid-keys give it, or PEM) and a contact subject (mailto: or https:)
    # are set. The public key the browsers subscribe with is derived from the private one.
    webpush_vapid_private_key: str | None = None
    webpush_vapid_subject: str | None = None
    webpush_max_subscriptions: int = Field(default=10, ge=1)  # browsers a person may subscribe at once
    webpush_ttl_s: int = 86400  # how long a push service keeps a notice for a browser that is offline
    # Tests only: a local stand-in push service over plain http. Real push services are https.
    webpush_allow_http: bool = False

    @field_validator("webpush_vapid_subject")
    @classmethod
    def _vapid_subject_is_a_contact(cls, subject: str | None) -> str | None:
        if subject is not None and not subject.startswith(("mailto:", "https://")):
            raise ValueError("IDENTITY_WEBPUSH_VAPID_SUBJECT must be a mailto: or https: URL (RFC 8292)")
        return subject

    def webpush_configured(self) -> bool:
        return bool(self.webpush_vapid_private_key and self.webpush_vapid_subject)

    # The web app's refresh-token cookie (`X-Kabinet-Session: cookie`) gets `Secure`: set it when served over HTTPS.
    session_cookie_secure: bool = False

    def confirm_link_base(self) -> str:
        return self.confirm_email_url or self.public_link("confirm-email")
