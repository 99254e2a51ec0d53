"""Charges from scheduling's and learning's events (R-BIL-2, R-BIL-4, R-BIL-5, R-BIL-7): the flows that were
PostgreSQL tests (tests/integration/test_lesson_charges.py), now on the in-memory unit of work; the statement is
the family's ledger transactions in the store."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from billing.domain.events import LessonCharged
from billing.domain.model import (
    LESSON_CREDIT,
    DiscountKind,
    DiscountScope,
    PaymentMethod,
    Transaction,
    TxKind,
)
from billing.service import branch_settings, discounts, subscriptions
from billing.service.expiry_job import expire_once
from billing.service.inbound_events import (
    AttendanceMarkedV1,
    LessonCancelledV1,
    LessonRescheduledV1,
    LessonScheduledV1,
    ParticipantIn,
    ParticipantRemovedV1,
)
from kabinet.events import MoneyPayload

from .conftest import BRANCH, STARTS, Family, World, envelope, uid
from .test_subscriptions import plan, sell


def lesson(fam: Family, students: list[str] | None = None, *, price: str = "1000.00", lesson_type: str = "group",
           starts_at: datetime = STARTS, group_id: str = "g1") -> LessonScheduledV1:
    return LessonScheduledV1(
        lesson_id=uid(), branch_id=BRANCH, group_id=group_id, course_id="english", teacher_id="t1",
        lesson_type=lesson_type, starts_at=starts_at, price=MoneyPayload(amount=Decimal(price)),
        participants=[ParticipantIn(student_id=s, family_id=fam.id, reason="member",
                                    price=MoneyPayload(amount=Decimal(price)))
                      for s in (fam.student_ids if students is None else students)])


def lessons_delta(tx: Transaction) -> int:
    return int(sum((e.amount for e in tx.entries if e.currency == LESSON_CREDIT and e.account_id is not None),
                   Decimal(0)))


async def test_scheduled_lesson_charges_price_less_largest_discount(world: World) -> None:
    fam = await world.family(students=2)
    await world.pay(fam, "5000.00")
    for d in (discounts.CreateDiscount("Siblings 10%", DiscountScope.FAMILY, fam.id, DiscountKind.PERCENT,
                                       Decimal("10"), BRANCH),
              discounts.CreateDiscount("Group promo 150", DiscountScope.GROUP, "g1", DiscountKind.FIXED,
                                       Decimal("150"), BRANCH),
              discounts.CreateDiscount("Expired 50%", DiscountScope.FAMILY, fam.id, DiscountKind.PERCENT,
                                       Decimal("50"), BRANCH, valid_to=date(2026, 11, 1)),
              discounts.CreateDiscount("Free lesson day", DiscountScope.BRANCH, BRANCH, DiscountKind.PERCENT,
                                       Decimal("100"), BRANCH, valid_from=date(2026, 12, 14),
                                       valid_to=date(2026, 12, 14))):
        async with world.uow() as uow:
            await discounts.create_discount(d, uow, world.admin)
    await world.deliver(lesson(fam))
    await world.deliver(lesson(fam, fam.student_ids[:1], starts_at=STARTS + timedelta(days=7)))
    lines = [t for t, _ in world.lines(fam, TxKind.LESSON_CHARGE)]
    assert [t.family_delta for t in lines] == [Decimal("-850.00"), Decimal("-850.00"), Decimal("0.00")]
    assert (lines[0].discount_name, lines[0].discount_amount) == ("Group promo 150", Decimal("150.00"))
    assert lines[2].discount_name == "Free lesson day"
    assert "Group promo 150" in lines[0].description
    assert world.balances(fam) == (Decimal("3300.00"), Decimal("3300.00"))


async def test_cancel_refunds_reschedule_moves_nothing_remove_refunds_one(world: World) -> None:
    fam = await world.family(students=2)
    await world.pay(fam, "3000.00")
    scheduled = lesson(fam)
    await world.deliver(scheduled)
    assert world.balance(fam) == Decimal("1000.00")
    await world.deliver(LessonRescheduledV1(lesson_id=scheduled.lesson_id, branch_id=BRANCH, teacher_id="t1",
                                            starts_at=STARTS + timedelta(days=1)))
    assert world.balance(fam) == Decimal("1000.00")
    await world.deliver(ParticipantRemovedV1(lesson_id=scheduled.lesson_id, branch_id=BRANCH,
                                             student_id=fam.student_ids[1], family_id=fam.id))
    assert world.balance(fam) == Decimal("2000.00")
    await world.deliver(LessonCancelledV1(lesson_id=scheduled.lesson_id, branch_id=BRANCH, reason="teacher ill"))
    assert world.balances(fam) == (Decimal("3000.00"), Decimal("3000.00"))
    refunds = [t for t, _ in world.lines(fam, TxKind.LESSON_REFUND)]
    assert [t.family_delta for t in refunds] == [Decimal("1000.00"), Decimal("1000.00")]
    assert "teacher ill" in refunds[1].description


async def test_subscription_pays_covered_types_and_makeup_is_not_charged(world: World) -> None:
    fam = await world.family()
    type_id = await plan(world, lessons=8, price="6400.00", days=60)  # group lessons only
    sold = await sell(world, fam, type_id, paid_with=PaymentMethod.CARD, starts_on=date(2026, 12, 1),
                      idempotency_key=uid())
    assert world.store.subscriptions[sold.subscription_id].lessons_left == 8 and sold.balance_after == 0
    await world.deliver(lesson(fam))
    await world.deliver(lesson(fam, lesson_type="makeup"))
    subs = [s for s in world.store.subscriptions.values() if s.student_id == fam.student_ids[0]]
    assert [s.lessons_left for s in subs] == [7]
    assert world.balances(fam) == (0, 0)  # no money moved for either lesson
    lesson_lines = [t for t, _ in world.lines(fam, TxKind.LESSON_CHARGE)]
    assert len(lesson_lines) == 1 and lessons_delta(lesson_lines[0]) == -1
    assert lesson_lines[0].subscription_id == sold.subscription_id


async def test_a_lesson_cancelled_after_its_subscription_ended_is_settled_as_its_end_was(world: World) -> None:
    """Closed: the lesson's value goes to the balance in money (it was lost: the credit went back to a closed
    subscription). Expired where the branch burns unused lessons: burned. Never a credit on an ended one."""
    fam, other = await world.family(), await world.family()
    type_id = await plan(world, lessons=8, price="8000.00", days=60)
    closed = await sell(world, fam, type_id, paid_with=PaymentMethod.CARD, starts_on=date(2026, 12, 1),
                        idempotency_key=uid())
    expired = await sell(world, other, type_id, paid_with=PaymentMethod.CARD, starts_on=date(2026, 12, 1),
                         idempotency_key=uid())
    first, second = lesson(fam), lesson(other)
    await world.deliver(first)
    await world.deliver(second)
    async with world.uow() as uow:
        res = await subscriptions.close_subscription(subscriptions.CloseSubscription(closed.subscription_id), uow,
                                                     world.admin)
    assert res.refunded == Decimal("7000.00") and world.balance(fam) == Decimal("7000.00")
    assert await expire_once(world.uow, date(2027, 2, 1)) == 1  # burned: the branch's default
    for scheduled in (first, second):
        await world.deliver(LessonCancelledV1(lesson_id=scheduled.lesson_id, branch_id=BRANCH, reason="teacher ill"))

    assert world.balances(fam) == (Decimal("8000.00"), Decimal("8000.00"))  # all the family paid, back
    assert world.balances(other) == (0, 0)
    for sold in (closed, expired):
        assert world.store.subscriptions[sold.subscription_id].lessons_left == 0
    refund = [t for t, _ in world.lines(fam, TxKind.LESSON_REFUND)]
    assert [(t.family_delta, lessons_delta(t)) for t in refund] == [(Decimal("1000.00"), 0)]
    assert "is closed" in refund[0].description
    burned = [t for t, _ in world.lines(other, TxKind.LESSON_REFUND)]
    assert [(t.family_delta, lessons_delta(t)) for t in burned] == [(0, 0)]


async def test_attendance_mode_charges_on_marks_and_excused_refunds(world: World) -> None:
    fam = await world.family()
    async with world.uow() as uow:
        settings = await branch_settings.set_branch_settings(
            branch_settings.SetBranchSettings(BRANCH, charge_on="attendance"), uow, world.admin)
    assert settings.charge_on == "attendance"
    scheduled = lesson(fam)
    await world.deliver(scheduled)
    assert world.balance(fam) == 0  # not at scheduling in this branch

    def mark(status: str, revision: int) -> AttendanceMarkedV1:
        return AttendanceMarkedV1(lesson_id=scheduled.lesson_id, branch_id=BRANCH, student_id=fam.student_ids[0],
                                  family_id=fam.id, status=status, lesson_type="group", revision=revision)

    await world.deliver(mark("present", 1))
    assert world.balance(fam) == Decimal("-1000.00")
    await world.deliver(mark("late", 2))  # still charged once
    assert world.balance(fam) == Decimal("-1000.00")
    await world.deliver(mark("excused", 3))
    assert world.balance(fam) == 0
    await world.deliver(mark("present", 2))  # stale revision: ignored
    assert world.balances(fam) == (0, 0)


async def test_events_from_a_batch_carry_the_ids_of_the_event_that_caused_them(world: World) -> None:
    """Charges are posted and published at the batch's commit, after each event's own context ended: they
    still carry that event's correlation id (and its id as causation), never another's or a stale one."""
    families = [await world.family(), await world.family()]
    lessons = [envelope(lesson(fam), f"corr-{i}-{uid()}") for i, fam in enumerate(families)]
    await world.deliver(*lessons)
    await world.deliver(lesson(families[0]))
    published = [(e, c) for e, c in world.store.published if isinstance(e, LessonCharged)]
    for fam, env in zip(families, lessons, strict=True):
        caused = [(e, c) for e, c in published if c.causation_id == env.id]
        assert [[line.family_id for line in e.charges] for e, _ in caused] == [[fam.id]]
        assert {c.correlation_id for _, c in caused} == {env.correlation_id}
    # The next batch's events do not inherit an id from the one before.
    later = [c for _, c in published if c.causation_id not in {env.id for env in lessons}]
    assert later and not {c.correlation_id for c in later} & {env.correlation_id for env in lessons}
