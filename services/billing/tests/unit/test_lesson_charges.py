"""Lessons charged from events (at scheduling or at attendance), discounts, refunds: billing's consumer (its
handlers and its finish step) on the in-memory unit of work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.domain.errors import LessonNotKnownYet
from billing.domain.events import AccountOpened, BalanceChanged, ChargeRefunded, LessonCharged, LessonChargeLine
from billing.domain.model import DiscountKind, DiscountScope, TxKind
from billing.domain.records import Lesson
from billing.service import branch_settings, discounts
from billing.service.inbound_events import (
    AttendanceMarkedV1,
    LessonCancelledV1,
    LessonRescheduledV1,
    LessonScheduledV1,
    ParticipantAddedV1,
    ParticipantIn,
    ParticipantRemovedV1,
    StaffCreatedV1,
    StudentErasedV1,
)
from kabinet.errors import Forbidden, InvalidInput
from kabinet.events import MoneyPayload

from .conftest import BRANCH, STARTS, Family, World, envelope, uid
from .memory import MemoryProjections
from .test_subscriptions import plan, sell


def scheduled(fam: Family, price: str = "40.00", lesson_id: str | None = None, reason: str = "member",
              **kwargs: Any) -> LessonScheduledV1:
    return LessonScheduledV1(
        lesson_id=lesson_id or uid(), branch_id=kwargs.pop("branch_id", BRANCH), lesson_type="group",
        starts_at=STARTS, price=MoneyPayload(amount=Decimal(price)), group_id="g-1",
        participants=[ParticipantIn(student_id=s, family_id=fam.id, reason=reason,
                                    price=MoneyPayload(amount=Decimal(price))) for s in fam.student_ids], **kwargs)


def added(fam: Family, lesson_id: str, price: str = "40.00", reason: str = "member") -> ParticipantAddedV1:
    return ParticipantAddedV1(lesson_id=lesson_id, branch_id=BRANCH, lesson_type="group", starts_at=STARTS,
                              student_id=fam.student_ids[0], family_id=fam.id, reason=reason,
                              price=MoneyPayload(amount=Decimal(price)))



def charged(world: World) -> list[LessonChargeLine]:
    """Every charge the lesson-charged events published so far announced."""
    return [line for e in world.events(LessonCharged) for line in e.charges]

async def test_a_scheduled_lesson_charges_each_student_once_in_money(world: World) -> None:
    fam = await world.family(students=2)
    await world.pay(fam, "100.00")
    lesson = scheduled(fam)
    await world.deliver(lesson)
    await world.deliver(lesson)  # published again: charged once
    assert world.balance(fam) == Decimal("20.00")
    [event] = world.events(LessonCharged)  # one event for the lesson, its two charges
    assert event.lesson_id == lesson.lesson_id and {c.student_id for c in event.charges} == set(fam.student_ids)
    # each charge says the family's balance after it; no balance.changed for a lesson charge
    assert [c.balance.amount for c in event.charges if c.balance] == [Decimal("60.00"), Decimal("20.00")]
    assert not [e for e in world.events(BalanceChanged) if e.kind == TxKind.LESSON_CHARGE.value]
    assert len(world.store.active_charges) == 2
    assert {t.kind for t, _ in world.store.ledger[-2:]} == {TxKind.LESSON_CHARGE}


async def test_a_batch_posts_all_its_charges_at_its_end_one_event_per_lesson(world: World) -> None:
    families = [await world.family() for _ in range(3)]
    before = len(world.events(BalanceChanged))
    await world.deliver(*[scheduled(f, lesson_id=f"l-{i}") for i, f in enumerate(families)],
                        *[scheduled(f, lesson_id=f"m-{i}") for i, f in enumerate(families)])
    assert [world.balance(f) for f in families] == [Decimal("-80.00")] * 3
    assert len(world.events(BalanceChanged)) == before  # the lessons' events carry the balances
    assert sorted(e.lesson_id for e in world.events(LessonCharged)) == ["l-0", "l-1", "l-2", "m-0", "m-1", "m-2"]
    lines = charged(world)
    assert len(lines) == 6 and all(c.debt for c in lines)  # beyond the credit limit: recorded as debt, never skipped
    # in the order posted: a family's second lesson says its balance after both
    assert [c.balance.amount for c in lines if c.family_id == families[0].id and c.balance] == [
        Decimal("-40.00"), Decimal("-80.00")]


async def test_a_refund_after_a_charge_in_one_batch_is_the_familys_last_balance_event(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "100.00")
    lesson, other = scheduled(fam), scheduled(fam, lesson_id="other")
    await world.deliver(lesson, other, LessonCancelledV1(lesson_id=lesson.lesson_id, branch_id=BRANCH))
    assert world.balance(fam) == Decimal("60.00")
    order = [e for e, _ in world.store.published if isinstance(e, LessonCharged | BalanceChanged)]
    assert isinstance(order[-1], BalanceChanged) and order[-1].balance.amount == Decimal("60.00")


async def test_charges_carry_the_context_of_the_event_of_their_lesson(world: World) -> None:
    a, b = await world.family(), await world.family()
    ea, eb = envelope(scheduled(a), "corr-a"), envelope(scheduled(b), "corr-b")
    await world.deliver(ea, eb)
    ctx = {e.charges[0].family_id: c for e, c in world.store.published if isinstance(e, LessonCharged)}
    assert (ctx[a.id].correlation_id, ctx[a.id].causation_id) == ("corr-a", ea.id)
    assert (ctx[b.id].correlation_id, ctx[b.id].causation_id) == ("corr-b", eb.id)


async def test_a_covering_subscription_pays_with_a_credit_and_a_discount_lowers_money(world: World) -> None:
    fam, other = await world.family(), await world.family()
    sid = (await sell(world, fam, await plan(world, lessons=4), on_credit=True)).subscription_id
    async with world.uow() as uow:
        d = await discounts.create_discount(discounts.CreateDiscount(
            "Siblings", DiscountScope.FAMILY, other.id, DiscountKind.PERCENT, Decimal("25"), BRANCH), uow,
            world.admin)
    assert world.store.discounts[d.id].name == "Siblings"
    await world.deliver(scheduled(fam, "40.00"), scheduled(other, "40.00"))
    assert world.store.subscriptions[sid].lessons_left == 3
    assert world.balance(fam) == Decimal("-800.00")  # the sale only: the lesson came from the subscription
    assert world.balance(other) == Decimal("-30.00")
    by_family = {c.family_id: c for c in charged(world)}
    assert by_family[fam.id].subscription_id == sid and by_family[other.id].amount.amount == Decimal("30.00")
    assert by_family[fam.id].balance is None  # a lesson credit: the money balance did not change


async def test_a_discount_needs_a_name_and_its_branchs_admin(world: World) -> None:
    with pytest.raises(InvalidInput):
        async with world.uow() as uow:
            await discounts.create_discount(discounts.CreateDiscount(
                " ", DiscountScope.FAMILY, "f", DiscountKind.FIXED, Decimal("5"), BRANCH), uow, world.admin)
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await discounts.create_discount(discounts.CreateDiscount(
                "X", DiscountScope.FAMILY, "f", DiscountKind.FIXED, Decimal("5"), BRANCH), uow, world.other_admin)
    assert not world.store.discounts


async def test_cancelling_refunds_even_a_charge_of_the_same_batch(world: World) -> None:
    fam = await world.family()
    await world.pay(fam, "100.00")
    lesson = scheduled(fam)
    await world.deliver(lesson, LessonCancelledV1(lesson_id=lesson.lesson_id, branch_id=BRANCH, reason="snow"))
    assert world.balance(fam) == Decimal("100.00")
    [refund] = world.events(ChargeRefunded)
    assert refund.lesson_id == lesson.lesson_id
    assert world.store.ledger[-1][0].kind is TxKind.LESSON_REFUND and "snow" in world.store.ledger[-1][0].description
    assert not world.store.active_charges and world.store.lessons[lesson.lesson_id].cancelled


async def test_removing_a_participant_refunds_their_charge_and_rescheduling_moves_no_money(world: World) -> None:
    fam = await world.family()
    lesson = scheduled(fam)
    await world.deliver(lesson)
    later = STARTS.replace(hour=12)
    await world.deliver(LessonRescheduledV1(lesson_id=lesson.lesson_id, branch_id=BRANCH, starts_at=later))
    assert world.balance(fam) == Decimal("-40.00") and world.store.lessons[lesson.lesson_id].starts_at == later
    await world.deliver(ParticipantRemovedV1(lesson_id=lesson.lesson_id, branch_id=BRANCH,
                                             student_id=fam.student_ids[0], family_id=fam.id))
    assert world.balance(fam) == Decimal("0.00")
    assert world.store.participants[(lesson.lesson_id, fam.student_ids[0])].removed


async def test_a_participant_added_is_charged_and_a_free_trial_is_not(world: World) -> None:
    fam, newcomer = await world.family(), await world.family()
    lesson_id = uid()
    await world.deliver(added(fam, lesson_id))  # the lesson is not known yet: projected from this event
    assert world.balance(fam) == Decimal("-40.00") and lesson_id in world.store.lessons
    await world.deliver(added(newcomer, lesson_id, reason="trial"))
    assert world.balance(newcomer) == 0 and len(charged(world)) == 1


async def test_a_participant_added_racing_its_lesson_keeps_the_lessons_price(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other consumer worker commits the lesson's lesson.scheduled after this handler found the lesson
    unknown: the participant's event (which has no lesson price) must not overwrite the scheduled lesson."""
    fam, newcomer = await world.family(), await world.family()
    lesson = scheduled(fam, price="55.00")
    await world.deliver(lesson)
    real_lesson = MemoryProjections.lesson
    unknown_once = {lesson.lesson_id}

    async def read_before_the_other_commit(self: MemoryProjections, lesson_id: str) -> Lesson | None:
        if lesson_id in unknown_once:
            unknown_once.discard(lesson_id)
            return None
        return await real_lesson(self, lesson_id)

    monkeypatch.setattr(MemoryProjections, "lesson", read_before_the_other_commit)
    await world.deliver(added(newcomer, lesson.lesson_id, price="55.00"))
    assert not unknown_once  # the racing read happened
    assert world.store.lessons[lesson.lesson_id].price == Decimal("55.00")
    assert world.balance(newcomer) == Decimal("-55.00")


