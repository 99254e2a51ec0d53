"""Slots and bookings (R-SCH-7) on the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from scheduling_school import (
    BEFORE_JUNE,
    BRANCH,
    IVANOV_GUARDIAN,
    MASHA,
    OLYA,
    PETYA,
    SMIRNOV_GUARDIAN,
    TEACHER,
    School,
)

from kabinet.errors import KabinetError
from scheduling.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingPolicySet,
    LessonCancelled,
    LessonScheduled,
    ParticipantAdded,
    ParticipantRemoved,
)
from scheduling.domain.model import AvailabilitySlot, BookingStatus, LessonStatus, ParticipantReason
from scheduling.service import bookings, catalogue

SLOT_AT = datetime(2027, 6, 8, 12, 0, tzinfo=UTC)


async def _slot(school: School, lesson_type: str = "individual") -> AvailabilitySlot:
    slot: AvailabilitySlot = await school.run(bookings.open_slot, bookings.OpenSlot(
        BRANCH, TEACHER, SLOT_AT, SLOT_AT + timedelta(hours=1), lesson_type, Decimal("1500.00")))
    return slot


async def test_a_guardian_books_a_slot_once_and_it_becomes_a_published_lesson(school: School) -> None:
    slot = await _slot(school)
    b = await school.run(bookings.book_slot, bookings.BookSlot(slot.id, MASHA, now=BEFORE_JUNE), IVANOV_GUARDIAN)
    lesson = await school.lesson(b.lesson_id)
    assert (lesson.published, lesson.starts_at, lesson.teacher_id) == (True, SLOT_AT, TEACHER)
    [part] = lesson.participants
    assert (part.student_id, part.reason, part.booking_id, part.price.amount) == (
        MASHA, ParticipantReason.BOOKING, b.id, Decimal("1500.00"))
    assert len(school.store.events_of(LessonScheduled)) == 1 and len(school.store.events_of(BookingCreated)) == 1
    with pytest.raises(KabinetError) as taken:
        await school.run(bookings.book_slot, bookings.BookSlot(slot.id, OLYA, now=BEFORE_JUNE), SMIRNOV_GUARDIAN)
    assert taken.value.code == "SLOT_TAKEN"


async def test_a_guardian_books_only_their_own_children(school: School) -> None:
    slot = await _slot(school)
    with pytest.raises(KabinetError) as refused:
        await school.run(bookings.book_slot, bookings.BookSlot(slot.id, OLYA, now=BEFORE_JUNE), IVANOV_GUARDIAN)
    assert refused.value.code == "FORBIDDEN"


async def test_cancelling_in_time_cancels_the_slot_lesson_and_reopens_the_slot(school: School) -> None:
    slot = await _slot(school)
    b = await school.run(bookings.book_slot, bookings.BookSlot(slot.id, MASHA, now=BEFORE_JUNE), IVANOV_GUARDIAN)
    done = await school.run(bookings.cancel_booking, bookings.CancelBooking(b.id, now=BEFORE_JUNE), IVANOV_GUARDIAN)
    assert (done.status, done.late) == (BookingStatus.CANCELLED, False)
    assert (await school.lesson(b.lesson_id)).status is LessonStatus.CANCELLED
    assert school.store.tables.slots[slot.id].lesson_id is None
    assert len(school.store.events_of(LessonCancelled)) == 1
    [cancelled] = school.store.events_of(BookingCancelled)
    assert (cancelled.booking_id, cancelled.late) == (b.id, False)


async def test_the_last_place_in_a_group_lesson_goes_once(school: School) -> None:
    lesson = await school.one_off(datetime(2027, 6, 9, 12, tzinfo=UTC), kind="trial", bookable=True, capacity=1)
    b = await school.run(bookings.book_place, bookings.BookPlace(lesson.id, MASHA, now=BEFORE_JUNE),
                         IVANOV_GUARDIAN)
    assert [p.reason for p in (await school.lesson(lesson.id)).participants] == [ParticipantReason.TRIAL]
    with pytest.raises(KabinetError) as full:
        await school.run(bookings.book_place, bookings.BookPlace(lesson.id, OLYA, now=BEFORE_JUNE),
                         SMIRNOV_GUARDIAN)
    assert full.value.code == "CAPACITY_EXCEEDED"
    assert [e.student_id for e in school.store.events_of(ParticipantAdded)] == [MASHA]
    assert b.family_id == "f-ivanov"


async def test_a_late_cancellation_is_refused_or_charged_by_the_branchs_rule(school: School) -> None:
    lesson = await school.one_off(datetime(2027, 6, 9, 12, tzinfo=UTC), kind="trial", bookable=True)
    b = await school.run(bookings.book_place, bookings.BookPlace(lesson.id, PETYA, now=BEFORE_JUNE),
                         IVANOV_GUARDIAN)
    late = lesson.starts_at - timedelta(hours=2)  # inside the default 24 hours' notice
    with pytest.raises(KabinetError) as refused:
        await school.run(bookings.cancel_booking, bookings.CancelBooking(b.id, now=late), IVANOV_GUARDIAN)
    assert refused.value.code == "LATE_CANCELLATION_REFUSED"
    await school.run(catalogue.set_booking_policy, catalogue.SetBookingPolicy(BRANCH, 24, "charge"))
    # announced: caches of the branch's lessons' cancellableUntil must go
    assert [(e.branch_id, e.notice_hours, e.late_cancellation) for e in school.store.events_of(BookingPolicySet)] \
        == [(BRANCH, 24, "charge")]
    done = await school.run(bookings.cancel_booking, bookings.CancelBooking(b.id, now=late), IVANOV_GUARDIAN)
    assert done.late is True
    assert (await school.lesson(lesson.id)).participants == []  # the place is free again
    assert school.store.events_of(ParticipantRemoved) == []  # billing keeps the charge
    assert school.store.tables.trials[b.family_id].lesson_id == lesson.id  # a late-cancelled trial was used
