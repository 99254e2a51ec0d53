"""Billing's mutations: each returns the changed object and ``errors`` (domain errors, typed codes).

Unauthenticated/forbidden callers get a GraphQL error (``extensions.code``), never a payload.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import strawberry

from billing.adapters import queries
from billing.adapters.repositories import (
    AccountRepository,
    PaymentRepository,
    SubscriptionRepository,
)
from billing.domain.model import DiscountKind, DiscountScope, PaymentMethod
from billing.schema.access import GInfo, uows
from billing.schema.types import (
    BalanceOperationPayload,
    BillingAccount,
    BillingAccountPayload,
    BillingDiscount,
    BillingDiscountPayload,
    BillingInvoice,
    BillingInvoicePayload,
    BillingPayment,
    BranchBillingSettings,
    BranchBillingSettingsPayload,
    ChargeModeGQL,
    DiscountKindGQL,
    DiscountScopeGQL,
    MakeupChargeGQL,
    OnlineCheckout,
    OnlinePaymentPayload,
    PaymentMethodGQL,
    RecordPaymentPayload,
    StatementLine,
    StudentSubscription,
    StudentSubscriptionPayload,
    SubscriptionExpiryPayload,
    SubscriptionPlan,
    SubscriptionPlanPayload,
    )
from billing.service import (
    adjustments,
    branch_settings,
    discounts,
    invoices,
    online_payments,
    payments,
    subscriptions,
)
from billing.service.access import require_branch_managed
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.auth.principal import Role
from kabinet.auth.rules import require_role
from kabinet.graphql.mutations import attempt
from kabinet.graphql.types import Money, UserError


async def _line(info: GInfo, tx_id: str) -> StatementLine | None:
    async with info.context.runtime.sessionmaker() as session:
        row = await queries.statement_line(session, tx_id)
    return StatementLine.from_row(row) if row is not None else None


async def _payment(info: GInfo, payment_id: str) -> BillingPayment | None:
    async with info.context.runtime.sessionmaker() as session:
        row = await PaymentRepository(session).get(payment_id)
    return BillingPayment.from_row(row) if row is not None else None


async def _subscription(info: GInfo, sid: str) -> StudentSubscription | None:
    async with info.context.runtime.sessionmaker() as session:
        sub = await SubscriptionRepository(session).get(sid)
    return StudentSubscription.from_model(sub) if sub is not None else None


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


@strawberry.input
class AdjustBalanceInput:
    family_id: strawberry.ID
    amount: Decimal = strawberry.field(description="Positive credits the family (a bonus); negative debits it.")
    reason: str
    idempotency_key: str | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class ChargeAccountInput:
    family_id: strawberry.ID
    amount: Decimal
    description: str
    idempotency_key: str | None = None
    student_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None


@strawberry.input
class CreateSubscriptionPlanInput:
    name: str
    lessons: int | None
    validity_days: int
    price: Decimal
    lesson_types: list[str]
    course_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    trial: bool = False
    branch_id: strawberry.ID | None = None


@strawberry.input
class SellSubscriptionInput:
    plan_id: strawberry.ID
    student_id: strawberry.ID
    on_credit: bool = False
    paid_with: PaymentMethodGQL | None = None
    starts_on: dt.date | None = None
    idempotency_key: str | None = None


@strawberry.input
class CreateDiscountInput:
    name: str
    scope: DiscountScopeGQL
    target: str
    kind: DiscountKindGQL
    value: Decimal
    branch_id: strawberry.ID | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


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


@strawberry.input
class StartOnlinePaymentInput:
    family_id: strawberry.ID
    amount: Decimal
    invoice_id: strawberry.ID | None = None


@strawberry.input
class BranchBillingSettingsInput:
    branch_id: strawberry.ID
    charge_on: ChargeModeGQL | None = None
    burn_expired_lessons: bool | None = None
    makeup_charge: MakeupChargeGQL | None = None


def _opt(v: Any) -> str | None:
    return str(v) if v is not None else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Record a cash, card or bank-transfer payment (staff; idempotent by key).")
    async def record_payment(self, info: GInfo, input: RecordPaymentInput) -> RecordPaymentPayload:
        cmd = payments.RecordPayment(str(input.family_id), input.amount, PaymentMethod(input.method.value),
                                     input.idempotency_key, input.currency, _opt(input.invoice_id),
                                     _opt(input.branch_id))
        res, errors = await attempt(within=uows(info),
                                    fn=lambda uow: payments.record_payment(cmd, uow, info.context.principal))
        if res is None:
            return RecordPaymentPayload(payment=None, balance_after=None, errors=errors)
        return RecordPaymentPayload(payment=await _payment(info, res.payment_id),
                                    balance_after=Money.of(res.balance_after, input.currency), errors=[])

    @strawberry.mutation(description="Return money of a payment to the client.")
    async def refund_payment(self, info: GInfo, input: RefundPaymentInput) -> RecordPaymentPayload:
        cmd = payments.RefundPayment(str(input.payment_id), input.amount, input.reason, input.idempotency_key)
        res, errors = await attempt(within=uows(info),
                                    fn=lambda uow: payments.refund_payment(cmd, uow, info.context.principal))
        if res is None:
            return RecordPaymentPayload(payment=None, balance_after=None, errors=errors)
        return RecordPaymentPayload(payment=await _payment(info, res.payment_id),
                                    balance_after=Money.of(res.balance_after), errors=[])

    @strawberry.mutation(description="Credit or debit a family's balance by hand with a reason (branch admins).")
    async def adjust_balance(self, info: GInfo, input: AdjustBalanceInput) -> BalanceOperationPayload:
        cmd = adjustments.AdjustBalance(str(input.family_id), input.amount, input.reason, input.idempotency_key,
                                        _opt(input.branch_id))
        res, errors = await attempt(within=uows(info),
                                    fn=lambda uow: adjustments.adjust_balance(cmd, uow, info.context.principal))
        line = await _line(info, res.transaction_id) if res else None
        return BalanceOperationPayload(line=line, errors=errors)

    @strawberry.mutation(description="Charge a family for goods or services; refused beyond the credit limit.")
    async def charge_account(self, info: GInfo, input: ChargeAccountInput) -> BalanceOperationPayload:
        cmd = adjustments.ChargeAccount(str(input.family_id), input.amount, input.description,
                                        input.idempotency_key, _opt(input.student_id), _opt(input.branch_id))
        res, errors = await attempt(within=uows(info),
                                    fn=lambda uow: adjustments.charge_account(cmd, uow, info.context.principal))
        line = await _line(info, res.transaction_id) if res else None
        return BalanceOperationPayload(line=line, errors=errors)

    @strawberry.mutation(description="How far below zero staff charges may take the family (0: none).")
    async def set_credit_limit(self, info: GInfo, family_id: strawberry.ID, limit: Decimal) -> BillingAccountPayload:
        cmd = adjustments.SetCreditLimit(str(family_id), limit)
        _, errors = await attempt(within=uows(info),
                                  fn=lambda uow: adjustments.set_credit_limit(cmd, uow, info.context.principal))
        account = None
        if not errors:
            async with info.context.runtime.sessionmaker() as session:
                acc = await AccountRepository(session).by_family(str(family_id))
            account = BillingAccount.from_model(acc) if acc else None
        return BillingAccountPayload(account=account, errors=errors)

    @strawberry.mutation(description="Define a subscription type (branch admins for their branch; owner for all).")
    async def create_subscription_plan(self, info: GInfo, input: CreateSubscriptionPlanInput
                                       ) -> SubscriptionPlanPayload:
        cmd = subscriptions.CreateSubscriptionType(
            input.name, input.lessons, input.validity_days, input.price, input.lesson_types,
            [str(c) for c in input.course_ids], input.trial, _opt(input.branch_id))
        t, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.create_subscription_type(
            cmd, uow, info.context.principal))
        return SubscriptionPlanPayload(subscription_plan=SubscriptionPlan.from_model(t) if t else None, errors=errors)

    @strawberry.mutation(description="Sell a subscription for a student: paid now, from the balance, or on credit.")
    async def sell_subscription(self, info: GInfo, input: SellSubscriptionInput) -> StudentSubscriptionPayload:
        cmd = subscriptions.SellSubscription(
            str(input.plan_id), str(input.student_id), input.on_credit,
            PaymentMethod(input.paid_with.value) if input.paid_with else None, input.starts_on, input.idempotency_key)
        res, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.sell_subscription(
            cmd, uow, info.context.principal))
        if res is None:
            return StudentSubscriptionPayload(subscription=None, balance_after=None, errors=errors)
        return StudentSubscriptionPayload(subscription=await _subscription(info, res.subscription_id),
                                          balance_after=Money.of(res.balance_after), errors=[])

    @strawberry.mutation(description="Freeze a subscription (no charges; validity paused). Safe to repeat.")
    async def freeze_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                  idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        sub, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.freeze_subscription(
            str(subscription_id), uow, info.context.principal))
        return StudentSubscriptionPayload(subscription=StudentSubscription.from_model(sub) if sub else None,
                                          balance_after=None, errors=errors)

    @strawberry.mutation(description="Resume a frozen subscription; validity extends by the days frozen.")
    async def unfreeze_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                    idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        sub, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.unfreeze_subscription(
            str(subscription_id), uow, info.context.principal))
        return StudentSubscriptionPayload(subscription=StudentSubscription.from_model(sub) if sub else None,
                                          balance_after=None, errors=errors)

    @strawberry.mutation(description="Close a subscription; unused lessons are refunded to the balance.")
    async def close_subscription(self, info: GInfo, subscription_id: strawberry.ID,
                                 idempotency_key: str | None = None) -> StudentSubscriptionPayload:
        res, errors = await attempt(within=uows(info), fn=lambda uow: subscriptions.close_subscription(
            str(subscription_id), uow, info.context.principal, idempotency_key))
        sub = await _subscription(info, str(subscription_id)) if res else None
        return StudentSubscriptionPayload(subscription=sub, balance_after=None, errors=errors)

    @strawberry.mutation(description="Expire subscriptions past validity (the owner; normally a scheduled job).")
    async def run_subscription_expiry(self, info: GInfo, as_of: dt.date) -> SubscriptionExpiryPayload:
        require_role(info.context.principal, Role.OWNER)

        async def run(uow: BillingUnitOfWork) -> int:
            n = await subscriptions.expire_due(uow, as_of)
            await uow.commit()
            return n

        n, errors = await attempt(within=uows(info), fn=run)
        return SubscriptionExpiryPayload(expired=n or 0, errors=errors)

    @strawberry.mutation(description="Create a discount (percent or fixed; a date range or a single date).")
    async def create_discount(self, info: GInfo, input: CreateDiscountInput) -> BillingDiscountPayload:
        cmd = discounts.CreateDiscount(input.name, DiscountScope(input.scope.value), input.target,
                                       DiscountKind(input.kind.value), input.value, _opt(input.branch_id),
                                       input.valid_from, input.valid_to)
        d, errors = await attempt(within=uows(info),
                                  fn=lambda uow: discounts.create_discount(cmd, uow, info.context.principal))
        return BillingDiscountPayload(discount=BillingDiscount.from_model(d) if d else None, errors=errors)

    @strawberry.mutation(description="Issue an invoice for a subscription or a period.")
    async def issue_invoice(self, info: GInfo, input: IssueInvoiceInput) -> BillingInvoicePayload:
        cmd = invoices.IssueInvoice(str(input.family_id), input.description, input.amount,
                                    _opt(input.subscription_id), input.period_from, input.period_to,
                                    _opt(input.branch_id), input.idempotency_key)
        res, errors = await attempt(within=uows(info),
                                    fn=lambda uow: invoices.issue_invoice(cmd, uow, info.context.principal))
        return BillingInvoicePayload(invoice=await _invoice(info, res.invoice_id) if res else None, errors=errors)

    @strawberry.mutation(description="Cancel an unpaid invoice. Safe to repeat.")
    async def cancel_invoice(self, info: GInfo, invoice_id: strawberry.ID) -> BillingInvoicePayload:
        res, errors = await attempt(within=uows(info), fn=lambda uow: invoices.cancel_invoice(str(invoice_id), uow,
                                                                              info.context.principal))
        return BillingInvoicePayload(invoice=await _invoice(info, res) if res else None, errors=errors)

    @strawberry.mutation(description="Start an online payment; the balance changes when the provider confirms.")
    async def start_online_payment(self, info: GInfo, input: StartOnlinePaymentInput) -> OnlinePaymentPayload:
        cmd = online_payments.StartOnlinePayment(str(input.family_id), input.amount, _opt(input.invoice_id))
        provider = getattr(info.context.runtime, "payment_provider", None)
        if provider is None:
            return OnlinePaymentPayload(checkout=None, errors=[UserError(
                field=None, message="Online payments are not configured.", code="PAYMENTS_UNAVAILABLE")])
        res, errors = await attempt(within=uows(info), fn=lambda uow: online_payments.start_online_payment(
            cmd, uow, info.context.principal, provider))
        checkout = OnlineCheckout(provider_payment_id=res.provider_payment_id,
                                  confirmation_url=res.confirmation_url) if res else None
        return OnlinePaymentPayload(checkout=checkout, errors=errors)

    @strawberry.mutation(description="Set how the branch charges lessons (at scheduling or at attendance) and "
                                     "make-ups.")
    async def set_branch_billing_settings(self, info: GInfo, input: BranchBillingSettingsInput
                                          ) -> BranchBillingSettingsPayload:
        require_branch_managed(info.context.principal, str(input.branch_id))

        cmd = branch_settings.SetBranchSettings(str(input.branch_id),
                                                input.charge_on.value if input.charge_on else None,
                                                input.burn_expired_lessons,
                                                input.makeup_charge.value if input.makeup_charge else None)

        async def run(uow: BillingUnitOfWork) -> BranchBillingSettings:
            b = await branch_settings.set_branch_settings(cmd, uow, info.context.principal)
            return BranchBillingSettings.from_row(input.branch_id, b)

        settings, errors = await attempt(within=uows(info), fn=run)
        return BranchBillingSettingsPayload(settings=settings, errors=errors)


async def _invoice(info: GInfo, invoice_id: str) -> BillingInvoice | None:
    from billing.adapters.repositories import InvoiceRepository

    async with info.context.runtime.sessionmaker() as session:
        row = await InvoiceRepository(session).get(invoice_id)
    return BillingInvoice.from_row(row) if row is not None else None
