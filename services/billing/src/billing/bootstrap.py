"""Billing's composition root."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from starlette.applications import Starlette

from billing.adapters.payment_provider import LocalProvider, PaymentProvider
from billing.adapters.queries import SqlBillingReads
from billing.adapters.tables import dead_letters, inbox, metadata, outbox
from billing.adapters.unit_of_work import SqlBillingUnitOfWork, service_uow
from billing.domain.model import DEFAULT_LIMITS, MoneyLimits
from billing.entrypoints.webhooks import webhook_route
from billing.schema.schema import schema
from billing.service.expiry_job import run_expiry_forever
from billing.service.handlers import HANDLERS
from billing.settings import BillingSettings
from kabinet.auth import KeySource
from kabinet.bus.base import Transport
from kabinet.graphql.context import RequestContext
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

SPEC = ServiceSpec(name="billing", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   dead_letters=dead_letters, handlers=HANDLERS, service_uow=service_uow)


class BillingRuntime(ServiceRuntime):
    """The kit's runtime plus billing's adapter to the online payment provider."""

    payment_provider: PaymentProvider | None = None
    limits: MoneyLimits = DEFAULT_LIMITS
    expiry_task: asyncio.Task[None] | None = None

    def uow(self) -> SqlBillingUnitOfWork:
        # Billing's own unit of work: the kit's plus billing's repositories and money limits.
        return SqlBillingUnitOfWork(self.sessionmaker, self.spec.outbox, self.name, on_commit=self.relay.wake,
                                    limits=self.limits)

    def read_models(self, context: RequestContext) -> SqlBillingReads:
        # The schema's reads, on the request's one read connection (schema/context.py).
        return SqlBillingReads(context.reads)

    async def start(self) -> None:
        await super().start()
        interval = float(getattr(self.settings, "subscription_expiry_interval_s", 0) or 0)
        if interval > 0:
            self.expiry_task = asyncio.create_task(self._expire_subscriptions(interval), name="billing-expiry")

    async def _expire_subscriptions(self, interval_s: float) -> None:
        # Not before the database is migrated and reachable; then every interval (R-BIL-4).
        while True:
            with contextlib.suppress(TimeoutError):
                await self.wait_ready(timeout_s=60)
                break
        await run_expiry_forever(self.uow, interval_s)

    async def stop(self) -> None:
        if self.expiry_task is not None:
            self.expiry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.expiry_task
            self.expiry_task = None
        await super().stop()


# A shorter shared secret is guessable; real acquirers issue 32+ characters.
MIN_WEBHOOK_SECRET_LENGTH = 16
NO_SECRET = (
    "billing: BILLING_PAYMENT_WEBHOOK_SECRET is not set (or shorter than {n} characters). It is the secret the "
    "payment provider signs its notifications with; without it anyone could post a payment. Set it from the "
    "provider's settings (see docs/operations.md); `kabinet run` makes one for its data directory by itself."
)


def build_provider(settings: BillingSettings) -> PaymentProvider | None:
    """The provider adapter, or None when no webhook secret is configured (online payments off)."""
    if settings.payment_provider != "local":
        raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
    secret = settings.payment_webhook_secret
    if not secret or len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        return None
    return LocalProvider(secret, settings.payment_checkout_base_url)


def build_runtime(settings: BillingSettings | None = None, *, transport: Transport | None = None,
                  key_source: KeySource | None = None, provider: PaymentProvider | None = None) -> BillingRuntime:
    settings = settings or BillingSettings()
    runtime = BillingRuntime(SPEC, settings, transport=transport, key_source=key_source)
    runtime.payment_provider = provider or build_provider(settings)
    runtime.limits = MoneyLimits(settings.max_amount_per_operation, settings.balance_ceiling,
                                 settings.subscription_ending_at)
    return runtime


def create_app(settings: BillingSettings | None = None, *, runtime: ServiceRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    """The service's app, webhook route included: it refuses to exist without the webhook secret."""
    runtime = runtime or build_runtime(settings)
    provider = getattr(runtime, "payment_provider", None)
    if provider is None:
        raise SystemExit(NO_SECRET.format(n=MIN_WEBHOOK_SECRET_LENGTH))
    return create_service_app(runtime, schema, routes=[webhook_route(runtime, provider)],
                              manage_runtime=manage_runtime)
