"""Repositories: the only place that knows billing's tables. One module per aggregate; projections.py for
other services' data."""

from billing.adapters.repositories.accounts import AccountRepository
from billing.adapters.repositories.charges import ChargeRepository
from billing.adapters.repositories.discounts import DiscountRepository
from billing.adapters.repositories.invoices import InvoiceRepository
from billing.adapters.repositories.ledger import LedgerRepository
from billing.adapters.repositories.payments import CheckoutRepository, PaymentRepository
from billing.adapters.repositories.projections import ProjectionRepository
from billing.adapters.repositories.subscriptions import SubscriptionRepository

__all__ = [
    "AccountRepository", "ChargeRepository", "CheckoutRepository", "DiscountRepository", "InvoiceRepository",
    "LedgerRepository", "PaymentRepository", "ProjectionRepository", "SubscriptionRepository",
]
