"""Payments recorded by staff or confirmed online, refunds, and their effect on invoices (R-BIL-6)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from billing.domain.errors import (
    CurrencyMismatch,
    InvoiceNotFound,
    InvoiceStateInvalid,
    PaymentNotFound,
    RefundTooLarge,
)
from billing.domain.events import InvoicePaid, PaymentReceived, PaymentRefunded
from billing.domain.model import (
    FamilyAccount,
    InvoiceStatus,
    LedgerAccount,
    PaymentMethod,
    Transaction,
    TxKind,
    invoice_status_after,
    money_move,
    new_id,
    positive_amount,
    utcnow,
)
from billing.domain.records import Payment
from billing.service.access import (
    actor,
    ensure_booked_managed,
    ensure_family_managed,
    require_booked_managed,
)
from billing.service.ledger import account_of, post, post_payment
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.auth.rules import require_authenticated
from kabinet.errors import InvalidInput
from kabinet.events import MoneyPayload
from kabinet.idempotency import user_scope


@dataclass(frozen=True)
class PaymentResult:
    """A payment (or a refund of one) posted: the family's balance after it."""

    payment_id: str
    transaction_id: str
    balance_after: Decimal


@dataclass(frozen=True)
class RecordedPayment(PaymentResult):
    """A payment's result and, when this call wrote it, the payment as written: the mutation answers with it
    instead of reading it back. None on a replay (its refunds may have changed since: read it)."""

    payment: Payment | None = field(default=None, compare=False)  # the same result whether written or replayed


@dataclass(frozen=True)
class RecordPayment:
    family_id: str
    amount: Decimal
    method: PaymentMethod
    idempotency_key: str | None = None
    currency: str = "RUB"
    invoice_id: str | None = None
    branch_id: str | None = None
    external_id: str | None = None  # the provider's payment id (online payments)


async def record_payment(cmd: RecordPayment, uow: BillingUnitOfWork, p: Principal) -> RecordedPayment:
    """Staff record cash, card or bank-transfer payments; the family's balance goes up."""
    require_authenticated(p)
    # The check's branches and the family's account in one statement (an account's id and currency never change
    # once opened: read before the key is claimed, it is still the one the posting needs).
    account, branches = await uow.accounts.with_branches(cmd.family_id)
    cmd = replace(cmd, branch_id=ensure_family_managed(p, branches, branch_id=cmd.branch_id))
    if cmd.method is PaymentMethod.ONLINE:
        raise InvalidInput("Online payments are confirmed by the payment provider.", field="method")
    result = await apply_payment(cmd, uow, actor(p), user_scope(p.user_id), account=account, payer=p)
    await uow.commit()
    return result


async def apply_payment(cmd: RecordPayment, uow: BillingUnitOfWork, received_by: str | None, scope: str, *,
                        before: Callable[[], Awaitable[None]] | None = None,
                        account: FamilyAccount | None = None, closed_invoice_ok: bool = False,
                        payer: Principal | None = None) -> RecordedPayment:
    """Record a payment once per (scope, idempotency key); ``before`` runs first on the first application only.
    ``account``: the family's when the caller has read it already (else it is read here). ``closed_invoice_ok``:
    money already received (online) for an invoice paid or cancelled meanwhile goes to the balance alone.
    ``payer``: the staff member recording it, who may pay only invoices booked to a branch they act for (the
    provider's notifications were checked against the checkout their caller started)."""
    amount = positive_amount(cmd.amount, uow.limits)
    content = {"family": cmd.family_id, "amount": f"{amount:.2f}", "currency": cmd.currency,
               "method": cmd.method.value, "invoice": cmd.invoice_id, "external": cmd.external_id,
               **booked_branch(cmd.branch_id)}
    written: list[Payment] = []

    async def action() -> PaymentResult:
        if before is not None:
            await before()
        acc = account if account is not None else await account_of(uow, cmd.family_id)
        if cmd.currency != acc.currency:
            raise CurrencyMismatch(field="currency")
        payment_id = new_id()
        invoice_id = cmd.invoice_id
        if invoice_id is not None and not await _allocate_to_invoice(uow, invoice_id, cmd.family_id, amount,
                                                                     refuse_closed=not closed_invoice_ok,
                                                                     payer=payer):
            invoice_id = None
        tx = Transaction(acc.id, acc.family_id, TxKind.PAYMENT,
                         f"Payment ({cmd.method.value})",
                         money_move(acc.id, amount, LedgerAccount.payment_method(cmd.method.value), acc.currency),
                         branch_id=cmd.branch_id, payment_id=payment_id, invoice_id=invoice_id,
                         created_by=received_by)
        payment = Payment(
            id=payment_id, account_id=acc.id, family_id=acc.family_id, branch_id=cmd.branch_id,
            amount=amount, currency=acc.currency, method=cmd.method.value, invoice_id=invoice_id,
            external_id=cmd.external_id, transaction_id=tx.id, received_by=received_by, received_at=tx.created_at,
            refunded=Decimal("0.00"))
        posted = await post_payment(uow, tx, payment)
        written.append(payment)
        uow.publish(PaymentReceived(payment_id=payment_id, family_id=acc.family_id,
                                    amount=MoneyPayload(amount=amount, currency=acc.currency),
                                    method=cmd.method.value, invoice_id=invoice_id))
        return PaymentResult(payment_id, tx.id, posted.balance_after)

    keys = uow.idempotency.of(PaymentResult)
    outcome = await keys.run_once(scope, cmd.idempotency_key, "payment", content, action)
    r = outcome.result
    return RecordedPayment(r.payment_id, r.transaction_id, r.balance_after,
                           payment=None if outcome.replayed else written[0])


