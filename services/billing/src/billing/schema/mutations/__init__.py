"""Billing's mutations, one module per area, assembled into the one ``Mutation`` type (fields in this order).

Each returns the changed object and ``errors`` (domain errors, typed codes); unauthenticated or forbidden
callers get a GraphQL error (``extensions.code``), never a payload.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from billing.schema.mutations.adjustments import AdjustmentMutations
from billing.schema.mutations.branch_settings import BranchSettingsMutations
from billing.schema.mutations.discounts import DiscountMutations
from billing.schema.mutations.invoices import InvoiceMutations
from billing.schema.mutations.online_payments import OnlinePaymentMutations
from billing.schema.mutations.payments import PaymentMutations
from billing.schema.mutations.subscriptions import SubscriptionMutations

Mutation = merge_types("Mutation", (PaymentMutations, AdjustmentMutations, SubscriptionMutations, DiscountMutations,
                                    InvoiceMutations, OnlinePaymentMutations, BranchSettingsMutations))

__all__ = ["Mutation"]
