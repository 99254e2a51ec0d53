"""Mutations: Invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from billing.schema.context import GInfo, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import invoice_of, opt
from billing.schema.types import (
    BillingInvoicePayload,
)
from billing.service import (
    invoices,
)
from kabinet.graphql.mutations import attempt


@strawberry.input
class IssueInvoiceInput:
    family_id: strawberry.ID
    description: str
    amount: Decimal | None = None
    subscription_id: strawberry.ID | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    branch_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.type
class InvoiceMutations:
    @strawberry.mutation(description="Issue an invoice for a subscription or a period.")
    async def issue_invoice(self, info: GInfo, input: IssueInvoiceInput) -> BillingInvoicePayload:
        cmd = invoices.IssueInvoice(str(input.family_id), input.description, input.amount,
                                    opt(input.subscription_id), input.period_from, input.period_to,
                                    opt(input.branch_id), input.idempotency_key)
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: invoices.issue_invoice(cmd, uow, info.context.principal))
        return BillingInvoicePayload(invoice=await invoice_of(info, res.invoice_id) if res else None, errors=errors)

    @strawberry.mutation(description="Cancel an unpaid invoice. Safe to repeat.")
    async def cancel_invoice(self, info: GInfo, invoice_id: strawberry.ID) -> BillingInvoicePayload:
        cmd = invoices.CancelInvoice(str(invoice_id))
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: invoices.cancel_invoice(cmd, uow, info.context.principal))
        return BillingInvoicePayload(invoice=await invoice_of(info, res) if res else None, errors=errors)
