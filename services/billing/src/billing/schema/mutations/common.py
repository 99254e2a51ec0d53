"""What the mutation modules share: reading back what a use case changed, optional ids."""

from __future__ import annotations

from typing import Any

from billing.schema.context import GInfo, reads
from billing.schema.types import (
    BillingInvoice,
    BillingPayment,
    StatementLine,
    StudentSubscription,
)


def opt(v: Any) -> str | None:
    return str(v) if v is not None else None


async def line_of(info: GInfo, tx_id: str) -> StatementLine | None:
    entry = await reads(info).statement_entry(tx_id)
    return StatementLine.from_row(entry) if entry is not None else None


async def payment_of(info: GInfo, payment_id: str) -> BillingPayment | None:
    payment = await reads(info).payment(payment_id)
    return BillingPayment.from_row(payment) if payment is not None else None


async def subscription_of(info: GInfo, sid: str) -> StudentSubscription | None:
    sub = await reads(info).subscription(sid)
    return StudentSubscription.from_model(sub) if sub is not None else None


async def invoice_of(info: GInfo, invoice_id: str) -> BillingInvoice | None:
    invoice = await reads(info).invoice(invoice_id)
    return BillingInvoice.from_row(invoice) if invoice is not None else None
