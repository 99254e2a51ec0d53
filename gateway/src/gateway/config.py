"""Gateway configuration: which subgraphs to federate and how the HTTP server behaves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import httpx
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from gateway.client_address import Network, parse_networks


@dataclass(frozen=True)
class SubgraphConfig:
    """One subgraph the gateway federates.

    `transport` lets embedded mode (and tests) call a subgraph's ASGI app in-process through
    `httpx.ASGITransport(app=...)` instead of over the network; the URL is then only a label.
    """

    name: str
    url: str
    transport: httpx.AsyncBaseTransport | None = None


def parse_subgraph_list(raw: str) -> list[SubgraphConfig]:
    """Parse `name=url,name=url` (the GATEWAY_SUBGRAPHS format) into configs, keeping the given order."""
    configs: list[SubgraphConfig] = []
    seen: set[str] = set()
    for raw_item in raw.split(","):
        item = raw_item.strip()
        if not item:
            continue
        name, sep, url = item.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not name or not url:
            raise ValueError(f"subgraph entry {item!r} is not of the form name=url")
        if name in seen:
            raise ValueError(f"subgraph {name!r} is listed twice")
        seen.add(name)
        configs.append(SubgraphConfig(name=name, url=url))
    return configs


class GatewaySettings(BaseSettings):
    """Settings read from `GATEWAY_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    # NoDecode: the env value is our own `name=url,...` format, not JSON.
    subgraphs: Annotated[list[SubgraphConfig], NoDecode] = []
    host: str = "0.0.0.0"
    port: int = 8000
    supergraph_file: Path | None = None
    # The GraphQL console (/console) and introspection show the whole API to anyone: off unless configured
    # (`kabinet run` and `deploy/make-secrets.sh --demo` turn them on for trying Kabinet; the k8s dev overlay too).
    console_enabled: bool = False
    introspection_enabled: bool = False
    # A subgraph error's message reaches the client only under a typed code (Kabinet's ErrorCode values and the
    # kit's GraphQL codes); others get a generic message (gateway.subgraph_errors). `all`: every message as it
    # came, as Apollo's gateway does (tests comparing with it; debugging) - internal text may reach clients.
    subgraph_error_messages: Literal["typed", "all"] = "typed"
    subgraph_timeout_s: float = 10.0
    # Per-subgraph overrides of the timeout: `billing=2,identity=5`.
    subgraph_timeouts: Annotated[dict[str, float], NoDecode] = {}
    # Recompose (or re-read the supergraph file) this often; 0 turns it off. A failure keeps the last good one.
    poll_interval_s: float = 30.0
    # How long start-up keeps retrying `_service { sdl }` before giving up on composing
    # (the app then keeps retrying in the background and /readyz stays 503).
    compose_timeout_s: float = 60.0
    compose_retry_initial_s: float = 0.1
    compose_retry_max_s: float = 5.0
    plan_cache_size: int = 1000
    # Request limits (0 turns one off): nesting depth, aliases per document, lexical tokens per document, field
    # selections per operation with its fragments expanded.
    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 15000
    max_fields: int = 1000
    document_cache_size: int = 1000
    # Request bodies above this are refused with 413 before they are read in full (0 turns it off).
    max_body_bytes: int = 1024 * 1024
    # Token verification at the gateway (once per request; the token is forwarded unchanged). With neither a
    # JWKS URL nor keys passed to `create_gateway_app`, tokens are only forwarded (each subgraph verifies).
    jwks_url: str | None = Field(default=None, validation_alias=AliasChoices("GATEWAY_JWKS_URL", "JWKS_URL"))
    jwt_issuer: str = Field(
        default="kabinet-identity", validation_alias=AliasChoices("GATEWAY_JWT_ISSUER", "JWT_ISSUER")
    )
    jwt_audience: str = Field(default="kabinet", validation_alias=AliasChoices("GATEWAY_JWT_AUDIENCE", "JWT_AUDIENCE"))
    # Automatic persisted queries (Apollo's protocol); the registered documents live in a bounded LRU.
    apq_enabled: bool = True
    apq_cache_size: int = 5000
    # Trusted-documents mode: a JSON manifest ({hash: document}, or Apollo's persisted-query manifest);
    # only its operations are served - or, with trusted_documents_only=false, they are served by hash and any
    # other document still runs (the web app's documents next to the console's).
    trusted_documents: Path | None = None
    trusted_documents_only: bool = True
    # Static cost estimate (IBM @cost/@listSize semantics); requests above it are refused (0 = off). The budget
    # admits every saved console operation and every web cabinet document (a test checks both) and refuses
    # a dozen aliased window searches (`bookableLessons` weighs about 200).
    max_cost: int = 2500
    cost_default_list_size: int = 10
    # Subscriptions over graphql-ws, fed from the event bus (needs AMQP_URL, or the embedded bus).
    subscriptions_enabled: bool = True
    # Operations one WebSocket connection may run at once (each subscription holds a task and the hub's
    # listeners); the next is refused with TOO_MANY_OPERATIONS. The web app opens a handful.
    ws_max_operations: int = 100
    # Sent to every subgraph (header x-kabinet-gateway-secret): Kabinet's services answer only requests carrying
    # it. No default; `kabinet-gateway serve` refuses to start without it (kabinet.web.gateway_only).
    subgraph_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KABINET_GATEWAY_SECRET", "GATEWAY_SUBGRAPH_SECRET")
    )
    # Proxies in front of the gateway (CIDRs, comma-separated) whose X-Forwarded-For is believed; the client
    # address forwarded to the subgraphs is the socket peer otherwise. Empty: no proxy is trusted.
    trusted_proxies: Annotated[list[Network], NoDecode] = []
    # Names this instance's fan-out queue (`gateway-subscriptions-<instance>`); random when empty.
    instance_id: str = ""
    # The web app: a built directory (index.html, assets/) served at / with the SPA fallback (see gateway.web).
    web_dir: Path | None = None
    # Subgraphs that receive the web app's session cookie and X-Kabinet-Session, and may set cookies (sessions).
    session_subgraphs: Annotated[list[str], NoDecode] = ["identity"]
    # The entity cache (gateway.cache; docs/performance.md): off unless configured. `memory` keeps it in this
    # process (one gateway: embedded mode turns it on); `redis` shares it between instances (GATEWAY_CACHE_URL,
    # redis://[:password@]host:port/db - no default). Entries live at most `cache_max_age_s`: what a lost
    # invalidation could leave stale.
    cache: Literal["off", "memory", "redis"] = "off"
    cache_url: SecretStr | None = None
    cache_max_age_s: float = 30.0
    cache_max_entries: int = 100_000
    cache_prefix: str = "kabinet:gateway-cache:"
    # The response layer on top of it (gateway.cache.responses): whole answers to repeated queries.
    cache_responses: bool = True
    # Admission (gateway.admission): at most this many query plans execute at once, the rest wait in arrival
    # order, mutations first (0: no limit); beyond `max_waiting` queued, requests are refused with 503 +
    # Retry-After. Size it to what the subgraphs behind this instance can run at once (docs/operations.md).
    max_executions: int = 8
    max_waiting: int = 1000

    @field_validator("subgraph_timeouts", mode="before")
    @classmethod
    def _parse_timeouts(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [item.partition("=") for item in value.split(",") if item.strip()]
            return {name.strip(): float(seconds) for name, _, seconds in pairs}
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_networks(value)
        return value

    @field_validator("session_subgraphs", mode="before")
    @classmethod
    def _parse_names(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("subgraphs", mode="before")
    @classmethod
    def _parse_subgraphs(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_subgraph_list(value)
        return value

    @property
    def ws_max_size(self) -> int:
        """uvicorn's bound on one WebSocket message: the HTTP body limit, so a message is refused (1009) before it is
        buffered whole; uvicorn's own default (16 MiB) when that limit is off. Every server of the gateway passes it
        (``kabinet-gateway serve``, ``kabinet run``)."""
        return self.max_body_bytes or 16 * 1024 * 1024
