"""Domain rules without I/O: clashes, rosters and capacity, memberships, booking cancellation, lesson types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kabinet.money import Money
from scheduling.domain import errors
from scheduling.domain.model import (
    BUILTIN_TYPES,
    Booking,
    Branch,
    Lesson,
    LessonKind,
    Membership,
    Participant,
    ParticipantReason,
    check_no_clash,
    check_student_free,
    custom_type,
    parallel_makeup,
)

T0 = datetime(2027, 3, 1, 14, tzinfo=UTC)


def lesson(lid: str, start: datetime = T0, minutes: int = 60, teacher: str = "t1", room: str | None = "r1",
           kind: LessonKind = LessonKind.GROUP, capacity: int | None = 2) -> Lesson:
    return Lesson(id=lid, branch_id="b", teacher_id=teacher, lesson_type=kind.value, kind=kind,
                  charged_by_default=True, starts_at=start, ends_at=start + timedelta(minutes=minutes),
                  price=Money(Decimal(100)), local_date=start.date(), room_id=room, capacity=capacity)


def p(sid: str) -> Participant:
    return Participant(sid, f"f-{sid}", ParticipantReason.MEMBER, Money(Decimal(100)))


def test_clashes_name_the_other_lesson_and_back_to_back_is_fine() -> None:
    existing = [lesson("A")]
    names = {"A": "the group «Starters» with Olga Smirnova"}
    zone = ZoneInfo("Europe/Moscow")
    with pytest.raises(errors.TeacherConflict, match=r"«Starters» with Olga Smirnova at .* \(Europe/Moscow\)"):
        check_no_clash(lesson("B", T0 + timedelta(minutes=30), room="r2"), existing, zone, names)
    with pytest.raises(errors.RoomConflict, match="«Starters»"):
        check_no_clash(lesson("B", T0, teacher="t2"), existing, zone, names)
    check_no_clash(lesson("B", T0 + timedelta(minutes=60)), existing)
    with pytest.raises(errors.StudentConflict, match=r"a group lesson at .* \(UTC\)"):  # no names: its type
        check_student_free("s1", T0, T0 + timedelta(minutes=10), existing)
    cancelled = lesson("C")
    cancelled.cancel("holiday")
    check_no_clash(lesson("B"), [cancelled])


def test_a_parallel_makeup_shares_the_teacher_but_has_no_room() -> None:
    original = lesson("A")
    makeup_type = next(t for t in BUILTIN_TYPES if t.code == "makeup")
    par = parallel_makeup(original, makeup_type)
    assert (par.room_id, par.teacher_id, par.starts_at, par.lesson_type) == (None, "t1", T0, "makeup")
    assert par.charged_by_default is False
    check_no_clash(par, [original])


def test_capacity_and_individual_lessons() -> None:
    g = lesson("A", capacity=2)
    g.add(p("s1"))
    g.add(p("s2"))
    with pytest.raises(errors.CapacityExceeded):
        g.add(p("s3"))
    with pytest.raises(errors.AlreadyParticipant):
        g.add(p("s1"))
    ind = lesson("B", kind=LessonKind.INDIVIDUAL, capacity=None)
    ind.add(p("s1"))
    with pytest.raises(errors.CapacityExceeded):
        ind.add(p("s2"))
    trial = lesson("C", kind=LessonKind.TRIAL, capacity=None)
    for i in range(20):
        trial.add(p(f"s{i}"))
    assert trial.places_left() is None


def test_membership_periods() -> None:
    m = Membership("m", "g", "s", "f", date(2027, 3, 1), date(2027, 3, 1))
    assert m.covers(date(2027, 3, 1)) and not m.covers(date(2027, 3, 2))
    open_ended = Membership("m", "g", "s", "f", date(2027, 3, 1))
    assert open_ended.overlaps(date(2027, 5, 1), None)
    open_ended.end(date(2027, 3, 10))
    assert not open_ended.covers(date(2027, 3, 11))
    with pytest.raises(errors.InvalidPeriod):
        Membership("m", "g", "s", "f", date(2027, 3, 2), date(2027, 3, 1))


def test_booking_cancellation_by_the_branch_rule() -> None:
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    strict = Branch("b", "B", "Europe/Moscow", cancel_notice_hours=24, late_cancellation="refuse")
    early = Booking("bk", "l", "s", "f", now)
    early.cancel(now, now + timedelta(hours=25), strict)
    assert early.late is False
    with pytest.raises(errors.BookingAlreadyCancelled):
        early.cancel(now, now + timedelta(hours=25), strict)
    with pytest.raises(errors.LateCancellationRefused):
        Booking("bk2", "l", "s", "f", now).cancel(now, now + timedelta(hours=5), strict)
    charging = Branch("b", "B", "Europe/Moscow", cancel_notice_hours=24, late_cancellation="charge")
    late = Booking("bk3", "l", "s", "f", now)
    late.cancel(now, now + timedelta(hours=5), charging)
    assert late.late is True


def test_custom_lesson_types() -> None:
    t = custom_type(" Speaking club ", LessonKind.GROUP, True)
    assert (t.code, t.name, t.builtin) == ("speaking-club", "Speaking club", False)
    with pytest.raises(errors.LessonTypeExists):
        custom_type("Trial", LessonKind.TRIAL, False)
    with pytest.raises(errors.InvalidName):
        custom_type("  ", LessonKind.GROUP, True)
