"""Billing's unit of work on SQLAlchemy: the kit's (one transaction, the outbox) plus billing's repositories,
each built from the transaction's session; implements ``billing.service.unit_of_work.BillingUnitOfWork``."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing.adapters.repositories import (
    AccountRepository,
    ChargeRepository,
    CheckoutRepository,
    DiscountRepository,
    InvoiceRepository,
    LedgerRepository,
    PaymentRepository,
    ProjectionRepository,
    SubscriptionRepository,
)
from billing.adapters.tables import idempotency_keys
from billing.domain.model import DEFAULT_LIMITS, MoneyLimits
from kabinet.db import SqlKeyStore, UnitOfWork
from kabinet.idempotency import IdempotencyKeys
from kabinet.runtime import ServiceRuntime


class SqlBillingUnitOfWork(UnitOfWork):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], outbox: Table, producer: str,
                 on_commit: Callable[[], None] | None = None, limits: MoneyLimits = DEFAULT_LIMITS) -> None:
        super().__init__(sessionmaker, outbox, producer, on_commit)
        self._limits = limits

    @property
    def limits(self) -> MoneyLimits:
        return self._limits

    @property
    def accounts(self) -> AccountRepository:
        return AccountRepository(self.session)

    @property
    def ledger(self) -> LedgerRepository:
        return LedgerRepository(self.session)

    @property
    def charges(self) -> ChargeRepository:
        return ChargeRepository(self.session)

    @property
    def subscriptions(self) -> SubscriptionRepository:
        return SubscriptionRepository(self.session)

    @property
    def discounts(self) -> DiscountRepository:
        return DiscountRepository(self.session)

    @property
    def payments(self) -> PaymentRepository:
        return PaymentRepository(self.session)

    @property
    def checkouts(self) -> CheckoutRepository:
        return CheckoutRepository(self.session)

    @property
    def invoices(self) -> InvoiceRepository:
        return InvoiceRepository(self.session)

    @property
    def projections(self) -> ProjectionRepository:
        return ProjectionRepository(self.session)

    @property
    def idempotency(self) -> IdempotencyKeys:
        return IdempotencyKeys(SqlKeyStore(self.session, idempotency_keys))


def uow_of(runtime: ServiceRuntime) -> SqlBillingUnitOfWork:
    """A new unit of work of billing's runtime (bootstrap's BillingRuntime makes billing's own)."""
    uow = runtime.uow()
    if not isinstance(uow, SqlBillingUnitOfWork):
        raise TypeError(f"not billing's runtime: {type(runtime).__name__}")
    return uow


def service_uow(kit: UnitOfWork) -> SqlBillingUnitOfWork:
    """Billing's unit of work of the kit's one the inbox opened (its transaction, with the inbox rows): what the
    event handlers get (``ServiceSpec(service_uow=...)``). The runtime's ``uow`` opens billing's own."""
    if not isinstance(kit, SqlBillingUnitOfWork):
        raise TypeError(f"not billing's unit of work: {type(kit).__name__}")
    return kit
