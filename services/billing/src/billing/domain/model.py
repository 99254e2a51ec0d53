"""Billing's domain: family accounts, a double-entry ledger, subscriptions, discounts, invoices (R-BIL-1…7).

Plain dataclasses and rules; no framework imports. Money is Decimal, never float.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from billing.domain.errors import InvalidAmount, SubscriptionStateInvalid, UnbalancedTransaction
from kabinet.money import AMOUNT_COLUMN_MAX, DEFAULT_CURRENCY, AmountError, Money, parse_amount

LESSON_CREDIT = "LSN"  # the unit of lesson credits in the ledger
CENT = Decimal("0.01")


def new_id() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` gives - from a pool: charging a month draws
    ~5 ids a charge, and one ``os.urandom`` call and ``UUID`` object per id were ~5-8 % of billing's CPU."""
    if not _ID_POOL:
        _fill_ids()
    return _ID_POOL.pop()


_ID_POOL: list[str] = []
# The variant's two high bits set to 10 (RFC 4122) in the 17th hex digit; its two low bits stay random.
_VARIANT_DIGIT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def _fill_ids(n: int = 1024) -> None:
    # One hex string for all of them, cut: 122 random bits an id, as uuid4 (version 4 and the variant fixed).
    raw = os.urandom(16 * n).hex()
    variant = _VARIANT_DIGIT
    _ID_POOL.extend(f"{raw[i:i + 8]}-{raw[i + 8:i + 12]}-4{raw[i + 13:i + 16]}-{variant[raw[i + 16]]}"
                    f"{raw[i + 17:i + 20]}-{raw[i + 20:i + 32]}" for i in range(0, 32 * n, 32))


# A forked child must never hand out its parent's ids.
os.register_at_fork(after_in_child=_ID_POOL.clear)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class MoneyLimits:
    """How much one operation may move, and how far a balance may go (both ways); settings choose them. Also
    the lessons left at which a subscription is announced as ending (billing.subscription.ending)."""

    max_per_operation: Decimal = Decimal("10000000.00")
    balance_ceiling: Decimal = Decimal("100000000.00")
    subscription_ending_at: int = 2

    def __post_init__(self) -> None:
        if not Decimal(0) < self.max_per_operation <= self.balance_ceiling <= AMOUNT_COLUMN_MAX:
            raise ValueError("need 0 < max_per_operation <= balance_ceiling <= the column's range")
        if self.subscription_ending_at < 0:
            raise ValueError("need subscription_ending_at >= 0")


DEFAULT_LIMITS = MoneyLimits()


def positive_amount(value: Decimal, limits: MoneyLimits = DEFAULT_LIMITS, *, field: str = "amount",
                    negative: bool = False, zero: bool = False) -> Decimal:
    """A client-given amount: positive (unless allowed otherwise), at most two decimals (refused, never
    rounded silently), at most the maximum per operation. The kit's one parser decides."""
    try:
        return parse_amount(value, maximum=limits.max_per_operation, negative=negative, zero=zero)
    except AmountError as exc:
        raise InvalidAmount(str(exc), field=field) from None


# -- ledger -----------------------------------------------------------------------------------------
class LedgerAccount:
    """Names of ledger accounts. The family's money is "family"; house accounts have no account_id."""

    FAMILY = "family"
    REVENUE_LESSONS = "revenue:lessons"
    REVENUE_SUBSCRIPTIONS = "revenue:subscriptions"
    REVENUE_OTHER = "revenue:other"
    ADJUSTMENTS = "adjustments"
    CREDITS_ISSUED = "credits:issued"
    CREDITS_USED = "credits:used"
    CREDITS_BURNED = "credits:burned"

    @staticmethod
    def subscription(subscription_id: str) -> str:
        return f"subscription:{subscription_id}"

    @staticmethod
    def payment_method(method: str) -> str:
        return f"funds:{method}"


class TxKind(StrEnum):
    PAYMENT = "payment"
    PAYMENT_REFUND = "payment_refund"
    LESSON_CHARGE = "lesson_charge"
    LESSON_REFUND = "lesson_refund"
    MANUAL_CHARGE = "manual_charge"
    ADJUSTMENT = "adjustment"
    SUBSCRIPTION_SALE = "subscription_sale"
    SUBSCRIPTION_CLOSE = "subscription_close"
    SUBSCRIPTION_EXPIRY = "subscription_expiry"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    ONLINE = "online"


@dataclass(frozen=True, slots=True)
class Entry:
    ledger_account: str
    amount: Decimal
    currency: str
    account_id: str | None = None  # set for the family's own ledger accounts


