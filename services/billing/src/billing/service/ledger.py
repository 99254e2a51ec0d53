"""Posting to the ledger: the one way money or lesson credits move, with the balance event."""

from __future__ import annotations

from billing.domain.errors import AccountNotFound
from billing.domain.events import BalanceChanged
from billing.domain.model import FamilyAccount, Transaction
from billing.domain.records import Payment, Posted
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.events import MoneyPayload


async def account_of(uow: BillingUnitOfWork, family_id: str) -> FamilyAccount:
    account = await uow.accounts.by_family(family_id)
    if account is None:
        raise AccountNotFound(field="familyId")
    return account


async def post(uow: BillingUnitOfWork, tx: Transaction, *, allow_debt: bool = False) -> Posted:
    """Apply ``tx``. Without ``allow_debt`` a charge beyond the credit limit raises InsufficientFunds;
    with it (lessons that happened) the charge is recorded and flagged as debt, never skipped. Either way
    a balance beyond ± the configured ceiling is refused (BalanceLimitExceeded), in the same statement."""
    posted = await uow.ledger.post(tx, allow_debt=allow_debt, ceiling=uow.limits.balance_ceiling)
    _balance_changed(uow, tx, posted)
    return posted


async def post_payment(uow: BillingUnitOfWork, tx: Transaction, payment: Payment) -> Posted:
    """``post`` of a payment's transaction together with adding the payment (one statement on PostgreSQL)."""
    posted = await uow.ledger.post_payment(tx, payment, ceiling=uow.limits.balance_ceiling)
    _balance_changed(uow, tx, posted)
    return posted


def _balance_changed(uow: BillingUnitOfWork, tx: Transaction, posted: Posted) -> None:
    if tx.family_delta != 0:
        balance = MoneyPayload(amount=posted.balance_after, currency=tx.currency)
        uow.publish(BalanceChanged(family_id=tx.family_id, balance=balance, transaction_id=tx.id, kind=tx.kind.value))
