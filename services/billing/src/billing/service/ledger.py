"""Posting to the ledger: the one way money or lesson credits move, with the balance event."""

from __future__ import annotations

from billing.domain.errors import AccountNotFound
from billing.domain.events import BalanceChanged, money
from billing.domain.model import FamilyAccount, Transaction
from billing.domain.records import Posted
from billing.service.unit_of_work import BillingUnitOfWork


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
    if tx.family_delta != 0:
        uow.publish(BalanceChanged(family_id=tx.family_id, balance=money(posted.balance_after, tx.currency),
                                   transaction_id=tx.id, kind=tx.kind.value))
    return posted
