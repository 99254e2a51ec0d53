"""Subscriptions (R-BIL-4, R-FAM-7): sale paid or on credit, trial flag, freeze, closing refund, expiry."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from billing.adapters.tables import outbox

from .conftest import Family, Harness
from .test_lesson_charges import PLAN, SELL, STARTS, lesson_payload, statement

FREEZE = """mutation($s: ID!) { freezeSubscription(subscriptionId: $s) { subscription { status validUntil }
  errors { code } } }"""
UNFREEZE = """mutation($s: ID!) { unfreezeSubscription(subscriptionId: $s) { subscription { status validUntil }
  errors { code } } }"""
CLOSE = """mutation($s: ID!, $k: String) { closeSubscription(subscriptionId: $s, idempotencyKey: $k) {
  subscription { status lessonsLeft } errors { code } } }"""


async def _plan(billing: Harness, fam: Family, **over: Any) -> str:
    data = {"name": "4 lessons", "lessons": 4, "validityDays": 30, "price": "4000.00",
            "lessonTypes": ["group", "individual"], "branchId": fam.branch_id, **over}
    res = await billing.ok(billing.admin(fam.branch_id), PLAN, {"input": data})
    assert res["createSubscriptionPlan"]["errors"] == []
    return str(res["createSubscriptionPlan"]["subscriptionPlan"]["id"])


async def _sold_events(billing: Harness, fam: Family) -> list[dict[str, Any]]:
    async with billing.runtime.sessionmaker() as s:
        rows = (await s.execute(select(outbox.c.body).where(
            outbox.c.routing_key == "billing.subscription.sold.v1").order_by(outbox.c.seq))).all()
    return [p for p in (json.loads(r.body)["payload"] for r in rows) if p["family_id"] == fam.id]


async def test_sale_on_credit_trial_flag_and_refusal_without_money(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    plan = await _plan(billing, fam)
    refused = await billing.ok(admin, SELL, {"input": {"planId": plan, "studentId": fam.student_ids[0]}})
    assert refused["sellSubscription"]["errors"] == [{"code": "INSUFFICIENT_FUNDS"}]
    assert await _sold_events(billing, fam) == []  # nothing half-done
    credit = await billing.ok(admin, SELL, {"input": {"planId": plan, "studentId": fam.student_ids[0],
                                                      "onCredit": True}})
    assert credit["sellSubscription"]["balanceAfter"]["amount"] == "-4000.00"
    # Paid at once, a sale goes through even with an earlier debt (the payment covers exactly the sale).
    cash = await billing.ok(admin, SELL, {"input": {"planId": plan, "studentId": fam.student_ids[0],
                                                    "paidWith": "CASH"}})
    assert cash["sellSubscription"]["errors"] == [] and cash["sellSubscription"]["balanceAfter"]["amount"] == "-4000.00"
    trial = await _plan(billing, fam, name="Trial", lessons=1, price="0.00", trial=True)
    await billing.ok(admin, SELL, {"input": {"planId": trial, "studentId": fam.student_ids[0]}})
    events = await _sold_events(billing, fam)
    assert [(e["trial"], e["on_credit"]) for e in events] == [(False, True), (False, False), (True, False)]
    remaining = await billing.ok(billing.guardian(fam), "query($s: ID!) { _entities(representations: "
                                 "[{__typename: \"Student\", id: $s}]) { ... on Student { remainingLessons "
                                 "familyBalance { amount } } } }", {"s": fam.student_ids[0]})
    assert remaining["_entities"] == [{"remainingLessons": 9, "familyBalance": {"amount": "-4000.00"}}]


async def test_frozen_subscription_is_not_used_and_unfreeze_extends_validity(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, "4000.00")
    sold = await billing.ok(admin, SELL, {"input": {"planId": await _plan(billing, fam),
                                                    "studentId": fam.student_ids[0], "startsOn": "2026-12-01"}})
    sid = sold["sellSubscription"]["subscription"]["id"]
    frozen = await billing.ok(admin, FREEZE, {"s": sid})
    assert frozen["freezeSubscription"]["subscription"]["status"] == "frozen"
    again = await billing.ok(admin, FREEZE, {"s": sid})  # safe to repeat
    assert again["freezeSubscription"]["errors"] == []
    # While frozen, a lesson is charged in money (and here that means debt), not from the subscription.
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids, price="500.00"))
    assert (await billing.balances(fam.id))[0] == Decimal("-500.00")
    unfrozen = await billing.ok(admin, UNFREEZE, {"s": sid})
    assert unfrozen["unfreezeSubscription"]["subscription"]["status"] == "active"
    assert unfrozen["unfreezeSubscription"]["subscription"]["validUntil"] >= "2026-12-30"


async def test_closing_refunds_unused_lessons_and_expiry_burns(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, "8000.00")
    plan = await _plan(billing, fam)
    first = await billing.ok(admin, SELL, {"input": {"planId": plan, "studentId": fam.student_ids[0],
                                                     "startsOn": STARTS.date().isoformat()}})
    sid = first["sellSubscription"]["subscription"]["id"]
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))
    key = str(uuid.uuid4())
    closed = await billing.ok(admin, CLOSE, {"s": sid, "k": key})
    assert closed["closeSubscription"]["subscription"] == {"status": "closed", "lessonsLeft": 0}
    replay = await billing.ok(admin, CLOSE, {"s": sid, "k": key})
    assert replay["closeSubscription"]["errors"] == []
    assert await billing.balances(fam.id) == (Decimal("7000.00"), Decimal("7000.00"))  # 3 of 4 lessons back

    old = await billing.ok(admin, SELL, {"input": {"planId": plan, "studentId": fam.student_ids[0],
                                                   "startsOn": (STARTS - timedelta(days=90)).date().isoformat()}})
    expired = await billing.ok(billing.owner(), "mutation($d: Date!) { runSubscriptionExpiry(asOf: $d) "
                               "{ expired errors { code } } }", {"d": STARTS.date().isoformat()})
    assert expired["runSubscriptionExpiry"]["expired"] >= 1
    subs = await billing.ok(billing.guardian(fam), "query($s: ID!) { studentSubscriptions(studentId: $s) "
                            "{ id status lessonsLeft } }", {"s": fam.student_ids[0]})
    old_sub = next(s for s in subs["studentSubscriptions"]
                   if s["id"] == old["sellSubscription"]["subscription"]["id"])
    assert old_sub == {**old_sub, "status": "expired", "lessonsLeft": 0}
    kinds = [ln["kind"] for ln in await statement(billing, fam)]
    assert kinds[-1] == "subscription_expiry" and "subscription_close" in kinds
    assert await billing.balances(fam.id) == (Decimal("3000.00"), Decimal("3000.00"))  # burned, no refund