def booked_branch(branch_id: str | None) -> dict[str, str]:
    """The booked branch as part of a request's idempotency content: the same key for another branch is another
    request. Only when given, so requests without one (the provider's) keep the fingerprints already stored."""
    return {"branch": branch_id} if branch_id is not None else {}


async def _allocate_to_invoice(uow: BillingUnitOfWork, invoice_id: str, family_id: str, amount: Decimal, *,
                               refuse_closed: bool = True, payer: Principal | None = None) -> bool:
    """Apply the payment to the invoice; False (unless ``refuse_closed``) when it is paid or cancelled."""
    repo = uow.invoices
    inv = await repo.get(invoice_id, lock=True)
    if inv is None or inv.family_id != family_id:
        raise InvoiceNotFound(field="invoiceId")
    if payer is not None:  # another branch's invoice is that branch's to settle
        ensure_booked_managed(payer, inv.branch_id)
    if inv.status in (InvoiceStatus.CANCELLED.value, InvoiceStatus.PAID.value):
        if not refuse_closed:
            return False
        raise InvoiceStateInvalid("The invoice is already paid or cancelled.", field="invoiceId")
    paid = inv.paid + amount
    status = invoice_status_after(inv.amount, paid)
    await repo.set_paid(invoice_id, paid, status.value)
    if status is InvoiceStatus.PAID:
        uow.publish(InvoicePaid(invoice_id=invoice_id, family_id=family_id,
                                amount=MoneyPayload(amount=inv.amount, currency=inv.currency)))
    return True


@dataclass(frozen=True)
class RefundPayment:
    payment_id: str
    amount: Decimal
    reason: str
    idempotency_key: str | None = None


async def refund_payment(cmd: RefundPayment, uow: BillingUnitOfWork, p: Principal) -> PaymentResult:
    """Money returned to the client: the family's balance goes down by the refund, never below the limit."""
    repo = uow.payments
    payment = await repo.get(cmd.payment_id)
    if payment is None:
        raise PaymentNotFound(field="paymentId")
    # A school-wide payment (online: the provider paid the school) is refunded by the owner only.
    await require_booked_managed(p, uow.projections, payment.family_id, payment.branch_id)
    amount = positive_amount(cmd.amount, uow.limits)
    content = {"payment": cmd.payment_id, "amount": f"{amount:.2f}", "reason": cmd.reason}

    async def action() -> PaymentResult:
        locked = await repo.get(cmd.payment_id, lock=True)
        assert locked is not None
        if locked.refunded + amount > locked.amount:
            raise RefundTooLarge(field="amount")
        account = await account_of(uow, locked.family_id)
        tx = Transaction(account.id, account.family_id, TxKind.PAYMENT_REFUND,
                         f"Refund of payment: {cmd.reason}".strip(),
                         money_move(account.id, -amount, LedgerAccount.payment_method(locked.method),
                                    account.currency),
                         branch_id=locked.branch_id, payment_id=locked.id, created_by=actor(p))
        posted = await post(uow, tx)
        await repo.add_refunded(locked.id, amount)
        uow.publish(PaymentRefunded(payment_id=locked.id, family_id=account.family_id,
                                    amount=MoneyPayload(amount=amount, currency=account.currency)))
        return PaymentResult(locked.id, tx.id, posted.balance_after)

    keys = uow.idempotency.of(PaymentResult)
    result = (await keys.run_once(user_scope(p.user_id), cmd.idempotency_key, "refund", content, action)).result
    await uow.commit()
    return result


def now_iso() -> str:
    return utcnow().isoformat()
