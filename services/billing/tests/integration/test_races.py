"""Check-then-write races on billing's write paths, on real PostgreSQL: requests sent at once (different idempotency
keys, so the keys do not order them) that each read, pass the check and write. Each round is a fresh race; one
wrong outcome in any round fails the test. The same requests for different families all go through (the turns and
row locks taken hold only the family or the subscription concerned, and never wait on each other in a cycle)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import subscriptions

from .conftest import Family, Harness
from .test_lesson_charges import STARTS, lesson_payload

ROUNDS = 5

TRIAL_PLAN = """mutation { createSubscriptionPlan(input: {name: "Trial", lessons: 1, validityDays: 14, price: "0",
  lessonTypes: ["group"], trial: true}) { subscriptionPlan { id } } }"""
SELL = """mutation($p: ID!, $s: ID!, $k: String) { sellSubscription(input: {planId: $p, studentId: $s,
  idempotencyKey: $k}) { subscription { id } errors { code } } }"""


def _outcome(res: dict[str, Any], name: str) -> str:
    assert "errors" not in res, res
    errors = res["data"][name]["errors"]
    return str(errors[0]["code"]) if errors else "ok"


async def _trials_of(billing: Harness, family_id: str) -> int:
    async with billing.runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).where(
            subscriptions.c.family_id == family_id, subscriptions.c.trial.is_(True)))).scalar_one())


async def _sell_trials(billing: Harness, plan: str, fam: Family) -> list[str]:
    """The family's free trial sold to each of its children at once, by two admins (keys of their own)."""
    results = await asyncio.gather(*(billing.gql(billing.admin(fam.branch_id), SELL, {
        "p": plan, "s": sid, "k": f"trial-{uuid.uuid4()}"}) for sid in fam.student_ids))
    return [_outcome(r, "sellSubscription") for r in results]


async def test_a_familys_free_trial_sold_twice_at_once_is_sold_once(billing: Harness) -> None:
    plan = (await billing.ok(billing.owner(), TRIAL_PLAN))["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    for _ in range(ROUNDS):
        fam = await billing.family(children=2)
        got = await _sell_trials(billing, plan, fam)
        assert sorted(got) == ["TRIAL_ALREADY_USED", "ok"], got
        assert await _trials_of(billing, fam.id) == 1  # one free trial per family, however it is asked for


async def test_free_trials_of_different_families_at_once_all_go_through(billing: Harness) -> None:
    plan = (await billing.ok(billing.owner(), TRIAL_PLAN))["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    for _ in range(ROUNDS):
        families = [await billing.family() for _ in range(4)]
        got = await asyncio.gather(*(_sell_trials(billing, plan, fam) for fam in families))
        assert got == [["ok"]] * len(families)
        for fam in families:
            assert await _trials_of(billing, fam.id) == 1


PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } } }"""
SELL_FROM_BALANCE = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) {
  subscription { id } } }"""
CLOSE = """mutation($s: ID!, $k: String) { closeSubscription(subscriptionId: $s, idempotencyKey: $k) {
  errors { code } } }"""
SUBSCRIPTIONS = "query($s: ID!) { studentSubscriptions(studentId: $s) { status lessonsLeft } }"
LESSONS, PRICE = 4, Decimal("400.00")  # 100.00 a lesson


async def _redelivered(billing: Harness, event_type: str, payload: dict[str, Any]) -> None:
    """Deliver an event as the broker does: a handler that fails is delivered again (same id), until it goes
    through (a few times at most here: the quorum queue's delivery limit in production)."""
    event_id = str(uuid.uuid4())
    for _ in range(4):
        try:
            await billing.deliver(event_type, payload, event_id=event_id)
            return
        except Exception:  # what the consumer does: nack, requeue, deliver again
            continue
    raise AssertionError(f"{event_type} never went through")


async def _family_with_a_lesson_from_a_subscription(billing: Harness, plan: str) -> tuple[Family, str, str]:
    """A family that paid for a subscription of LESSONS lessons and had one scheduled from it (balance 0)."""
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, str(PRICE))
    sub = (await billing.ok(admin, SELL_FROM_BALANCE, {"i": {"planId": plan, "studentId": fam.student_ids[0],
                                                            "startsOn": "2026-12-01"}})
           )["sellSubscription"]["subscription"]["id"]
    lesson = lesson_payload(fam, fam.student_ids)
    await billing.deliver("scheduling.lesson.scheduled", lesson)
    return fam, sub, str(lesson["lesson_id"])