async def test_a_makeup_place_before_its_lesson_is_charged_by_the_branch_rule_when_the_lesson_comes(
        world: World) -> None:
    """A make-up place's participant.added carries the make-up type's facts (type "makeup", not charged by
    default), not its lesson's. Handled before the lesson's lesson.scheduled (two consumer workers take
    consecutive batches at once), it used to project the lesson from them and charge nothing, silently, even
    where the branch charges make-ups like any lesson; the roster of lesson.scheduled leaves make-up places
    out, so nothing charged it later either."""
    await world.branch()
    async with world.uow() as uow:
        await uow.projections.set_branch_settings(BRANCH, None, None, "as_lesson")
        await uow.commit()
    group, kid = await world.family(), await world.family()
    lesson = scheduled(group)
    place = ParticipantAddedV1(lesson_id=lesson.lesson_id, branch_id=BRANCH, lesson_type="makeup",
                               charged_by_default=False, starts_at=STARTS, student_id=kid.student_ids[0],
                               family_id=kid.id, reason="makeup", price=MoneyPayload(amount=Decimal("40.00")))
    await world.deliver(place)  # the racing order
    assert world.balance(kid) == 0  # the lesson's own facts are not known yet
    await world.deliver(lesson)
    assert world.balance(kid) == Decimal("-40.00") and world.store.lessons[lesson.lesson_id].charged_by_default
    await world.deliver(lesson, place)  # both again (published again, a redelivery): charged once
    assert world.balance(kid) == Decimal("-40.00") and world.balance(group) == Decimal("-40.00")
    (line,) = [c for c in charged(world) if c.family_id == kid.id]
    assert line.student_id == kid.student_ids[0]


