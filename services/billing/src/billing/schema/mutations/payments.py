"""Mutations: Payments recorded by staff and their refunds."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from billing.domain.model import PaymentMethod
from billing.schema.context import GInfo, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import opt, payment_of
from billing.schema.types import (
    BillingPayment,
    PaymentMethodGQL,
    RecordPaymentPayload,
)
from billing.service import (
    payments,
)
from kabinet.graphql.mutations import attempt
from kabinet.graphql.types import Money


@strawberry.input
class RecordPaymentInput:
    family_id: strawberry.ID
    amount: Decimal
    method: PaymentMethodGQL
    idempotency_key: str | None = None
    invoice_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None
    currency: str = "RUB"


@strawberry.input
class RefundPaymentInput:
    payment_id: strawberry.ID
    amount: Decimal
    reason: str
    idempotency_key: str | None = None


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(description="Record a cash, card or bank-transfer payment (staff; idempotent by key).")
    async def record_payment(self, info: GInfo, input: RecordPaymentInput) -> RecordPaymentPayload:
        cmd = payments.RecordPayment(str(input.family_id), input.amount, PaymentMethod(input.method.value),
                                     input.idempotency_key, input.currency, opt(input.invoice_id),
                                     opt(input.branch_id))
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: payments.record_payment(cmd, uow, info.context.principal))
        if res is None:
            return RecordPaymentPayload(payment=None, balance_after=None, errors=errors)
        # The payment as written when this call wrote it; a replay reads it (its refunds may have changed).
        payment = BillingPayment.from_row(res.payment) if res.payment else await payment_of(info, res.payment_id)
        return RecordPaymentPayload(payment=payment, balance_after=Money.of(res.balance_after, input.currency),
                                    errors=[])

    @strawberry.mutation(description="Return money of a payment to the client.")
    async def refund_payment(self, info: GInfo, input: RefundPaymentInput) -> RecordPaymentPayload:
        cmd = payments.RefundPayment(str(input.payment_id), input.amount, input.reason, input.idempotency_key)
        res, errors = await attempt(error=UserError, within=uows(info),
                                    fn=lambda uow: payments.refund_payment(cmd, uow, info.context.principal))
        if res is None:
            return RecordPaymentPayload(payment=None, balance_after=None, errors=errors)
        return RecordPaymentPayload(payment=await payment_of(info, res.payment_id),
                                    balance_after=Money.of(res.balance_after), errors=[])
