"""Invoices (R-BIL-6)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import invoices
from billing.domain.records import Invoice


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invoice: Invoice) -> None:
        await self.session.execute(invoices.insert().values(**asdict(invoice)))

    async def get(self, invoice_id: str, *, lock: bool = False) -> Invoice | None:
        stmt = select(invoices).where(invoices.c.id == invoice_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return record(Invoice, row) if row is not None else None

    async def set_paid(self, invoice_id: str, paid: Decimal, status: str) -> None:
        await self.session.execute(update(invoices).where(invoices.c.id == invoice_id)
                                   .values(paid=paid, status=status))

    async def set_status(self, invoice_id: str, status: str) -> None:
        await self.session.execute(update(invoices).where(invoices.c.id == invoice_id).values(status=status))
