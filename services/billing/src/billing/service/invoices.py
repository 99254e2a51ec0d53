"""Invoices (R-BIL-6): for a subscription or a period; issued → partly paid → paid, or cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from billing.domain.errors import InvoiceNotFound, InvoiceStateInvalid, SubscriptionNotFound
from billing.domain.events import InvoiceIssued
from billing.domain.model import InvoiceStatus, new_id, positive_amount, utcnow
from billing.domain.records import Invoice
from billing.service.access import (
    booking_branch,
    ensure_booked_managed,
    require_booked_managed,
    require_booking,
    require_family_managed,
)
from billing.service.ledger import account_of
from billing.service.payments import booked_branch
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.errors import InvalidInput
from kabinet.events import MoneyPayload
from kabinet.idempotency import user_scope


@dataclass(frozen=True)
class IssueResult:
    invoice_id: str



@dataclass(frozen=True)
class IssueInvoice:
    family_id: str
    description: str
    amount: Decimal | None = None  # defaults to the subscription's price
    subscription_id: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    branch_id: str | None = None
    idempotency_key: str | None = None


async def issue_invoice(cmd: IssueInvoice, uow: BillingUnitOfWork, p: Principal) -> IssueResult:
    if cmd.subscription_id is None:
        booked = await require_booking(p, uow.projections, cmd.family_id, branch_id=cmd.branch_id)
    else:  # booked to the subscription's branch unless named: checked with the subscription, below
        await require_family_managed(p, uow.projections, cmd.family_id, branch_id=cmd.branch_id)
        booked = cmd.branch_id
    if cmd.period_from and cmd.period_to and cmd.period_to < cmd.period_from:
        raise InvalidInput("The period ends before it starts.", field="periodTo")
    given = positive_amount(cmd.amount, uow.limits) if cmd.amount is not None else None
    description = cmd.description.strip() or "Invoice"
    # The amount as money ("100" and "100.00" are one request), as every money mutation's content has it.
    content = {"family": cmd.family_id, "amount": f"{given:.2f}" if given is not None else None,
               "sub": cmd.subscription_id, "from": str(cmd.period_from), "to": str(cmd.period_to),
               "description": description, **booked_branch(booked)}

    async def action() -> IssueResult:
        account = await account_of(uow, cmd.family_id)
        amount = given
        branch_id = booked
        if cmd.subscription_id is not None:
            sub = await uow.subscriptions.get(cmd.subscription_id)
            if sub is None or sub.family_id != cmd.family_id:
                raise SubscriptionNotFound(field="subscriptionId")
            ensure_booked_managed(p, sub.branch_id)  # another branch's subscription is that branch's to invoice
            amount = amount if amount is not None else sub.price
            branch_id = branch_id or sub.branch_id
            if branch_id is None:  # a school-wide subscription: a branch admin's invoice is their branch's money
                branch_id = booking_branch(p, await uow.projections.family_branches(cmd.family_id), None)
        if amount is None:
            raise InvalidInput("Give the amount (or a subscription to invoice).", field="amount")
        amount = positive_amount(amount, uow.limits)
        invoice_id = new_id()
        await uow.invoices.add(Invoice(
            id=invoice_id, account_id=account.id, family_id=cmd.family_id, branch_id=branch_id,
            description=description, subscription_id=cmd.subscription_id,
            period_from=cmd.period_from, period_to=cmd.period_to, amount=amount, paid=Decimal("0.00"),
            currency=account.currency, status=InvoiceStatus.ISSUED.value, issued_at=utcnow()))
        uow.publish(InvoiceIssued(invoice_id=invoice_id, family_id=cmd.family_id,
                                  amount=MoneyPayload(amount=amount, currency=account.currency)))
        return IssueResult(invoice_id)

    keys = uow.idempotency.of(IssueResult)
    result = (await keys.run_once(user_scope(p.user_id), cmd.idempotency_key, "invoice", content, action)).result
    await uow.commit()
    return result


@dataclass(frozen=True)
class CancelInvoice:
    invoice_id: str


async def cancel_invoice(cmd: CancelInvoice, uow: BillingUnitOfWork, p: Principal) -> str:
    """Cancel an unpaid invoice (cancelling a cancelled one changes nothing); returns its id."""
    invoice_id = cmd.invoice_id
    repo = uow.invoices
    inv = await repo.get(invoice_id, lock=True)
    if inv is None:
        raise InvoiceNotFound(field="invoiceId")
    # A school-wide invoice (the owner's without a branch) is cancelled by the owner only.
    await require_booked_managed(p, uow.projections, inv.family_id, inv.branch_id)
    if inv.status == InvoiceStatus.CANCELLED.value:
        return invoice_id
    if inv.status != InvoiceStatus.ISSUED.value:
        # Money already received stays on the balance; an invoice with payments is not cancelled.
        raise InvoiceStateInvalid("An invoice with payments cannot be cancelled; refund the payment instead.")
    await repo.set_status(invoice_id, InvoiceStatus.CANCELLED.value)
    await uow.commit()
    return invoice_id
