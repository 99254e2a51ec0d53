"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kabinet.db.engine import TcpKeepalive


class MessagingSettings(BaseSettings):
    """Broker settings: unset AMQP_URL means the in-process bus (embedded mode)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    amqp_url: str | None = None
    events_exchange: str = "kabinet.events"
    # Prefix for queue names; tests set a unique one per run so runs never collide.
    queue_prefix: str = ""
    delivery_limit: int = 4  # redeliveries after the first try: 5 tries, then the dead-letter queue
    # Defaults measured with bench/events.py and bench/schedule.py on 2 cores: bigger batches and fewer
    # concurrent batches beat many small ones (fewer transactions, less lock contention): 0.37 vs 0.26 of raw.
    prefetch: int = 1000
    # Batches a consumer handles at once (each holds a database connection while it does).
    max_concurrency: int = 2
    # Deliveries already waiting are handled together, one transaction per batch of at most this many.
    batch_max: int = 200
    # How long a consumer waits for more deliveries before handling a lone one (latency for throughput).
    batch_linger_s: float = 0.005
    # ... and lingers again while more keep arriving (a stream), up to this in all.
    batch_max_wait_s: float = 0.25
    publish_timeout_s: float = 5.0
    # RabbitMQ: consecutive events of one routing key published together travel as one AMQP message (a batch,
    # docs/events.md "Wire format") of at most this many events and message_max_bytes of body; 1 = one event per
    # message as before. Consumers understand both (deploy them first on an upgrade: CHANGELOG).
    events_per_message: int = 100
    message_max_bytes: int = 256 * 1024
    # A failed handler waits retry_backoff_s * 2**(try-1) (at most retry_backoff_max_s) before its retry.
    retry_backoff_s: float = 0.1
    retry_backoff_max_s: float = 5.0
    connect_timeout_s: float = 5.0
    # A handler (one batch) that takes longer is abandoned as an outage (e.g. a database that stopped
    # answering): its messages are held and retried once the dependencies answer, spending no try.
    handler_timeout_s: float = 60.0
    # While a dependency is down, the consumer probes it every 0.2 s, doubling up to this (so it resumes
    # at most this long after the dependency is back).
    outage_probe_max_s: float = 2.0
    # A consumer with messages waiting (locally or in its queue) that settled none for this long is
    # reported not ready on /readyz (stuck), so an orchestrator restarts it.
    consumer_stall_s: float = 60.0


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JWT_", extra="ignore", populate_by_name=True)

    issuer: str = "kabinet-identity"
    audience: str = "kabinet"
    algorithm: str = "EdDSA"
    # Short on purpose: a revoked session or a closed cabinet stops working within access_ttl_s + leeway_s
    # (under a minute); clients refresh before expiry (AuthPayload.session.expiresIn). docs/security-signin.md.
    access_ttl_s: int = 45
    # Clock skew tolerated when verifying exp/nbf (the services' clocks are NTP-synced).
    leeway_s: int = 10
    # Where services fetch identity's public keys; None in embedded mode (keys shared in-process).
    jwks_url: str | None = Field(default=None, validation_alias="JWKS_URL")


class ServiceSettings(BaseSettings):
    """Base for a service's settings; a subclass sets env_prefix (e.g. ``IDENTITY_``)."""

    # populate_by_name: code may pass data_dir=..., while the environment uses KABINET_DATA_DIR.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    database_url: str | None = None
    host: str = "0.0.0.0"
    port: int = 8000
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")
    data_dir: Path = Field(default=Path("var"), validation_alias="KABINET_DATA_DIR")
    outbox_poll_interval_s: float = 0.5
    # Connections per process: pool + overflow (docs/operations.md: every replica of every service together
    # must stay under PostgreSQL's max_connections, or use PgBouncer).
    db_pool_size: int = 10
    db_max_overflow: int = 0  # overflow connections are closed on return: a new connection per burst
    # TLS to PostgreSQL, explicit: disable | prefer | require | verify-ca | verify-full (asyncpg's modes).
    db_ssl: str = "prefer"
    # TCP keepalive on both ends of every PostgreSQL connection: a database host gone without a reset (a half-open
    # network) is found dead after idle + interval x count seconds (60) instead of the kernel's 15 min and more.
    # 0 (any of them): the systems' defaults.
    db_keepalive_idle_s: int = 30
    db_keepalive_interval_s: int = 10
    db_keepalive_count: int = 3
    # Each part of an outbox relay pass's database work (claiming rows, marking them) that takes longer is
    # abandoned: its connection is terminated and the relay backs off as for any outage, then tries again.
    outbox_db_timeout_s: float = 10.0
    messaging: MessagingSettings = Field(default_factory=MessagingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    # The one public base URL (the gateway's origin, as browsers and calendar apps reach it): every link a
    # service hands out is built from it (``public_link``). Embedded mode sets it to where `kabinet run` listens.
    public_url: str = Field(default="http://localhost:8000",
                            validation_alias=AliasChoices("KABINET_PUBLIC_URL", "public_url"))

    def public_link(self, path: str) -> str:
        """A public URL of one of this service's own pages: the gateway serves ``/services/<name>/<path>``
        (gateway.public_paths), as embedded mode does."""
        return f"{self.public_url.rstrip('/')}/services/{self.service_name}/{path.lstrip('/')}"
    # Shared with the gateway; no default: /graphql answers only requests carrying it (kabinet.web.gateway_only).
    gateway_secret: SecretStr | None = Field(default=None, validation_alias="KABINET_GATEWAY_SECRET")

    def db_keepalive(self) -> TcpKeepalive | None:
        """The keepalive every PostgreSQL connection gets (both ends); None when any part is 0."""
        parts = (self.db_keepalive_idle_s, self.db_keepalive_interval_s, self.db_keepalive_count)
        return TcpKeepalive(*parts) if min(parts) > 0 else None

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded default: one SQLite file per service."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{embedded_database(self.data_dir, self.service_name)}"


def embedded_database(data_dir: Path, service: str) -> Path:
    """A service's SQLite file in the embedded mode's data directory."""
    return (data_dir / f"{service}.db").resolve()