async def test_attendance_charges_in_branches_that_say_so_and_excused_refunds(world: World) -> None:
    await world.branch("b-att", charge_on="attendance")
    fam = await world.family(branch_id="b-att")
    lesson = scheduled(fam, branch_id="b-att")
    await world.deliver(lesson)
    assert world.balance(fam) == 0  # not at scheduling

    def mark(status: str, revision: int) -> AttendanceMarkedV1:
        return AttendanceMarkedV1(lesson_id=lesson.lesson_id, branch_id="b-att", student_id=fam.student_ids[0],
                                  family_id=fam.id, status=status, revision=revision)

    await world.deliver(mark("present", 1))
    assert world.balance(fam) == Decimal("-40.00")
    await world.deliver(mark("excused", 3))
    assert world.balance(fam) == Decimal("0.00")
    await world.deliver(mark("absent", 2))  # older than the excused mark: changes nothing
    assert world.balance(fam) == Decimal("0.00")
    assert len(charged(world)) == 1 and len(world.events(ChargeRefunded)) == 1


async def test_a_sheets_marks_in_one_batch_charge_only_where_the_branch_charges_at_attendance(
        world: World) -> None:
    """A sheet's marks come as one run (their branches read once): in the branch that charges at attendance
    each mark charges once; in one that charges at scheduling a mark moves no money."""
    await world.branch("b-att", charge_on="attendance")
    await world.branch()
    at_att, at_sched = await world.family(branch_id="b-att"), await world.family()
    lesson_att, lesson_sched = scheduled(at_att, branch_id="b-att"), scheduled(at_sched)
    await world.deliver(lesson_att, lesson_sched)
    assert (world.balance(at_att), world.balance(at_sched)) == (0, Decimal("-40.00"))
    await world.deliver(*(
        AttendanceMarkedV1(lesson_id=lesson.lesson_id, branch_id=branch, student_id=fam.student_ids[0],
                           family_id=fam.id, status="present", revision=1)
        for lesson, branch, fam in ((lesson_att, "b-att", at_att), (lesson_sched, BRANCH, at_sched))))
    assert (world.balance(at_att), world.balance(at_sched)) == (Decimal("-40.00"), Decimal("-40.00"))