@dataclass
class Transaction:
    """One business operation: entries that sum to zero per currency, plus what it was for."""

    account_id: str
    family_id: str
    kind: TxKind
    description: str
    entries: list[Entry]
    id: str = field(default_factory=new_id)
    branch_id: str | None = None
    student_id: str | None = None
    lesson_id: str | None = None
    subscription_id: str | None = None
    payment_id: str | None = None
    invoice_id: str | None = None
    reverses_id: str | None = None
    discount_id: str | None = None
    discount_name: str | None = None
    discount_amount: Decimal | None = None
    created_by: str | None = None
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        check_balanced(self.entries)

    @property
    def family_delta(self) -> Decimal:
        """How this transaction changes the family's money balance."""
        return sum((e.amount for e in self.entries if e.ledger_account == LedgerAccount.FAMILY), Decimal(0))

    @property
    def currency(self) -> str:
        money = [e.currency for e in self.entries if e.currency != LESSON_CREDIT]
        return money[0] if money else DEFAULT_CURRENCY

    def lessons_delta(self, subscription_id: str) -> int:
        acc = LedgerAccount.subscription(subscription_id)
        return int(sum((e.amount for e in self.entries if e.ledger_account == acc), Decimal(0)))

    def reversal(self, kind: TxKind, description: str, created_by: str | None = None) -> Transaction:
        """The correcting transaction: every entry negated (entries themselves are never changed)."""
        return replace(self, id=new_id(), kind=kind, description=description, reverses_id=self.id,
                       entries=[replace(e, amount=-e.amount) for e in self.entries], created_by=created_by,
                       created_at=utcnow())


def check_balanced(entries: Sequence[Entry]) -> None:
    if len(entries) < 2:
        raise UnbalancedTransaction("a transaction needs at least two entries")
    if len(entries) == 2:  # most transactions (a charge's two entries): the same check without the totals
        a, b = entries
        if a.currency == b.currency and a.amount + b.amount == 0:
            return
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for e in entries:
        totals[e.currency] += e.amount
    bad = {c: t for c, t in totals.items() if t != 0}
    if bad:
        raise UnbalancedTransaction(f"entries do not sum to zero: {bad}")


def money_move(account_id: str, family_delta: Decimal, counter_account: str, currency: str) -> list[Entry]:
    """The two entries of a money movement between the family and a house account."""
    return [Entry(LedgerAccount.FAMILY, family_delta, currency, account_id),
            Entry(counter_account, -family_delta, currency)]


def credit_move(account_id: str, subscription_id: str, lessons: int, counter_account: str) -> list[Entry]:
    """The two entries of lesson credits moving into (+) or out of (-) a subscription."""
    return [Entry(LedgerAccount.subscription(subscription_id), Decimal(lessons), LESSON_CREDIT, account_id),
            Entry(counter_account, Decimal(-lessons), LESSON_CREDIT)]


@dataclass
class FamilyAccount:
    id: str
    family_id: str
    currency: str = DEFAULT_CURRENCY
    balance: Decimal = Decimal("0.00")  # cached sum of this account's "family" entries
    opened_at: datetime = field(default_factory=utcnow)
    credit_limit: Decimal = Decimal("0.00")

    @property
    def balance_money(self) -> Money:
        return Money(self.balance, self.currency)


# -- subscriptions ----------------------------------------------------------------------------------
class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    EXPIRED = "expired"
    CLOSED = "closed"


@dataclass
class SubscriptionType:
    id: str
    name: str
    lessons: int | None  # None: unlimited for the period
    validity_days: int
    price: Decimal
    lesson_types: list[str]
    course_ids: list[str] = field(default_factory=list)
    trial: bool = False
    branch_id: str | None = None
    currency: str = DEFAULT_CURRENCY


def remaining_lessons(subscriptions: Iterable[Subscription]) -> int | None:
    """Lessons left on the live (active or frozen) subscriptions; None when one of them is unlimited."""
    live = [s for s in subscriptions if s.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.FROZEN)]
    if any(s.unlimited for s in live):
        return None
    return sum(s.lessons_left or 0 for s in live)


