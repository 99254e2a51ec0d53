"""Read models: a family's payments and invoices, for many families in one statement (the loaders' batches)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import invoices, payments
from billing.domain.records import Invoice, Payment
from kabinet.db.any_of import any_of


async def payments_of(session: AsyncSession, family_ids: Sequence[str]) -> dict[str, list[Payment]]:
    rows = (await session.execute(select(payments).where(any_of(payments.c.family_id, family_ids))
                                  .order_by(payments.c.received_at))).all()
    out: dict[str, list[Payment]] = {f: [] for f in family_ids}
    for r in rows:
        out[r.family_id].append(record(Payment, r))
    return out


async def invoices_of(session: AsyncSession, family_ids: Sequence[str]) -> dict[str, list[Invoice]]:
    rows = (await session.execute(select(invoices).where(any_of(invoices.c.family_id, family_ids))
                                  .order_by(invoices.c.issued_at))).all()
    out: dict[str, list[Invoice]] = {f: [] for f in family_ids}
    for r in rows:
        out[r.family_id].append(record(Invoice, r))
    return out
