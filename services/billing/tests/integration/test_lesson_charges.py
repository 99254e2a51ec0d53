"""Charges from scheduling's events through the broker, the inbox and the outbox (R-BIL-2): what needs PostgreSQL and
RabbitMQ. The charge rules themselves are unit tests (tests/unit/test_lesson_charge_flows.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import lesson_charges, outbox
from kabinet.events import Envelope
from kabinet.testing.stack import eventually

from .conftest import Family, Harness

STATEMENT = """
query($f: ID!) { familyStatement(familyId: $f, first: 100) { edges { node {
  kind description amount { amount } balanceAfter { amount } lessonId studentId subscriptionId debt
  lessonsDelta discount { name amount { amount } } } } } }"""


STARTS = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def lesson_payload(fam: Family, students: list[str], *, price: str = "1000.00", lesson_type: str = "group",
                   lesson_id: str | None = None, starts_at: datetime = STARTS, group_id: str = "g1",
                   charged: bool = True) -> dict[str, Any]:
    return {"lesson_id": lesson_id or str(uuid.uuid4()), "branch_id": fam.branch_id, "group_id": group_id,
            "course_id": "english", "teacher_id": "t1", "room_id": None, "lesson_type": lesson_type,
            "charged_by_default": charged, "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "price": {"amount": price, "currency": "RUB"},
            "participants": [{"student_id": s, "family_id": fam.id, "reason": "member",
                              "price": {"amount": price, "currency": "RUB"}} for s in students]}


async def statement(billing: Harness, fam: Family) -> list[dict[str, Any]]:
    data = await billing.ok(billing.guardian(fam), STATEMENT, {"f": fam.id})
    return [e["node"] for e in data["familyStatement"]["edges"]]


async def test_lesson_event_delivered_twice_through_the_broker_is_charged_once(billing: Harness) -> None:
    fam = await billing.family()
    payload = lesson_payload(fam, fam.student_ids)
    env = Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling", payload=payload)
    await billing.runtime.transport.publish(env)
    await billing.runtime.transport.publish(env)  # the same message again (at-least-once delivery)
    # and the participant event for the same student and lesson, under another id
    await billing.runtime.transport.publish(Envelope(
        type="scheduling.participant.added", version=1, producer="scheduling",
        payload={**{k: payload[k] for k in ("lesson_id", "branch_id", "group_id", "course_id", "teacher_id",
                                            "lesson_type", "charged_by_default", "starts_at", "ends_at")},
                 "student_id": fam.student_ids[0], "family_id": fam.id, "reason": "member",
                 "price": payload["price"]}))

    async def charged() -> bool:
        return (await billing.balances(fam.id))[0] == Decimal("-1000.00")

    await eventually(charged)
    await asyncio.sleep(0.5)  # give the duplicates time to (not) apply
    async with billing.runtime.sessionmaker() as s:
        n = (await s.execute(select(func.count()).select_from(lesson_charges)
                             .where(lesson_charges.c.lesson_id == payload["lesson_id"]))).scalar_one()
    assert n == 1
    assert await billing.balances(fam.id) == (Decimal("-1000.00"), Decimal("-1000.00"))
    lines = await statement(billing, fam)
    assert lines[-1]["debt"] is True  # no money, no credit: recorded as debt, never skipped
    debtors = await billing.ok(billing.admin(fam.branch_id), "query($b: ID!) { debtors(branchId: $b) { familyId "
                               "balance { amount } } }", {"b": fam.branch_id})
    assert debtors["debtors"] == [{"familyId": fam.id, "balance": {"amount": "-1000.00"}}]


async def test_events_go_through_the_outbox(billing: Harness) -> None:
    fam = await billing.family()
    await billing.pay(fam, "100.00")
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids, price="40.00"))
    async with billing.runtime.sessionmaker() as s:
        keys = [r.routing_key for r in (await s.execute(
            select(outbox.c.routing_key, outbox.c.body).order_by(outbox.c.seq))).all()
            if fam.id in r.body]
    # The student's registration applied (its name in billing's answers) is announced for caches; the lesson's
    # charge by lesson.charged itself.
    assert keys == ["billing.account.opened.v1", "billing.events.applied.v1", "billing.balance.changed.v1",
                    "billing.payment.received.v1", "billing.lesson.charged.v1"]


async def test_a_large_roster_is_charged_once_when_published_again_with_newcomers(billing: Harness) -> None:
    """From COPY_FROM seats the charges and participants go by COPY (kabinet.db.bulk); published again with
    five more students, the copy hits the charged ones and the INSERT ... ON CONFLICT charges only the five."""
    from billing.adapters.tables import lesson_participants
    from kabinet.db.bulk import COPY_FROM

    fam = Family(str(uuid.uuid4()), str(uuid.uuid4()))
    first = lesson_payload(fam, [str(uuid.uuid4()) for _ in range(COPY_FROM + 6)], price="10.00")
    for p in first["participants"]:
        p["family_id"] = str(uuid.uuid4())  # a family each: their accounts are opened by the charge
    price = {"amount": "12.00", "currency": "RUB"}
    again = {**first, "price": price, "participants": [
        *({**p, "price": price} for p in first["participants"]),
        *({"student_id": str(uuid.uuid4()), "family_id": str(uuid.uuid4()), "reason": "member", "price": price}
          for _ in range(5))]}
    await billing.deliver("scheduling.lesson.scheduled", first)
    await billing.deliver("scheduling.lesson.scheduled", again)
    await billing.deliver("scheduling.lesson.scheduled", again)  # a third publish (its own event id): nothing new
    async with billing.runtime.sessionmaker() as s:
        charges = (await s.execute(select(lesson_charges.c.student_id, lesson_charges.c.amount).where(
            lesson_charges.c.lesson_id == first["lesson_id"]))).all()
        parts = (await s.execute(select(lesson_participants.c.student_id, lesson_participants.c.price).where(
            lesson_participants.c.lesson_id == first["lesson_id"]))).all()
    assert len(charges) == len(again["participants"]) == len({c.student_id for c in charges})
    amounts = sorted(c.amount for c in charges)
    assert amounts == [Decimal("10.00")] * len(first["participants"]) + [Decimal("12.00")] * 5
    assert sorted(p.student_id for p in parts) == sorted(p["student_id"] for p in again["participants"])
    assert {p.price for p in parts} == {Decimal("12.00")}  # the upsert updated the rows the copy could not add
    for p in again["participants"][:3] + again["participants"][-2:]:  # charged once, at the first price
        want = Decimal("-12.00") if p in again["participants"][-5:] else Decimal("-10.00")
        assert await billing.balances(p["family_id"]) == (want, want)


async def test_a_lesson_cancelled_after_its_subscription_closed_gives_its_value_back(billing: Harness) -> None:
    """On PostgreSQL (the ledger's balance trigger, the credits' conditional UPDATE): the credit going back to a
    closed subscription is settled as the close settled the others, its value in money (rules: the unit test)."""
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, "8000.00")
    plan = (await billing.ok(admin, """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i)
      { subscriptionPlan { id } } }""", {"i": {"name": "8", "lessons": 8, "validityDays": 60, "price": "8000.00",
                                               "lessonTypes": ["group"], "branchId": fam.branch_id}})
            )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
    sold = (await billing.ok(admin, """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i)
      { subscription { id } } }""", {"i": {"planId": plan, "studentId": fam.student_ids[0],
                                           "startsOn": "2026-12-01"}}))["sellSubscription"]["subscription"]["id"]
    payload = lesson_payload(fam, fam.student_ids)
    await billing.deliver("scheduling.lesson.scheduled", payload)
    await billing.ok(admin, "mutation($s: ID!) { closeSubscription(subscriptionId: $s) { errors { code } } }",
                     {"s": sold})
    assert await billing.balances(fam.id) == (Decimal("7000.00"), Decimal("7000.00"))
    await billing.deliver("scheduling.lesson.cancelled", {"lesson_id": payload["lesson_id"],
                                                          "branch_id": fam.branch_id, "reason": "teacher ill"})
    assert await billing.balances(fam.id) == (Decimal("8000.00"), Decimal("8000.00"))
    subs = await billing.ok(billing.guardian(fam), "query($s: ID!) { studentSubscriptions(studentId: $s) "
                            "{ status lessonsLeft } }", {"s": fam.student_ids[0]})
    assert subs["studentSubscriptions"] == [{"status": "closed", "lessonsLeft": 0}]
    refund = (await statement(billing, fam))[-1]
    assert (refund["kind"], refund["amount"]["amount"], refund["lessonsDelta"]) == ("lesson_refund", "1000.00", 0)
