"""The domain's rules, no I/O: double entry, discounts (largest wins), subscriptions, invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.domain.errors import InvalidAmount, SubscriptionStateInvalid, UnbalancedTransaction
from billing.domain.model import (
    Discount,
    DiscountKind,
    DiscountScope,
    Entry,
    InvoiceStatus,
    LedgerAccount,
    LessonFacts,
    Subscription,
    SubscriptionStatus,
    Transaction,
    TxKind,
    credit_move,
    invoice_status_after,
    money_move,
    pick_subscription,
    positive_amount,
    price_lesson,
)

DAY = date(2026, 12, 7)
FACTS = LessonFacts("l1", "b1", "s1", "f1", "group", DAY, "g1", "english")


def d(name: str, scope: DiscountScope, target: str, kind: DiscountKind, value: str, **kw: object) -> Discount:
    return Discount(name, name, scope, target, kind, Decimal(value), **kw)  # type: ignore[arg-type]


def test_transactions_must_balance_and_reverse_exactly() -> None:
    with pytest.raises(UnbalancedTransaction):
        Transaction("a", "f", TxKind.ADJUSTMENT, "x", [Entry("family", Decimal(5), "RUB", "a"),
                                                       Entry("cash", Decimal(-4), "RUB")])
    with pytest.raises(UnbalancedTransaction):
        Transaction("a", "f", TxKind.ADJUSTMENT, "x", [Entry("family", Decimal(0), "RUB", "a")])
    with pytest.raises(UnbalancedTransaction):  # two entries that cancel out in number but not in currency
        Transaction("a", "f", TxKind.ADJUSTMENT, "x", [Entry("family", Decimal(5), "RUB", "a"),
                                                       Entry("cash", Decimal(-5), "LSN")])
    tx = Transaction("a", "f", TxKind.LESSON_CHARGE, "x",
                     money_move("a", Decimal("-700"), LedgerAccount.REVENUE_LESSONS, "RUB")
                     + credit_move("a", "s", -1, LedgerAccount.CREDITS_USED))
    assert tx.family_delta == Decimal("-700") and tx.lessons_delta("s") == -1
    rev = tx.reversal(TxKind.LESSON_REFUND, "refund")
    assert rev.reverses_id == tx.id and rev.family_delta == 700 and rev.lessons_delta("s") == 1


def test_largest_discount_wins_and_never_stacks() -> None:
    discounts = [d("sib", DiscountScope.FAMILY, "f1", DiscountKind.PERCENT, "10"),
                 d("promo", DiscountScope.GROUP, "g1", DiscountKind.FIXED, "150"),
                 d("other", DiscountScope.STUDENT, "s2", DiscountKind.PERCENT, "90")]
    priced = price_lesson(Decimal("1000.00"), FACTS, discounts)
    assert (priced.charge, priced.discount and priced.discount.name) == (Decimal("850.00"), "promo")
    assert price_lesson(Decimal("2000.00"), FACTS, discounts).discount.name == "sib"  # type: ignore[union-attr]
    assert price_lesson(Decimal("100.00"), FACTS, discounts).charge == 0  # a fixed discount never goes below 0
    assert price_lesson(Decimal("100.00"), FACTS, []).discount is None


def test_hundred_percent_on_a_single_date() -> None:
    free = d("free day", DiscountScope.BRANCH, "b1", DiscountKind.PERCENT, "100", valid_from=DAY, valid_to=DAY)
    assert price_lesson(Decimal("900"), FACTS, [free]).charge == 0
    next_day = LessonFacts(**{**FACTS.__dict__, "on": DAY + timedelta(days=1)})
    assert price_lesson(Decimal("900"), next_day, [free]).charge == Decimal("900.00")
    with pytest.raises(InvalidAmount):
        d("bad", DiscountScope.FAMILY, "f1", DiscountKind.PERCENT, "101")


def _sub(**kw: object) -> Subscription:
    base: dict[str, object] = dict(
        id="s", type_id="t", account_id="a", family_id="f1", student_id="s1", branch_id="b1", name="8",
        lessons_total=8, lessons_left=8, price=Decimal("6400"), lesson_types=["group"], course_ids=[], trial=False,
        on_credit=False, valid_from=date(2026, 12, 1), valid_until=date(2026, 12, 31))
    base.update(kw)
    return Subscription(**base)  # type: ignore[arg-type]


def test_a_subscription_is_ending_at_the_threshold_only_when_larger_active_and_paid() -> None:
    assert [_sub(lessons_left=n).ending_at(2) for n in (3, 2, 1, 0)] == [False, True, True, True]
    assert not _sub(lessons_total=2, lessons_left=1).ending_at(2)  # "ending" from its sale: nothing to warn of
    assert not _sub(lessons_left=1, trial=True).ending_at(2)
    assert not _sub(lessons_total=None, lessons_left=None).ending_at(2)  # unlimited
    assert not _sub(lessons_left=1, status=SubscriptionStatus.CLOSED).ending_at(2)
    assert _sub(lessons_left=0).ending_at(0) and not _sub(lessons_left=1).ending_at(0)


def test_subscription_covers_types_dates_credits_and_freezes() -> None:
    s = _sub()
    assert s.covers("group", "english", DAY) and not s.covers("makeup", None, DAY)
    assert not _sub(lessons_left=0).covers("group", None, DAY)
    assert not s.covers("group", None, date(2027, 1, 1))
    assert _sub(lessons_total=None, lessons_left=None).covers("group", None, DAY)  # unlimited
    s.freeze(DAY)
    assert not s.covers("group", None, DAY)
    with pytest.raises(SubscriptionStateInvalid):
        s.freeze(DAY)
    assert s.unfreeze(DAY + timedelta(days=10)) == 10 and s.valid_until == date(2027, 1, 10)
    assert s.status is SubscriptionStatus.ACTIVE
    assert _sub(lessons_left=3).unused_value() == Decimal("2400.00")
    early = _sub(id="e", valid_until=date(2026, 12, 20))
    assert pick_subscription([s, early], "group", None, DAY) is early  # use the one that burns first


def test_amounts_and_invoice_status() -> None:
    assert positive_amount(Decimal("10.5")) == Decimal("10.50")
    for bad in ("0", "-1", "1.001", "NaN"):
        with pytest.raises(InvalidAmount):
            positive_amount(Decimal(bad))
    assert invoice_status_after(Decimal(100), Decimal(0)) is InvoiceStatus.ISSUED
    assert invoice_status_after(Decimal(100), Decimal(40)) is InvoiceStatus.PARTLY_PAID
    assert invoice_status_after(Decimal(100), Decimal(100)) is InvoiceStatus.PAID