async def _subscription_plan(billing: Harness) -> str:
    return str((await billing.ok(billing.owner(), PLAN, {"i": {
        "name": "4", "lessons": LESSONS, "validityDays": 60, "price": str(PRICE), "lessonTypes": ["group"]}})
    )["createSubscriptionPlan"]["subscriptionPlan"]["id"])


async def test_a_lesson_cancelled_while_its_subscription_is_closed_gives_every_lesson_back(billing: Harness
                                                                                          ) -> None:
    """Cancelling a lesson charged from a subscription gives its credit back; closing the subscription refunds its
    unused lessons in money. At once, the refund read the subscription still open and put the credit back after
    the close had refunded the others: a lesson's value left on a closed subscription, lost to the family."""
    plan = await _subscription_plan(billing)
    for _ in range(ROUNDS):
        fam, sub, lesson = await _family_with_a_lesson_from_a_subscription(billing, plan)
        closed, _ = await asyncio.gather(
            billing.gql(billing.admin(fam.branch_id), CLOSE, {"s": sub, "k": str(uuid.uuid4())}),
            _redelivered(billing, "scheduling.lesson.cancelled", {"lesson_id": lesson, "branch_id": fam.branch_id,
                                                                  "reason": "teacher ill"}))
        assert _outcome(closed, "closeSubscription") == "ok"
        subs = await billing.ok(billing.guardian(fam), SUBSCRIPTIONS, {"s": fam.student_ids[0]})
        assert subs["studentSubscriptions"] == [{"status": "closed", "lessonsLeft": 0}]
        assert await billing.balances(fam.id) == (PRICE, PRICE)  # every lesson's value back, in either order


async def test_a_lesson_charged_while_its_subscription_is_closed_is_charged_once(billing: Harness) -> None:
    """A lesson scheduled (charged from the subscription) while the subscription is closed: either it is charged
    from it before the close (which then refunds one lesson fewer) or in money after; never both, never lost."""
    plan = await _subscription_plan(billing)
    for _ in range(ROUNDS):
        fam, sub, _ = await _family_with_a_lesson_from_a_subscription(billing, plan)
        closed, _ = await asyncio.gather(
            billing.gql(billing.admin(fam.branch_id), CLOSE, {"s": sub, "k": str(uuid.uuid4())}),
            _redelivered(billing, "scheduling.lesson.scheduled",
                         lesson_payload(fam, fam.student_ids, price="100.00",
                                        starts_at=STARTS + timedelta(days=1))))
        assert _outcome(closed, "closeSubscription") == "ok"
        subs = await billing.ok(billing.guardian(fam), SUBSCRIPTIONS, {"s": fam.student_ids[0]})
        assert subs["studentSubscriptions"] == [{"status": "closed", "lessonsLeft": 0}]
        # two lessons taken, 100.00 each, from the subscription or in money: 200.00 of the 400.00 back
        assert await billing.balances(fam.id) == (PRICE - 200, PRICE - 200)


REFUND = """mutation($i: RefundPaymentInput!) { refundPayment(input: $i) { errors { code } } }"""


async def test_a_payment_refunded_twice_at_once_is_refunded_once(billing: Harness) -> None:
    """Safe already (the payment's row is locked before ``refunded + amount <= amount`` is checked): two admins
    refunding one payment in full at once - one refund, the other REFUND_EXCEEDS_PAYMENT; payments of other families
    refunded at once all go through."""
    for _ in range(ROUNDS):
        families = [await billing.family() for _ in range(3)]
        paid = [(fam, (await billing.pay(fam, "500.00"))["recordPayment"]["payment"]["id"]) for fam in families]
        got = await asyncio.gather(*(billing.gql(billing.admin(fam.branch_id), REFUND, {"i": {
            "paymentId": payment, "amount": "500.00", "reason": "returned", "idempotencyKey": str(uuid.uuid4())}})
            for fam, payment in paid for _ in range(2)))
        outcomes = [_outcome(r, "refundPayment") for r in got]
        assert [sorted(outcomes[i:i + 2]) for i in range(0, len(outcomes), 2)] == [
            ["REFUND_EXCEEDS_PAYMENT", "ok"]] * len(families), outcomes
        for fam in families:
            assert await billing.balances(fam.id) == (Decimal("0.00"), Decimal("0.00"))
