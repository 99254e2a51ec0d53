"""The whole system in one process: four services and the gateway, wired in-process.

Embedded mode (the default of ``make run``): each service on its own SQLite file, one in-process bus,
the gateway calling the subgraphs through ASGI. Given database URLs and an AMQP URL, the very same
wiring runs on PostgreSQL and RabbitMQ (the end-to-end tests use that). No feature exists in one mode only:
only the adapters differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig
from kabinet.auth import KeySource, jwks
from kabinet.bus.base import Transport
from kabinet.bus.memory import InProcessTransport
from kabinet.runtime import ServiceRuntime
from kabinet.settings import MessagingSettings
from kabinet_stack.secrets import local_secret
from kabinet_stack.services import ServiceModule, available_services

log = logging.getLogger(__name__)


class Stack:
    def __init__(
        self,
        data_dir: Path,
        *,
        database_urls: Mapping[str, str] | None = None,
        messaging: MessagingSettings | None = None,
        identity_private_key_pem: str | None = None,
        gateway_settings: GatewaySettings | None = None,
        gateway_secret: str | None = None,
        dev_mailbox: bool = False,
        public_url: str | None = None,
    ) -> None:
        """``gateway_secret``: shared by the gateway and the services (else KABINET_GATEWAY_SECRET, else one made
        for this data directory, ``<data_dir>/gateway-secret``). ``dev_mailbox``: identity keeps codes and links
        in memory and shows them at /services/identity/dev/messages (for trying Kabinet only). ``public_url``:
        where the stack is reached, the base of every link the services hand out (else KABINET_PUBLIC_URL or the
        kit's default)."""
        self.data_dir = data_dir
        self.messaging = messaging or MessagingSettings(amqp_url=None)
        self.shared_transport: Transport | None = (
            None if self.messaging.amqp_url else InProcessTransport.from_settings(self.messaging)
        )
        self.modules = {m.name: m for m in available_services()}
        self.runtimes: dict[str, ServiceRuntime] = {}
        self.apps: dict[str, Starlette] = {}
        urls = dict(database_urls or {})

        identity = self.modules["identity"]
        secret = {"gateway_secret": gateway_secret} if gateway_secret else {}
        common: dict[str, Any] = {"data_dir": data_dir, "messaging": self.messaging}
        if public_url:
            common["public_url"] = public_url
        id_settings = identity.settings_cls(database_url=urls.get("identity"), jwt_private_key=identity_private_key_pem,
                                            dev_mailbox=dev_mailbox, **common, **secret)
        if id_settings.gateway_secret is None:  # no default: this data directory's own, made at the first start
            id_settings.gateway_secret = SecretStr(local_secret(data_dir, "gateway-secret"))
        # One secret for the gateway and every service, whichever way it was given.
        secret = {"gateway_secret": id_settings.gateway_secret}
        id_runtime = identity.build_runtime(id_settings, transport=self.shared_transport)
        self.runtimes["identity"] = id_runtime
        # Every other service verifies tokens with identity's public keys, shared in-process.
        self.key_source = KeySource(static=jwks([id_runtime.signing_key]))
        for name, module in self.modules.items():
            if name == "identity":
                continue
            settings = module.settings_cls(database_url=urls.get(name), **common, **secret)
            if name == "billing" and not settings.payment_webhook_secret:
                # No secret has a default: the stand-in provider of this data directory gets its own.
                settings.payment_webhook_secret = local_secret(data_dir, "billing-payment-webhook-secret")
            self.runtimes[name] = module.build_runtime(settings, transport=self.shared_transport,
                                                       key_source=self.key_source)
        for name, runtime in self.runtimes.items():
            if self.shared_transport is not None:
                runtime.share_transport()
            self.apps[name] = self.modules[name].create_app(runtime=runtime, manage_runtime=False)
        subgraphs = [
            SubgraphConfig(name, f"http://{name}.embedded/graphql", transport=httpx.ASGITransport(app=app))
            for name, app in self.apps.items()
        ]
        self.gateway_settings = (gateway_settings or GatewaySettings(compose_timeout_s=60)).model_copy(
            update={"subgraph_secret": id_settings.gateway_secret})
        # The gateway verifies tokens once with the same keys; it feeds subscriptions from the same bus.
        self.gateway = create_gateway_app(self.gateway_settings, subgraphs=subgraphs, key_source=self.key_source,
                                          event_transport=self.shared_transport, messaging=self.messaging)
        self.app = self._build_app()

    @property
    def identity(self) -> Any:
        return self.runtimes["identity"]

    def module(self, name: str) -> ServiceModule:
        return self.modules[name]

    async def start(self) -> None:
        if self.shared_transport is not None:
            await self.shared_transport.connect()
        for runtime in self.runtimes.values():
            await runtime.start()
        for runtime in self.runtimes.values():
            await runtime.wait_ready(60)

    async def stop(self) -> None:
        if self.shared_transport is not None:
            # The relays and the bus first: nothing is delivered into a service already stopped, no replay reads a
            # database already closed (what was not delivered stays in its outbox for the next start).
            for runtime in self.runtimes.values():
                await runtime.relay.stop()
            await self.shared_transport.close()
        for runtime in reversed(list(self.runtimes.values())):
            await runtime.stop()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Stack]:
        """Start the services, then the gateway (which composes their schemas), and stop all after."""
        await self.start()
        try:
            lifespan = self.gateway.router.lifespan_context(self.gateway)
            await lifespan.__aenter__()
            try:
                yield self
            finally:
                await _bounded("gateway shutdown", lifespan.__aexit__(None, None, None))
        finally:
            await _bounded("services shutdown", self.stop())

    def _build_app(self) -> Starlette:
        async def root(_: Request) -> Response:
            return RedirectResponse("/console")

        async def healthz(_: Request) -> Response:
            return JSONResponse({"status": "ok"})

        async def readyz(_: Request) -> Response:
            checks: dict[str, Any] = {n: await r.readiness() for n, r in self.runtimes.items()}
            gw = self.gateway.state.gateway
            checks["gateway"] = {"composed": gw.pipeline is not None}
            ready = all(all(c.values()) for c in checks.values())
            return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            async with self.running():
                yield

        # The gateway answers at /graphql (and serves the web app at /, when it has one, else / opens the
        # console); each service stays reachable under /services/<name>/ for its public routes (JWKS, calendar
        # feeds, webhooks, confirmation pages); its /graphql there answers only the gateway's secret
        # (kabinet.web.gateway_only), so the gateway's limits cannot be bypassed.
        routes = [
            *([] if self.gateway_settings.web_dir is not None else [Route("/", root)]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *[Mount(f"/services/{name}", app=app) for name, app in self.apps.items()],
            Mount("/", app=self.gateway),
        ]
        return Starlette(routes=routes, lifespan=lifespan)


# A shutdown that waits on a broker or database that no longer answers must not hang the process (or a test
# run): after this long it is abandoned with a warning.
SHUTDOWN_TIMEOUT_S = 30.0


async def _bounded(what: str, step: Awaitable[Any]) -> None:
    try:
        async with asyncio.timeout(SHUTDOWN_TIMEOUT_S):
            await step
    except TimeoutError:
        log.warning("%s took over %.0f s; abandoned", what, SHUTDOWN_TIMEOUT_S)
