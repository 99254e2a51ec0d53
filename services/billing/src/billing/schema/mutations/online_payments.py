"""Mutations: Online payments (the checkout; the provider's webhook records the payment)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from billing.domain.errors import PaymentsUnavailable
from billing.schema.context import GInfo, services, uows
from billing.schema.errors import UserError
from billing.schema.mutations.common import opt
from billing.schema.types import (
    OnlineCheckout,
    OnlinePaymentPayload,
)
from billing.service import (
    online_payments,
)
from kabinet.graphql.error_codes import user_error
from kabinet.graphql.mutations import attempt


@strawberry.input
class StartOnlinePaymentInput:
    family_id: strawberry.ID
    amount: Decimal
    invoice_id: strawberry.ID | None = None


@strawberry.type
class OnlinePaymentMutations:
    @strawberry.mutation(description="Start an online payment; the balance changes when the provider confirms.")
    async def start_online_payment(self, info: GInfo, input: StartOnlinePaymentInput) -> OnlinePaymentPayload:
        cmd = online_payments.StartOnlinePayment(str(input.family_id), input.amount, opt(input.invoice_id))
        provider = services(info).payment_provider
        if provider is None:
            return OnlinePaymentPayload(checkout=None, errors=[user_error(PaymentsUnavailable(), UserError)])
        res, errors = await attempt(within=uows(info), fn=lambda uow: online_payments.start_online_payment(
            cmd, uow, info.context.principal, provider), error=UserError)
        checkout = OnlineCheckout(provider_payment_id=res.provider_payment_id,
                                  confirmation_url=res.confirmation_url) if res else None
        return OnlinePaymentPayload(checkout=checkout, errors=errors)
