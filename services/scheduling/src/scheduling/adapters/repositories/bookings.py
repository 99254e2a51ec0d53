"""Bookings and the open slots families book in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.money import Money
from scheduling.adapters.repositories._rows import utc
from scheduling.adapters.tables import (
    availability_slots,
    bookings,
    lessons,
)
from scheduling.domain.model import (
    AvailabilitySlot,
    Booking,
    BookingStatus,
)


def _booking(r: Any) -> Booking:
    return Booking(r.id, r.lesson_id, r.student_id, r.family_id, utc(r.created_at), BookingStatus(r.status), r.late,
                   utc(r.cancelled_at) if r.cancelled_at else None)


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, b: Booking) -> None:
        await self.session.execute(insert(bookings).values(
            id=b.id, lesson_id=b.lesson_id, student_id=b.student_id, family_id=b.family_id, status=b.status.value,
            late=b.late, created_at=b.created_at, cancelled_at=b.cancelled_at))

    async def cancel(self, b: Booking) -> bool:
        """Write the cancellation if the booking is still active; False if another cancelled it first (a row
        read before it committed is stale: the condition, re-checked on the committed row, decides)."""
        done = await self.session.execute(update(bookings).where(
            bookings.c.id == b.id, bookings.c.status == BookingStatus.ACTIVE.value).values(
            status=b.status.value, late=b.late, cancelled_at=b.cancelled_at))
        return bool(getattr(done, "rowcount", 0))

    async def get(self, booking_id: str) -> Booking | None:
        r = (await self.session.execute(select(bookings).where(bookings.c.id == booking_id))).first()
        return _booking(r) if r else None

    async def of_students(self, student_ids: Sequence[str], active_only: bool = True, *,
                          published_only: bool = False) -> dict[str, list[Booking]]:
        """``published_only``: only bookings of published lessons (what a family sees: a draft's are staff's)."""
        q = select(bookings).where(any_of(bookings.c.student_id, student_ids)).order_by(bookings.c.created_at)
        if active_only:
            q = q.where(bookings.c.status == BookingStatus.ACTIVE.value)
        if published_only:
            q = q.where(bookings.c.lesson_id.in_(select(lessons.c.id).where(lessons.c.published.is_(True))))
        out: dict[str, list[Booking]] = defaultdict(list)
        for r in await self.session.execute(q):
            out[r.student_id].append(_booking(r))
        return out

def _slot(r: Any) -> AvailabilitySlot:
    return AvailabilitySlot(r.id, r.branch_id, r.teacher_id, r.lesson_type, utc(r.starts_at), utc(r.ends_at),
                            Money(r.price, r.currency), r.room_id, r.lesson_id,
                            utc(r.closed_at) if r.closed_at else None)


# Offered to families: not booked, not closed.
_OPEN = and_(availability_slots.c.lesson_id.is_(None), availability_slots.c.closed_at.is_(None))


class SlotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: AvailabilitySlot) -> None:
        await self.session.execute(insert(availability_slots).values(
            id=s.id, branch_id=s.branch_id, teacher_id=s.teacher_id, lesson_type=s.lesson_type,
            starts_at=s.starts_at, ends_at=s.ends_at, price=s.price.amount, currency=s.price.currency,
            room_id=s.room_id, lesson_id=s.lesson_id, closed_at=s.closed_at))

    async def get(self, slot_id: str) -> AvailabilitySlot | None:
        r = (await self.session.execute(select(availability_slots).where(availability_slots.c.id == slot_id))).first()
        return _slot(r) if r else None

    async def reopen(self, lesson_id: str) -> bool:
        """The slot a cancelled booking held is open again."""
        res = await self.session.execute(update(availability_slots).where(
            availability_slots.c.lesson_id == lesson_id).values(lesson_id=None))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def claim(self, slot_id: str, lesson_id: str) -> bool:
        """Conditional update: of two families booking one slot at once (or a booking and the branch closing
        it), exactly one gets it."""
        res = await self.session.execute(update(availability_slots).where(
            availability_slots.c.id == slot_id, _OPEN).values(lesson_id=lesson_id))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def close(self, slot_id: str, at: datetime) -> bool:
        """Conditional update, the other side of ``claim``: False if the slot is booked or closed meanwhile."""
        res = await self.session.execute(update(availability_slots).where(
            availability_slots.c.id == slot_id, _OPEN).values(closed_at=at))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def open_over(self, starts_at: datetime, ends_at: datetime, teacher_ids: Iterable[str] = (),
                        room_ids: Iterable[str] = ()) -> list[AvailabilitySlot]:
        """Open slots overlapping [starts_at, ends_at) of any of these teachers or rooms (a booked slot's time
        is its lesson's, which ``LessonRepository.busy`` finds)."""
        teachers, rooms = list(set(teacher_ids)), [r for r in set(room_ids) if r]
        if not teachers and not rooms:
            return []
        q = select(availability_slots).where(
            _OPEN, availability_slots.c.starts_at < ends_at, availability_slots.c.ends_at > starts_at,
            or_(any_of(availability_slots.c.teacher_id, teachers), any_of(availability_slots.c.room_id, rooms)))
        return [_slot(r) for r in await self.session.execute(q)]

    async def open_slots(self, branch_ids: Sequence[str] | None, teacher_id: str | None, starts_from: datetime,
                         starts_before: datetime) -> list[AvailabilitySlot]:
        q = select(availability_slots).where(_OPEN,
                                             availability_slots.c.starts_at >= starts_from,
                                             availability_slots.c.starts_at < starts_before)
        if branch_ids is not None:
            q = q.where(any_of(availability_slots.c.branch_id, branch_ids))
        if teacher_id is not None:
            q = q.where(availability_slots.c.teacher_id == teacher_id)
        return [_slot(r) for r in await self.session.execute(q.order_by(availability_slots.c.starts_at))]
