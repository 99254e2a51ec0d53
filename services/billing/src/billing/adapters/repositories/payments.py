"""Payments and the online checkouts they may come from (R-BIL-6)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import checkout_sessions, payments
from billing.domain.records import Checkout, Payment


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, payment: Payment) -> None:
        await self.session.execute(payments.insert().values(**asdict(payment)))

    async def get(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        stmt = select(payments).where(payments.c.id == payment_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return record(Payment, row) if row is not None else None

    async def add_refunded(self, payment_id: str, amount: Decimal) -> None:
        await self.session.execute(update(payments).where(payments.c.id == payment_id)
                                   .values(refunded=payments.c.refunded + amount))


class CheckoutRepository:
    """Checkouts billing started with the payment provider (what a notification must match)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, checkout: Checkout) -> None:
        await self.session.execute(checkout_sessions.insert().values(**asdict(checkout)))

    async def get(self, provider: str, provider_payment_id: str) -> Checkout | None:
        c = checkout_sessions
        row = (await self.session.execute(select(c).where(
            c.c.provider == provider, c.c.provider_payment_id == provider_payment_id))).first()
        return record(Checkout, row) if row is not None else None

    async def mark_paid(self, checkout_id: str, payment_id: str) -> None:
        await self.session.execute(update(checkout_sessions).where(checkout_sessions.c.id == checkout_id)
                                   .values(status="paid", payment_id=payment_id))