async def test_registration_opens_one_account_per_family_and_projections_follow_events(world: World) -> None:
    fam = await world.family(students=2)
    opened = [e for e in world.events(AccountOpened) if e.family_id == fam.id]
    assert len(opened) == 1 and world.account(fam).balance == 0
    student = world.store.students[fam.student_ids[0]]
    assert (student.display_name, student.branch_id) == ("Ann Lee", BRANCH)
    await world.deliver(StudentErasedV1(student_id=student.id, family_id=fam.id),
                        StaffCreatedV1(staff_id="st-1", first_name="Olga", last_name="K"))
    assert world.store.students[student.id].erased and world.store.students[student.id].display_name == ""
    assert world.store.staff["st-1"] == "Olga K"
    assert world.store.branches[BRANCH].time_zone == "Europe/Moscow"


async def test_attendance_for_a_lesson_not_known_yet_is_retried(world: World) -> None:
    fam = await world.family()
    await world.branch(charge_on="attendance")
    with pytest.raises(LessonNotKnownYet):
        await world.deliver(AttendanceMarkedV1(lesson_id=uid(), branch_id=BRANCH, student_id=fam.student_ids[0],
                                               family_id=fam.id, status="present", revision=1))
    assert world.balance(fam) == 0


async def test_branch_settings_are_their_admins_and_decide_the_charge_mode(world: World) -> None:
    with pytest.raises(Forbidden):
        async with world.uow() as uow:
            await branch_settings.set_branch_settings(branch_settings.SetBranchSettings(BRANCH, "attendance"), uow,
                                                      world.other_admin)
    async with world.uow() as uow:
        branch = await branch_settings.set_branch_settings(
            branch_settings.SetBranchSettings(BRANCH, "attendance", makeup_charge="free"), uow, world.admin)
    assert (branch.charge_on, branch.makeup_charge, branch.burn_expired_lessons) == ("attendance", "free", True)
    fam = await world.family()
    await world.deliver(scheduled(fam))
    assert world.balance(fam) == 0


def test_a_lesson_charged_names_as_changed_what_the_generic_walk_finds() -> None:
    """LessonCharged lists its changed ids without walking every value: the same list as the kit's walk."""
    lines = [
        LessonChargeLine(charge_id=uid(), family_id=uid(), student_id=uid(),
                         amount=MoneyPayload(amount=Decimal("700.00")), debt=True,
                         balance=MoneyPayload(amount=Decimal("-700.00"))),
        LessonChargeLine(charge_id=uid(), family_id=uid(), student_id=uid(), subscription_id=uid(),
                         amount=MoneyPayload(amount=Decimal("0.00"))),
    ]
    event = LessonCharged(lesson_id=uid(), branch_id=uid(), charges=lines)
    payload = event.to_payload()
    generic = super(LessonCharged, LessonCharged).changed_ids(payload)
    assert LessonCharged.changed_ids(payload) == generic
    assert len(generic) == 1 + 3 + 4 and payload["branch_id"] not in generic
