"""Billing's GraphQL types (names prefixed where another subgraph could use the same word)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry

from billing.domain.model import Discount, FamilyAccount, Subscription, SubscriptionType, TxKind
from billing.domain.records import Branch, Invoice, Payment
from billing.schema.errors import UserError
from billing.service.read_models import StatementEntry
from kabinet.graphql.types import Money, PageInfo


@strawberry.enum(name="BillingPaymentMethod")
class PaymentMethodGQL(Enum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    ONLINE = "online"


@strawberry.enum(name="LessonChargeMode", description="When a branch charges lessons (R-BIL-2, R-BIL-7).")
class ChargeModeGQL(Enum):
    AT_SCHEDULING = "scheduling"
    AT_ATTENDANCE = "attendance"


@strawberry.enum(name="MakeupCharge", description=(
    "How a make-up lesson is charged: FROM_PACKAGE (the default, after the school's rule: only from a package "
    "that lists the lesson's type, otherwise free — never in money), AS_LESSON (like any lesson), FREE (never)."))
class MakeupChargeGQL(Enum):
    FROM_PACKAGE = "from_package"
    AS_LESSON = "as_lesson"
    FREE = "free"


@strawberry.enum(name="BillingDiscountScope")
class DiscountScopeGQL(Enum):
    STUDENT = "student"
    FAMILY = "family"
    GROUP = "group"
    COURSE = "course"
    LESSON_TYPE = "lesson_type"
    BRANCH = "branch"


@strawberry.enum(name="BillingDiscountKind")
class DiscountKindGQL(Enum):
    PERCENT = "percent"
    FIXED = "fixed"


@strawberry.type(description="A family's shared account (R-BIL-1): money and the lesson credits of its subscriptions.")
class BillingAccount:
    id: strawberry.ID
    family_id: strawberry.ID
    balance: Money
    credit_limit: Money
    in_debt: bool

    @classmethod
    def from_model(cls, a: FamilyAccount) -> BillingAccount:
        return cls(id=strawberry.ID(a.id), family_id=strawberry.ID(a.family_id),
                   balance=Money.of(a.balance, a.currency), credit_limit=Money.of(a.credit_limit, a.currency),
                   in_debt=a.balance < 0)


@strawberry.type(description="The discount a charge got (the largest available one, R-BIL-5).")
class AppliedDiscount:
    id: strawberry.ID | None
    name: str
    amount: Money


@strawberry.type(description="One line of a family's history: what it was for, how much, the balance after.")
class StatementLine:
    id: strawberry.ID
    at: dt.datetime
    kind: str
    description: str
    amount: Money = strawberry.field(description="The change to the family's balance (negative: charged).")
    balance_after: Money
    lessons_delta: int = strawberry.field(description="Lesson credits added to (+) or used from (−) a subscription.")
    debt: bool = strawberry.field(description="This charge took the balance below the allowed credit.")
    student_id: strawberry.ID | None
    lesson_id: strawberry.ID | None
    subscription_id: strawberry.ID | None
    payment_id: strawberry.ID | None
    invoice_id: strawberry.ID | None
    reverses_id: strawberry.ID | None
    discount: AppliedDiscount | None
    created_by: str | None = strawberry.field(description="The staff member's id (or the system's name).")
    created_by_name: str | None = strawberry.field(
        default=None, description="The staff member who made it, by name (adjustments, payments, sales).")
    student_name: str | None = strawberry.field(default=None, description="The child the line is for.")
    lesson_starts_at: dt.datetime | None = strawberry.field(default=None, description="When the lesson was.")
    lesson_type: str | None = strawberry.field(default=None, description="The lesson's type (group, ...).")
    list_price: Money | None = strawberry.field(
        default=None, description="The lesson's price for the child before any discount.")
    subscription_name: str | None = strawberry.field(
        default=None, description="The package (subscription) a lesson was paid from, or the one sold.")
    reason: str | None = strawberry.field(default=None, description="Why staff adjusted the balance.")

    @classmethod
    def from_row(cls, r: StatementEntry) -> StatementLine:
        def opt(v: str | None) -> strawberry.ID | None:
            return strawberry.ID(v) if v else None

        discount = None
        if r.discount_name:
            discount = AppliedDiscount(id=opt(r.discount_id), name=r.discount_name,
                                       amount=Money.of(r.discount_amount or Decimal(0), r.currency))
        return cls(id=strawberry.ID(r.id), at=r.created_at, kind=r.kind, description=r.description,
                   amount=Money.of(r.amount, r.currency), balance_after=Money.of(r.balance_after, r.currency),
                   lessons_delta=r.lessons_delta, debt=bool(r.debt), student_id=opt(r.student_id),
                   lesson_id=opt(r.lesson_id), subscription_id=opt(r.subscription_id), payment_id=opt(r.payment_id),
                   invoice_id=opt(r.invoice_id), reverses_id=opt(r.reverses_id), discount=discount,
                   created_by=r.created_by, created_by_name=r.created_by_name or None,
                   student_name=r.student_name or None,
                   lesson_starts_at=r.lesson_starts_at,
                   lesson_type=r.lesson_type,
                   list_price=(Money.of(r.list_price, r.currency)
                               if r.list_price is not None else None),
                   subscription_name=r.subscription_name,
                   reason=r.description if r.kind == TxKind.ADJUSTMENT else None)


@strawberry.enum(description="Which end of a family's statement a page starts from.")
class StatementOrder(Enum):
    OLDEST_FIRST = "oldest_first"
    NEWEST_FIRST = "newest_first"  # the money screen: the latest lines first, ``after`` pages back to older ones


@strawberry.type
class StatementLineEdge:
    cursor: str
    node: StatementLine


@strawberry.type(description="A page of a family's statement (Relay-style).")
class StatementLineConnection:
    edges: list[StatementLineEdge]
    page_info: PageInfo


@strawberry.type(name="SubscriptionPlan", description="A subscription type the school sells (абонемент).")
class SubscriptionPlan:
    id: strawberry.ID
    name: str
    lessons: int | None = strawberry.field(description="Lessons included; null: unlimited for the period.")
    validity_days: int
    price: Money
    lesson_types: list[str]
    course_ids: list[strawberry.ID]
    trial: bool
    branch_id: strawberry.ID | None

    @classmethod
    def from_model(cls, t: SubscriptionType) -> SubscriptionPlan:
        return cls(id=strawberry.ID(t.id), name=t.name, lessons=t.lessons, validity_days=t.validity_days,
                   price=Money.of(t.price, t.currency), lesson_types=t.lesson_types,
                   course_ids=[strawberry.ID(c) for c in t.course_ids], trial=t.trial,
                   branch_id=strawberry.ID(t.branch_id) if t.branch_id else None)


@strawberry.type(description="A subscription sold to a client for a student.")
class StudentSubscription:
    id: strawberry.ID
    student_id: strawberry.ID
    family_id: strawberry.ID
    name: str
    lessons_total: int | None
    lessons_left: int | None
    valid_from: dt.date
    valid_until: dt.date
    status: str
    trial: bool
    on_credit: bool
    price: Money
    lesson_types: list[str]

    @classmethod
    def from_model(cls, s: Subscription) -> StudentSubscription:
        return cls(id=strawberry.ID(s.id), student_id=strawberry.ID(s.student_id),
                   family_id=strawberry.ID(s.family_id), name=s.name, lessons_total=s.lessons_total,
                   lessons_left=s.lessons_left, valid_from=s.valid_from, valid_until=s.valid_until,
                   status=s.status.value, trial=s.trial, on_credit=s.on_credit, price=Money.of(s.price, s.currency),
                   lesson_types=s.lesson_types)


@strawberry.type(name="BillingPayment", description="Money received from a client.")
class BillingPayment:
    id: strawberry.ID
    family_id: strawberry.ID
    amount: Money
    refunded: Money
    method: str
    invoice_id: strawberry.ID | None
    received_at: dt.datetime
    received_by: str | None

    @classmethod
    def from_row(cls, r: Payment) -> BillingPayment:
        return cls(id=strawberry.ID(r.id), family_id=strawberry.ID(r.family_id), amount=Money.of(r.amount, r.currency),
                   refunded=Money.of(r.refunded, r.currency), method=r.method,
                   invoice_id=strawberry.ID(r.invoice_id) if r.invoice_id else None, received_at=r.received_at,
                   received_by=r.received_by)


@strawberry.type(name="BillingInvoice", description="An invoice for a subscription or a period.")
class BillingInvoice:
    id: strawberry.ID
    family_id: strawberry.ID
    description: str
    amount: Money
    paid: Money
    status: str = strawberry.field(description="issued | partly_paid | paid | cancelled")
    subscription_id: strawberry.ID | None
    period_from: dt.date | None
    period_to: dt.date | None
    issued_at: dt.datetime

    @classmethod
    def from_row(cls, r: Invoice) -> BillingInvoice:
        return cls(id=strawberry.ID(r.id), family_id=strawberry.ID(r.family_id), description=r.description,
                   amount=Money.of(r.amount, r.currency), paid=Money.of(r.paid, r.currency), status=r.status,
                   subscription_id=strawberry.ID(r.subscription_id) if r.subscription_id else None,
                   period_from=r.period_from, period_to=r.period_to, issued_at=r.issued_at)


@strawberry.type(name="BillingDiscount")
class BillingDiscount:
    id: strawberry.ID
    name: str
    scope: DiscountScopeGQL
    target: str
    kind: DiscountKindGQL
    value: Decimal
    valid_from: dt.date | None
    valid_to: dt.date | None
    branch_id: strawberry.ID | None

    @classmethod
    def from_model(cls, d: Discount) -> BillingDiscount:
        return cls(id=strawberry.ID(d.id), name=d.name, scope=DiscountScopeGQL(d.scope.value), target=d.target,
                   kind=DiscountKindGQL(d.kind.value), value=d.value, valid_from=d.valid_from, valid_to=d.valid_to,
                   branch_id=strawberry.ID(d.branch_id) if d.branch_id else None)


@strawberry.type(description="A family of the branch that owes money.")
class Debtor:
    family_id: strawberry.ID
    balance: Money
    student_names: list[str]


@strawberry.type(description="A branch's money for a period.")
class BranchBillingReport:
    branch_id: strawberry.ID
    since: dt.datetime
    until: dt.datetime
    revenue: Money
    payments: Money
    refunds: Money
    debts: Money = strawberry.field(description="Current total of negative balances (not per period).")
    debtors: int
    subscriptions_sold: int
    subscriptions_amount: Money
    lessons_charged: int
    lessons_amount: Money
    lessons_from_subscriptions: int


@strawberry.type
class BranchBillingSettings:
    branch_id: strawberry.ID
    charge_on: ChargeModeGQL
    burn_expired_lessons: bool
    makeup_charge: MakeupChargeGQL

    @staticmethod
    def from_row(branch_id: strawberry.ID, b: Branch | None) -> BranchBillingSettings:
        """A branch billing has not heard of yet has the defaults."""
        return BranchBillingSettings(
            branch_id=branch_id, charge_on=ChargeModeGQL(b.charge_on if b else "scheduling"),
            burn_expired_lessons=bool(b.burn_expired_lessons) if b else True,
            makeup_charge=MakeupChargeGQL(b.makeup_charge if b else "from_package"))


@strawberry.type
class OnlineCheckout:
    provider_payment_id: str
    confirmation_url: str


# -- payloads ---------------------------------------------------------------------------------------
@strawberry.type
class RecordPaymentPayload:
    payment: BillingPayment | None
    balance_after: Money | None
    errors: list[UserError]


@strawberry.type
class BalanceOperationPayload:
    line: StatementLine | None
    errors: list[UserError]


@strawberry.type
class BillingAccountPayload:
    account: BillingAccount | None
    errors: list[UserError]


@strawberry.type
class SubscriptionPlanPayload:
    subscription_plan: SubscriptionPlan | None
    errors: list[UserError]


@strawberry.type
class StudentSubscriptionPayload:
    subscription: StudentSubscription | None
    balance_after: Money | None
    errors: list[UserError]


@strawberry.type
class BillingDiscountPayload:
    discount: BillingDiscount | None
    errors: list[UserError]


@strawberry.type
class BillingInvoicePayload:
    invoice: BillingInvoice | None
    errors: list[UserError]


@strawberry.type
class OnlinePaymentPayload:
    checkout: OnlineCheckout | None
    errors: list[UserError]


@strawberry.type
class BranchBillingSettingsPayload:
    settings: BranchBillingSettings | None
    errors: list[UserError]


@strawberry.type
class SubscriptionExpiryPayload:
    expired: int
    errors: list[UserError]
