"""Identity's composition root: builds the ports, the unit of work, the read models and the app (wiring only)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route

from identity.adapters.messages import DevMailbox, EmailSender, HttpSmsSender, NoTransport, SmsSender, SmtpEmailSender
from identity.adapters.passwords import PasswordHasher
from identity.adapters.queries.reads import SqlIdentityReads
from identity.adapters.tables import dead_letters, inbox, metadata, outbox
from identity.adapters.telegram import TelegramBot
from identity.adapters.unit_of_work import SqlIdentityUnitOfWork, identity_uow, service_uow
from identity.adapters.web_push import WebPushSender
from identity.domain.credentials import SmsLimits
from identity.entrypoints.dev_messages import dev_messages_page
from identity.entrypoints.keys import jwks_endpoint
from identity.entrypoints.pages import confirm_email_page
from identity.entrypoints.telegram_webhook import telegram_webhook
from identity.keys import load_signing_key, own_key_source
from identity.schema.schema import schema
from identity.service.handlers import HANDLERS
from identity.service.notify_retention import delete_old_records
from identity.service.notify_sender import send_all_due
from identity.service.ports import IdentityPorts
from identity.service.unit_of_work import IdentityReads
from identity.settings import IdentitySettings
from kabinet.auth import SigningKey, TokenIssuer
from kabinet.bus.base import Transport
from kabinet.graphql.context import RequestContext
from kabinet.runtime import ServiceRuntime, ServiceSpec
from kabinet.web.app import create_service_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

IDENTITY_CONSUMER_LINGER_S = 0.1
SPEC = ServiceSpec(name="identity", metadata=metadata, outbox=outbox, inbox=inbox, migrations_dir=MIGRATIONS,
                   dead_letters=dead_letters, handlers=HANDLERS, service_uow=service_uow,
                   # What identity consumes becomes notifications and projections nobody waits on to the
                   # tenth of a second: a sheet's events and the payments around it in one transaction, not one
                   # each (docs/performance.md, session 11).
                   consumer_linger_s=IDENTITY_CONSUMER_LINGER_S)


class IdentityRuntime(ServiceRuntime):
    signing_key: SigningKey
    issuer: TokenIssuer
    ports: IdentityPorts
    mailbox: DevMailbox | None  # only when IDENTITY_DEV_MAILBOX enables the development transport

    @property
    def deps(self) -> IdentityPorts:
        """The ports under their former name (tests swap the clock, the hasher and the limits on it)."""
        return self.ports

    def unit_of_work(self) -> contextlib.AbstractAsyncContextManager[SqlIdentityUnitOfWork]:
        """``async with runtime.unit_of_work() as uow``: identity's repositories in one transaction."""
        return identity_uow(self.uow, self.ports)

    def reads(self, ctx: RequestContext) -> IdentityReads:
        """The request's read models, over its one read connection (the schema gets them via common.reads)."""
        return SqlIdentityReads(ctx.reads)

    async def readiness(self) -> dict[str, bool]:
        # Without a way to send codes and links nobody can sign in or reset a password: not ready.
        return {**await super().readiness(), "sms": self.ports.can_send("sms"),
                "email": self.ports.can_send("email")}


def pepper_from_key(key: SigningKey) -> bytes:
    """A stable secret for hashing codes and tokens, derived from the signing key (one secret to manage)."""
    return hashlib.sha256(b"kabinet-identity-codes:" + key.to_pem().encode()).digest()


def build_ports(settings: IdentitySettings, key: SigningKey, issuer: TokenIssuer,
                mailbox: DevMailbox | None) -> IdentityPorts:
    sms: SmsSender = (HttpSmsSender(settings.sms_api_url, settings.sms_api_key, settings.sms_sender)
                      if settings.sms_api_url else mailbox or NoTransport("sms"))
    email: EmailSender = (SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.email_from,
                                          username=settings.smtp_username, password=settings.smtp_password,
                                          start_tls=settings.smtp_start_tls)
                          if settings.smtp_host else mailbox or NoTransport("email"))
    limits = SmsLimits(per_phone=settings.sms_per_phone_10min, per_ip=settings.sms_per_ip_hour,
                       global_daily=settings.sms_global_daily,
                       branch_daily_cost_cap=settings.sms_branch_daily_cost_cap, sms_cost=settings.sms_cost)
    hasher = PasswordHasher(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    telegram = (TelegramBot(settings.telegram_api_url, settings.telegram_bot_token)
                if settings.telegram_configured() and settings.telegram_bot_token else None)
    web_push = (WebPushSender(settings.webpush_vapid_private_key, settings.webpush_vapid_subject,
                              settings.webpush_ttl_s)
                if settings.webpush_configured() and settings.webpush_vapid_private_key
                and settings.webpush_vapid_subject else None)
    return IdentityPorts(settings, issuer, hasher, sms, email, pepper_from_key(key), limits,
                         sms_available=not isinstance(sms, NoTransport),
                         email_available=not isinstance(email, NoTransport),
                         sms_is_dev_mailbox=mailbox is not None and sms is mailbox, telegram=telegram,
                         web_push=web_push)


def build_runtime(settings: IdentitySettings | None = None, *, transport: Transport | None = None) -> IdentityRuntime:
    settings = settings or IdentitySettings()
    key = load_signing_key(settings)
    # The development mailbox only when asked for: it serves every code and reset link anonymously.
    mailbox = DevMailbox() if settings.dev_mailbox else None
    issuer = TokenIssuer(key, settings.auth.issuer, settings.auth.audience, settings.auth.access_ttl_s)
    ports = build_ports(settings, key, issuer, mailbox)
    # The event handlers get the ports too (notifications read the clock and the settings).
    spec = dataclasses.replace(SPEC, service_uow=functools.partial(service_uow, ports=ports))
    runtime = IdentityRuntime(spec, settings, transport=transport, key_source=own_key_source(key))
    runtime.signing_key, runtime.mailbox, runtime.issuer, runtime.ports = key, mailbox, issuer, ports
    if settings.notify_send:  # off unless enabled: nothing leaves identity on its own (docs/notifications.md)
        runtime.add_job("notifications", settings.notify_send_interval_s,
                        lambda: send_all_due(runtime.unit_of_work, runtime.ports))
    # Whether or not anything is sent: the cabinet's rows are recorded (and read) either way.
    runtime.add_job("notification-retention", settings.notify_retention_interval_s,
                    lambda: delete_old_records(runtime.unit_of_work, runtime.ports))
    return runtime


def create_app(settings: IdentitySettings | None = None, *, runtime: IdentityRuntime | None = None,
               manage_runtime: bool = True) -> Starlette:
    runtime = runtime or build_runtime(settings)
    routes = [Route("/.well-known/jwks.json", jwks_endpoint(runtime.signing_key)),
              Route("/confirm-email", confirm_email_page(runtime))]
    if runtime.ports.settings.telegram_configured():  # the bot's webhook exists only with its secret (docs/security.md)
        routes.append(Route("/telegram/webhook", telegram_webhook(runtime), methods=["POST"]))
    if runtime.mailbox is not None:  # only when IDENTITY_DEV_MAILBOX asks for it: it shows every code and reset link
        routes.append(Route("/dev/messages", dev_messages_page(runtime.mailbox)))
    return create_service_app(runtime, schema, manage_runtime=manage_runtime, routes=routes)


__all__ = ["SPEC", "IdentityRuntime", "build_runtime", "create_app"]
