"""Manual money operations by branch admins: adjustments with a reason (R-BIL-3) and direct charges."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from billing.domain.events import AdjustmentMade
from billing.domain.model import LedgerAccount, Transaction, TxKind, money_move, positive_amount
from billing.service.access import actor, require_booking, require_family_wide
from billing.service.ledger import account_of, post
from billing.service.payments import booked_branch
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.errors import InvalidInput
from kabinet.events import MoneyPayload
from kabinet.idempotency import user_scope


@dataclass(frozen=True)
class BalanceResult:
    """A transaction posted by staff: the family's balance after it."""

    transaction_id: str
    balance_after: Decimal



@dataclass(frozen=True)
class AdjustBalance:
    family_id: str
    amount: Decimal  # positive credits the family (a bonus), negative debits it (a correction)
    reason: str
    idempotency_key: str | None = None
    branch_id: str | None = None


async def adjust_balance(cmd: AdjustBalance, uow: BillingUnitOfWork, p: Principal) -> BalanceResult:
    branch_id = await require_booking(p, uow.projections, cmd.family_id, branch_id=cmd.branch_id)
    reason = cmd.reason.strip()
    if not reason:
        raise InvalidInput("Say why the balance is adjusted.", field="reason")
    amount = positive_amount(cmd.amount, uow.limits, negative=True)
    content = {"family": cmd.family_id, "amount": f"{amount:.2f}", "reason": reason, **booked_branch(branch_id)}

    async def action() -> BalanceResult:
        account = await account_of(uow, cmd.family_id)
        tx = Transaction(account.id, account.family_id, TxKind.ADJUSTMENT, reason,
                         money_move(account.id, amount, LedgerAccount.ADJUSTMENTS, account.currency),
                         branch_id=branch_id, created_by=actor(p))
        # A correction may take the family into debt: it records a fact, it is not a sale.
        posted = await post(uow, tx, allow_debt=True)
        uow.publish(AdjustmentMade(transaction_id=tx.id, family_id=account.family_id,
                                   amount=MoneyPayload(amount=amount, currency=account.currency), reason=reason,
                                   made_by=actor(p)))
        return BalanceResult(tx.id, posted.balance_after)

    keys = uow.idempotency.of(BalanceResult)
    result = (await keys.run_once(user_scope(p.user_id), cmd.idempotency_key, "adjust", content, action)).result
    await uow.commit()
    return result


@dataclass(frozen=True)
class ChargeAccount:
    family_id: str
    amount: Decimal
    description: str
    idempotency_key: str | None = None
    student_id: str | None = None
    branch_id: str | None = None


async def charge_account(cmd: ChargeAccount, uow: BillingUnitOfWork, p: Principal) -> BalanceResult:
    """A direct charge (a textbook, an event): refused with INSUFFICIENT_FUNDS beyond the credit limit."""
    branch_id = await require_booking(p, uow.projections, cmd.family_id, branch_id=cmd.branch_id,
                                      student_id=cmd.student_id)
    result = await apply_charge(replace(cmd, branch_id=branch_id), uow, actor(p), user_scope(p.user_id))
    await uow.commit()
    return result


async def apply_charge(cmd: ChargeAccount, uow: BillingUnitOfWork, by: str | None, scope: str) -> BalanceResult:
    amount = positive_amount(cmd.amount, uow.limits)
    description = cmd.description.strip() or "Charge"
    content = {"family": cmd.family_id, "amount": f"{amount:.2f}", "description": description,
               "student": cmd.student_id, **booked_branch(cmd.branch_id)}

    async def action() -> BalanceResult:
        account = await account_of(uow, cmd.family_id)
        tx = Transaction(account.id, account.family_id, TxKind.MANUAL_CHARGE, description,
                         money_move(account.id, -amount, LedgerAccount.REVENUE_OTHER, account.currency),
                         branch_id=cmd.branch_id, student_id=cmd.student_id, created_by=by)
        posted = await post(uow, tx)
        return BalanceResult(tx.id, posted.balance_after)

    keys = uow.idempotency.of(BalanceResult)
    return (await keys.run_once(scope, cmd.idempotency_key, "charge", content, action)).result


@dataclass(frozen=True)
class SetCreditLimit:
    family_id: str
    limit: Decimal


async def set_credit_limit(cmd: SetCreditLimit, uow: BillingUnitOfWork, p: Principal) -> None:
    # One limit for the family's one account, bounding every branch's charges: not one branch's admin alone.
    await require_family_wide(p, uow.projections, cmd.family_id)
    limits = uow.limits
    # The debt it allows is bounded like a balance: at most the ceiling.
    limit = positive_amount(cmd.limit, replace(limits, max_per_operation=limits.balance_ceiling), field="limit",
                            zero=True)
    account = await account_of(uow, cmd.family_id)
    await uow.accounts.set_credit_limit(account.id, limit)
    await uow.commit()
