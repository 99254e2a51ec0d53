"""Charges from scheduling's and learning's events (R-BIL-2, R-BIL-4, R-BIL-5, R-BIL-7)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import inbox, lesson_charges, outbox
from billing.service.handlers import HANDLERS
from kabinet.events import Envelope
from kabinet.inbox import inbox_batch_handler
from kabinet.testing.stack import eventually

from .conftest import Family, Harness

STATEMENT = """
query($f: ID!) { familyStatement(familyId: $f, first: 100) { edges { node {
  kind description amount { amount } balanceAfter { amount } lessonId studentId subscriptionId debt
  lessonsDelta discount { name amount { amount } } } } } }"""

PLAN = """
mutation($input: CreateSubscriptionPlanInput!) {
  createSubscriptionPlan(input: $input) { subscriptionPlan { id } errors { code } } }"""
SELL = """
mutation($input: SellSubscriptionInput!) {
  sellSubscription(input: $input) { subscription { id lessonsLeft status } balanceAfter { amount }
  errors { code } } }"""
DISCOUNT = """
mutation($input: CreateDiscountInput!) { createDiscount(input: $input) { discount { id } errors { code } } }"""

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


async def test_scheduled_lesson_charges_price_less_largest_discount(billing: Harness) -> None:
    fam = await billing.family(children=2)
    admin = billing.admin(fam.branch_id)
    await billing.pay(fam, "5000.00")
    for d in ({"name": "Siblings 10%", "scope": "FAMILY", "target": fam.id, "kind": "PERCENT", "value": "10"},
              {"name": "Group promo 150", "scope": "GROUP", "target": "g1", "kind": "FIXED", "value": "150"},
              {"name": "Expired 50%", "scope": "FAMILY", "target": fam.id, "kind": "PERCENT", "value": "50",
               "validTo": "2026-11-01"},
              {"name": "Free lesson day", "scope": "BRANCH", "target": fam.branch_id, "kind": "PERCENT",
               "value": "100", "validFrom": "2026-12-14", "validTo": "2026-12-14"}):
        res = await billing.ok(admin, DISCOUNT, {"input": {**d, "branchId": fam.branch_id}})
        assert res["createDiscount"]["errors"] == []
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))
    await billing.deliver("scheduling.lesson.scheduled",
                          lesson_payload(fam, fam.student_ids[:1], starts_at=STARTS + timedelta(days=7)))
    lines = [ln for ln in await statement(billing, fam) if ln["kind"] == "lesson_charge"]
    assert [ln["amount"]["amount"] for ln in lines] == ["-850.00", "-850.00", "0.00"]
    assert lines[0]["discount"] == {"name": "Group promo 150", "amount": {"amount": "150.00"}}
    assert lines[2]["discount"]["name"] == "Free lesson day"
    assert "Group promo 150" in lines[0]["description"]
    assert await billing.balances(fam.id) == (Decimal("3300.00"), Decimal("3300.00"))


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


async def test_cancel_refunds_reschedule_moves_nothing_remove_refunds_one(billing: Harness) -> None:
    fam = await billing.family(children=2)
    await billing.pay(fam, "3000.00")
    payload = lesson_payload(fam, fam.student_ids)
    await billing.deliver("scheduling.lesson.scheduled", payload)
    assert (await billing.balances(fam.id))[0] == Decimal("1000.00")
    await billing.deliver("scheduling.lesson.rescheduled", {
        "lesson_id": payload["lesson_id"], "branch_id": fam.branch_id, "teacher_id": "t1", "room_id": None,
        "starts_at": (STARTS + timedelta(days=1)).isoformat(), "ends_at": (STARTS + timedelta(days=1)).isoformat()})
    assert (await billing.balances(fam.id))[0] == Decimal("1000.00")
    await billing.deliver("scheduling.participant.removed", {
        "lesson_id": payload["lesson_id"], "branch_id": fam.branch_id, "student_id": fam.student_ids[1],
        "family_id": fam.id, "reason": "sick"})
    assert (await billing.balances(fam.id))[0] == Decimal("2000.00")
    await billing.deliver("scheduling.lesson.cancelled", {"lesson_id": payload["lesson_id"],
                                                          "branch_id": fam.branch_id, "reason": "teacher ill"})
    assert await billing.balances(fam.id) == (Decimal("3000.00"), Decimal("3000.00"))
    refunds = [ln for ln in await statement(billing, fam) if ln["kind"] == "lesson_refund"]
    assert [r["amount"]["amount"] for r in refunds] == ["1000.00", "1000.00"]
    assert "teacher ill" in refunds[1]["description"]


async def test_subscription_pays_covered_types_and_makeup_is_not_charged(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    plan = await billing.ok(admin, PLAN, {"input": {"name": "8 group lessons", "lessons": 8, "validityDays": 60,
                                                    "price": "6400.00", "lessonTypes": ["group"],
                                                    "branchId": fam.branch_id}})
    sold = await billing.ok(admin, SELL, {"input": {
        "planId": plan["createSubscriptionPlan"]["subscriptionPlan"]["id"], "studentId": fam.student_ids[0],
        "paidWith": "CARD", "startsOn": "2026-12-01", "idempotencyKey": str(uuid.uuid4())}})
    sub = sold["sellSubscription"]["subscription"]
    assert sub["lessonsLeft"] == 8 and sold["sellSubscription"]["balanceAfter"]["amount"] == "0.00"
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids))
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids, lesson_type="makeup"))
    q = "query($s: ID!) { studentSubscriptions(studentId: $s) { lessonsLeft } }"
    left = await billing.ok(billing.guardian(fam), q, {"s": fam.student_ids[0]})
    assert left["studentSubscriptions"] == [{"lessonsLeft": 7}]
    assert await billing.balances(fam.id) == (0, 0)  # no money moved for either lesson
    lesson_lines = [ln for ln in await statement(billing, fam) if ln["kind"] == "lesson_charge"]
    assert len(lesson_lines) == 1 and lesson_lines[0]["lessonsDelta"] == -1
    assert lesson_lines[0]["subscriptionId"] == sub["id"]


async def test_attendance_mode_charges_on_marks_and_excused_refunds(billing: Harness) -> None:
    fam = await billing.family()
    admin = billing.admin(fam.branch_id)
    res = await billing.ok(admin, "mutation($i: BranchBillingSettingsInput!) { setBranchBillingSettings(input: $i)"
                           " { settings { chargeOn } errors { code } } }",
                           {"i": {"branchId": fam.branch_id, "chargeOn": "AT_ATTENDANCE"}})
    assert res["setBranchBillingSettings"]["settings"]["chargeOn"] == "AT_ATTENDANCE"
    payload = lesson_payload(fam, fam.student_ids)
    await billing.deliver("scheduling.lesson.scheduled", payload)
    assert (await billing.balances(fam.id))[0] == 0  # not at scheduling in this branch

    def mark(status: str, revision: int) -> dict[str, Any]:
        return {"lesson_id": payload["lesson_id"], "branch_id": fam.branch_id, "student_id": fam.student_ids[0],
                "family_id": fam.id, "status": status, "lesson_type": "group", "revision": revision,
                "marked_at": STARTS.isoformat()}

    await billing.deliver("learning.attendance.marked", mark("present", 1))
    assert (await billing.balances(fam.id))[0] == Decimal("-1000.00")
    await billing.deliver("learning.attendance.marked", mark("late", 2))  # still charged once
    assert (await billing.balances(fam.id))[0] == Decimal("-1000.00")
    await billing.deliver("learning.attendance.marked", mark("excused", 3))
    assert (await billing.balances(fam.id))[0] == 0
    await billing.deliver("learning.attendance.marked", mark("present", 2))  # stale revision: ignored
    assert await billing.balances(fam.id) == (0, 0)


async def test_events_go_through_the_outbox(billing: Harness) -> None:
    fam = await billing.family()
    await billing.pay(fam, "100.00")
    await billing.deliver("scheduling.lesson.scheduled", lesson_payload(fam, fam.student_ids, price="40.00"))
    async with billing.runtime.sessionmaker() as s:
        keys = [r.routing_key for r in (await s.execute(
            select(outbox.c.routing_key, outbox.c.body).order_by(outbox.c.seq))).all()
            if fam.id in r.body]
    assert keys == ["billing.account.opened.v1", "billing.balance.changed.v1", "billing.payment.received.v1",
                    "billing.balance.changed.v1", "billing.charge.applied.v1"]


async def test_events_from_a_batch_carry_the_ids_of_the_event_that_caused_them(billing: Harness) -> None:
    """Charges are posted and published at the batch's commit, after each event's own context ended: they
    still carry that event's correlation id (and its id as causation), never another's or a stale one."""
    families = [await billing.family(), await billing.family()]
    lessons = [Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling",
                        payload=lesson_payload(fam, fam.student_ids), correlation_id=f"corr-{i}-{uuid.uuid4().hex}")
               for i, fam in enumerate(families)]
    handle_batch = inbox_batch_handler("billing", billing.runtime.uow, inbox, HANDLERS)
    await handle_batch(lessons)
    await handle_batch([Envelope(type="scheduling.lesson.scheduled", version=1, producer="scheduling",
                                 payload=lesson_payload(families[0], families[0].student_ids))])
    async with billing.runtime.sessionmaker() as s:
        bodies = [Envelope.from_json(b.encode()) for b in (await s.execute(
            select(outbox.c.body).where(outbox.c.routing_key.in_(
                ["billing.charge.applied.v1", "billing.balance.changed.v1"])))).scalars()]
    for fam, lesson in zip(families, lessons, strict=True):
        caused = [e for e in bodies if e.payload["family_id"] == fam.id and e.causation_id == lesson.id]
        assert {e.routing_key for e in caused} == {"billing.charge.applied.v1", "billing.balance.changed.v1"}
        assert {e.correlation_id for e in caused} == {lesson.correlation_id}
    # The next batch's events do not inherit an id from the one before.
    later = [e for e in bodies if e.causation_id not in {lesson.id for lesson in lessons}]
    assert later and not {e.correlation_id for e in later} & {lesson.correlation_id for lesson in lessons}
