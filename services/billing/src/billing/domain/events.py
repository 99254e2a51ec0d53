"""Events billing publishes (all through the outbox). Money is {"amount": "1200.00", "currency": "RUB"}."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

import kabinet.events.applied
from kabinet.events import EventContract, MoneyPayload, produces
from kabinet.events.ids import is_uuid


@produces
class AccountOpened(EventContract):
    event_type: ClassVar[str] = "billing.account.opened"
    description: ClassVar[str] = "A family's account was opened (on its first student's registration)."

    account_id: str
    family_id: str
    currency: str


@produces
class BalanceChanged(EventContract):
    event_type: ClassVar[str] = "billing.balance.changed"
    description: ClassVar[str] = ("A family's money balance changed; `balance` is the new balance. Not published for "
                                  "lesson charges: `billing.lesson.charged` carries the balance after each.")

    family_id: str
    balance: MoneyPayload
    transaction_id: str
    kind: str


@produces
class PaymentReceived(EventContract):
    event_type: ClassVar[str] = "billing.payment.received"
    description: ClassVar[str] = "A payment was recorded by staff or confirmed by the online provider."

    payment_id: str
    family_id: str
    amount: MoneyPayload
    method: str
    invoice_id: str | None = None


@produces
class PaymentRefunded(EventContract):
    event_type: ClassVar[str] = "billing.payment.refunded"
    description: ClassVar[str] = "Money of a payment was returned to the client."

    payment_id: str
    family_id: str
    amount: MoneyPayload


class LessonChargeLine(BaseModel):
    """One student's charge in a :class:`LessonCharged` event."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    charge_id: str
    family_id: str
    student_id: str
    amount: MoneyPayload  # 0.00 when a subscription's lesson credit paid for it
    subscription_id: str | None = None
    debt: bool = False  # the charge took the family's balance below its credit limit
    # The family's money balance after this charge; None when it moved no money (a subscription's lesson).
    balance: MoneyPayload | None = None


@produces
class LessonCharged(EventContract):
    event_type: ClassVar[str] = "billing.lesson.charged"
    description: ClassVar[str] = (
        "Students were charged for a lesson (money, or a lesson credit when `subscription_id` is set): one event "
        "per lesson and handling, listing its new charges. A money charge's `balance` is the family's balance "
        "after it: billing publishes no `billing.balance.changed` for a lesson charge.")
    # The branch is the lesson's: the charged families' and students' balances and the lesson's charges change
    # (named); no field of the branch does (its billing report is keyed by the branch and still dropped).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    lesson_id: str
    branch_id: str
    charges: list[LessonChargeLine]

    # The ids of the lines' id fields (what the generic walk over the whole payload finds: amounts, currencies
    # and flags are never UUID-shaped), without walking every value of every line: a month is 3,520 of these.
    _LINE_IDS: ClassVar[tuple[str, ...]] = ("charge_id", "family_id", "student_id", "subscription_id")

    @classmethod
    def changed_ids(cls, payload: dict[str, Any]) -> list[str]:
        lesson_id = payload.get("lesson_id")
        ids = {lesson_id} if isinstance(lesson_id, str) and is_uuid(lesson_id) else set()
        for line in payload.get("charges", ()):
            for name in cls._LINE_IDS:
                value = line.get(name)
                if isinstance(value, str) and is_uuid(value):
                    ids.add(value)
        return sorted(ids)


@produces
class ChargeRefunded(EventContract):
    event_type: ClassVar[str] = "billing.charge.refunded"
    description: ClassVar[str] = "A lesson charge was reversed (lesson cancelled, student removed, excused)."

    charge_id: str
    family_id: str
    student_id: str
    lesson_id: str
    amount: MoneyPayload
    subscription_id: str | None = None


@produces
class AdjustmentMade(EventContract):
    event_type: ClassVar[str] = "billing.adjustment.made"
    description: ClassVar[str] = "A branch admin credited or debited a family's balance by hand, with a reason."
    # Who made it: nothing of that staff member changes.
    context_fields: ClassVar[frozenset[str]] = frozenset({"made_by"})

    transaction_id: str
    family_id: str
    amount: MoneyPayload
    reason: str
    made_by: str | None


@produces
class SubscriptionSold(EventContract):
    event_type: ClassVar[str] = "billing.subscription.sold"
    description: ClassVar[str] = ("A subscription was sold; identity opens cabinet access on a non-trial one "
                                  "(R-FAM-7), even on credit.")
    # The branch is where it was sold: the family's and student's subscriptions and balance change (named); no
    # field of the branch does (its billing report is keyed by the branch and still dropped).
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    subscription_id: str
    family_id: str
    student_id: str
    branch_id: str | None
    trial: bool
    on_credit: bool


@produces
class SubscriptionFrozen(EventContract):
    event_type: ClassVar[str] = "billing.subscription.frozen"
    description: ClassVar[str] = "A subscription was frozen: no lessons charged from it, validity paused."

    subscription_id: str
    family_id: str
    student_id: str


@produces
class SubscriptionUnfrozen(EventContract):
    event_type: ClassVar[str] = "billing.subscription.unfrozen"
    description: ClassVar[str] = "A frozen subscription was resumed; its validity extended by the days frozen."

    subscription_id: str
    family_id: str
    student_id: str
    valid_until: str


@produces
class SubscriptionEnding(EventContract):
    event_type: ClassVar[str] = "billing.subscription.ending"
    description: ClassVar[str] = (
        "A subscription's lessons left dropped to the package-ending threshold (`BILLING_SUBSCRIPTION_ENDING_AT`, "
        "default 2) with a lesson charge: published once per subscription, in the charge's transaction (a refund "
        "and a later charge do not publish it again). Identity tells the family (R-NTF-1, packages ending).")
    # The branch is the subscription's: nothing of the branch changes.
    context_fields: ClassVar[frozenset[str]] = frozenset({"branch_id"})

    subscription_id: str
    family_id: str
    student_id: str
    branch_id: str | None
    name: str
    lessons_left: int
    lessons_total: int
    valid_until: str


@produces
class SubscriptionExpired(EventContract):
    event_type: ClassVar[str] = "billing.subscription.expired"
    description: ClassVar[str] = "A subscription's validity ended; its unused lessons burned or were refunded."

    subscription_id: str
    family_id: str
    student_id: str
    lessons_burned: int


@produces
class SubscriptionClosed(EventContract):
    event_type: ClassVar[str] = "billing.subscription.closed"
    description: ClassVar[str] = "A subscription was closed early; unused lessons refunded to the balance."

    subscription_id: str
    family_id: str
    student_id: str
    refunded: MoneyPayload


@produces
class InvoiceIssued(EventContract):
    event_type: ClassVar[str] = "billing.invoice.issued"
    description: ClassVar[str] = "An invoice was issued to a family."

    invoice_id: str
    family_id: str
    amount: MoneyPayload


@produces
class InvoicePaid(EventContract):
    event_type: ClassVar[str] = "billing.invoice.paid"
    description: ClassVar[str] = "An invoice was paid in full."

    invoice_id: str
    family_id: str
    amount: MoneyPayload


@produces
class EventsApplied(kabinet.events.applied.EventsApplied):
    event_type: ClassVar[str] = "billing.events.applied"