@dataclass
class Subscription:
    id: str
    type_id: str
    account_id: str
    family_id: str
    student_id: str
    branch_id: str | None
    name: str
    lessons_total: int | None
    lessons_left: int | None
    price: Decimal
    lesson_types: list[str]
    course_ids: list[str]
    trial: bool
    on_credit: bool
    valid_from: date
    valid_until: date
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    frozen_on: date | None = None
    currency: str = DEFAULT_CURRENCY
    sold_at: datetime = field(default_factory=utcnow)

    @property
    def unlimited(self) -> bool:
        return self.lessons_total is None

    def covers(self, lesson_type: str, course_id: str | None, on: date) -> bool:
        """Pays for this lesson: right type and course, active, in its validity, credits left (R-BIL-4)."""
        if self.status is not SubscriptionStatus.ACTIVE:
            return False
        if not (self.valid_from <= on <= self.valid_until):
            return False
        if lesson_type not in self.lesson_types:
            return False
        if self.course_ids and course_id not in self.course_ids:
            return False
        return self.unlimited or (self.lessons_left or 0) > 0

    def freeze(self, on: date) -> None:
        if self.status is not SubscriptionStatus.ACTIVE:
            raise SubscriptionStateInvalid()
        self.status, self.frozen_on = SubscriptionStatus.FROZEN, on

    def unfreeze(self, on: date) -> int:
        """Validity extends by the days spent frozen; returns those days."""
        if self.status is not SubscriptionStatus.FROZEN or self.frozen_on is None:
            raise SubscriptionStateInvalid()
        days = max(0, (on - self.frozen_on).days)
        self.valid_until += timedelta(days=days)
        self.status, self.frozen_on = SubscriptionStatus.ACTIVE, None
        return days

    def ending_at(self, lessons: int) -> bool:
        """Its lessons left are down to ``lessons`` (the package-ending threshold) from above it: an active,
        non-trial package larger than the threshold. Whether it was announced already is the repository's."""
        return (self.status is SubscriptionStatus.ACTIVE and not self.trial and self.lessons_total is not None
                and self.lessons_total > lessons and self.lessons_left is not None and self.lessons_left <= lessons)

    def is_due_to_expire(self, today: date) -> bool:
        return self.status is SubscriptionStatus.ACTIVE and today > self.valid_until

    def unused_value(self) -> Decimal:
        """The money value of unused lessons (refunded on closing): price per lesson × lessons left."""
        return self.value_of(self.lessons_left or 0)

    def value_of(self, lessons: int) -> Decimal:
        """The money value of ``lessons`` of this subscription: price per lesson × lessons."""
        if self.unlimited or not self.lessons_total:
            return Decimal("0.00")
        per_lesson = self.price / self.lessons_total
        return (per_lesson * lessons).quantize(CENT)

    @property
    def ended(self) -> bool:
        """Closed or expired: it takes no lesson credits back (a lesson refunded now is settled as its end was)."""
        return self.status in (SubscriptionStatus.CLOSED, SubscriptionStatus.EXPIRED)


def pick_subscription(candidates: Iterable[Subscription], lesson_type: str, course_id: str | None,
                      on: date) -> Subscription | None:
    """The subscription to charge a lesson from: the covering one that expires first (use it before it burns)."""
    covering = [s for s in candidates if s.covers(lesson_type, course_id, on)]
    covering.sort(key=lambda s: (s.valid_until, s.sold_at))
    return covering[0] if covering else None


# -- discounts ---------------------------------------------------------------------------------------
class DiscountScope(StrEnum):
    STUDENT = "student"
    FAMILY = "family"
    GROUP = "group"
    COURSE = "course"
    LESSON_TYPE = "lesson_type"
    BRANCH = "branch"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True)
class LessonFacts:
    """What a discount can apply to: the lesson and who attends it."""

    lesson_id: str
    branch_id: str
    student_id: str
    family_id: str
    lesson_type: str
    on: date
    group_id: str | None = None
    course_id: str | None = None


@dataclass
class Discount:
    id: str
    name: str
    scope: DiscountScope
    target: str
    kind: DiscountKind
    value: Decimal
    valid_from: date | None = None
    valid_to: date | None = None
    branch_id: str | None = None

    def __post_init__(self) -> None:
        if self.value <= 0 or (self.kind is DiscountKind.PERCENT and self.value > 100):
            raise InvalidAmount("A percent discount is between 0 and 100; a fixed one is positive.", field="value")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise InvalidAmount("The discount ends before it starts.", field="validTo")

    def applies_to(self, f: LessonFacts) -> bool:
        if self.branch_id is not None and self.branch_id != f.branch_id:
            return False
        if (self.valid_from and f.on < self.valid_from) or (self.valid_to and f.on > self.valid_to):
            return False
        target = {
            DiscountScope.STUDENT: f.student_id,
            DiscountScope.FAMILY: f.family_id,
            DiscountScope.GROUP: f.group_id,
            DiscountScope.COURSE: f.course_id,
            DiscountScope.LESSON_TYPE: f.lesson_type,
            DiscountScope.BRANCH: f.branch_id,
        }[self.scope]
        return target == self.target

    def amount_off(self, price: Decimal) -> Decimal:
        off = price * self.value / 100 if self.kind is DiscountKind.PERCENT else self.value
        return min(price, off).quantize(CENT)


@dataclass(frozen=True)
class PricedLesson:
    price: Decimal
    charge: Decimal
    discount: Discount | None
    discount_amount: Decimal


def price_lesson(price: Decimal, facts: LessonFacts, discounts: Iterable[Discount]) -> PricedLesson:
    """The price less the largest applicable discount (R-BIL-2, R-BIL-5); discounts never stack."""
    best: tuple[Decimal, Discount] | None = None
    for d in discounts:
        if not d.applies_to(facts):
            continue
        off = d.amount_off(price)
        if best is None or off > best[0]:
            best = (off, d)
    if best is None:
        return PricedLesson(price, price, None, Decimal("0.00"))
    return PricedLesson(price, (price - best[0]).quantize(CENT), best[1], best[0])


# -- invoices ----------------------------------------------------------------------------------------
class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


def invoice_status_after(amount: Decimal, paid: Decimal) -> InvoiceStatus:
    if paid <= 0:
        return InvoiceStatus.ISSUED
    return InvoiceStatus.PAID if paid >= amount else InvoiceStatus.PARTLY_PAID
