"""Use cases: families book from a child's profile (R-SCH-7): an individual or trial lesson in an open slot,
or a place in a group's (or trial) lesson; they cancel by the branch's notice rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kabinet.auth.principal import Principal
from kabinet.auth.rules import ensure, hides_missing, require_authenticated
from scheduling.domain import errors
from scheduling.domain.access import can_act_for, published_for, require_branch_admin
from scheduling.domain.events import BookingCancelled, BookingCreated
from scheduling.domain.model import (
    AvailabilitySlot,
    Booking,
    Branch,
    Lesson,
    LessonKind,
    LessonType,
    Participant,
    ParticipantReason,
    check_price,
    new_id,
    utcnow,
)
from scheduling.service.common import (
    caller_scope,
    get_branch,
    get_lesson,
    get_lesson_type,
    get_room,
    get_student,
    get_teacher,
)
from scheduling.service.lessons import ensure_free, ensure_students_free
from scheduling.service.publishing import lesson_cancelled, participant_added, participant_removed, schedule_events
from scheduling.service.trials import FREE, claim_trial
from scheduling.service.unit_of_work import SchedulingUnitOfWork


@dataclass(frozen=True)
class OpenSlot:
    branch_id: str
    teacher_id: str
    starts_at: datetime
    ends_at: datetime
    lesson_type: str
    price: Decimal
    room_id: str | None = None


async def open_slot(cmd: OpenSlot, uow: SchedulingUnitOfWork, p: Principal) -> AvailabilitySlot:
    """The branch opens a teacher's time for families to book an individual or trial lesson."""
    require_branch_admin(p, cmd.branch_id)
    branch = await get_branch(uow, cmd.branch_id)
    await get_teacher(uow, cmd.teacher_id, cmd.branch_id)
    t = await get_lesson_type(uow, cmd.lesson_type)
    if t.kind not in (LessonKind.INDIVIDUAL, LessonKind.TRIAL):
        raise errors.WrongLessonType("Families book individual or trial lessons in slots.", field="lessonType")
    if cmd.room_id:
        await get_room(uow, cmd.room_id, cmd.branch_id)
    slot = AvailabilitySlot(new_id(), cmd.branch_id, cmd.teacher_id, t.code, cmd.starts_at, cmd.ends_at,
                            check_price(cmd.price), cmd.room_id)
    # The lesson a booking would make must be possible now: a slot over the teacher's lesson (or a taken room)
    # was offered to families and only their booking was refused.
    await ensure_free(uow, _lesson_in(slot, t, branch))
    await uow.slots.add(slot)
    await uow.commit()
    return slot


@dataclass(frozen=True)
class CloseSlot:
    slot_id: str
    now: datetime | None = None


async def close_slot(cmd: CloseSlot, uow: SchedulingUnitOfWork, p: Principal) -> AvailabilitySlot:
    """The branch takes an open slot off offer (to put a lesson there, or the teacher is away). Idempotent: a
    closed slot answers as it is. A booked one is SLOT_BOOKED: its lesson is the family's (cancel the booking
    first). Slots are opened by the branch's admins, so they (and the owner) close them; a teacher does not."""
    require_authenticated(p)
    slot = await uow.slots.get(cmd.slot_id)
    if slot is None:
        ensure(not hides_missing(p))  # not there answers as not yours, but to the owner
        raise errors.SlotNotFound(field="slotId")
    require_branch_admin(p, slot.branch_id)
    if slot.closed_at is None and slot.lesson_id is None:
        now = cmd.now or utcnow()
        # Conditional, as bookSlot's claim is: of a booking and a closing at once, one wins.
        if await uow.slots.close(slot.id, now):
            slot.closed_at = now
            await uow.commit()
            return slot
        slot = await uow.slots.get(cmd.slot_id) or slot
    if slot.closed_at is None:
        raise errors.SlotBooked(field="slotId")
    return slot


def _lesson_in(slot: AvailabilitySlot, t: LessonType, branch: Branch) -> Lesson:
    """The lesson booking this slot makes (openSlot checks it for clashes before offering the slot)."""
    return Lesson(id=new_id(), branch_id=slot.branch_id, teacher_id=slot.teacher_id, lesson_type=t.code,
                  kind=t.kind, charged_by_default=t.charged_by_default, starts_at=slot.starts_at,
                  ends_at=slot.ends_at, price=slot.price, local_date=slot.starts_at.astimezone(branch.tz).date(),
                  room_id=slot.room_id, published=True)


def _booking_reason(lesson: Lesson) -> ParticipantReason:
    return ParticipantReason.TRIAL if lesson.kind is LessonKind.TRIAL else ParticipantReason.BOOKING


@dataclass(frozen=True)
class BookSlot:
    slot_id: str
    student_id: str
    idempotency_key: str | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class BookPlace:
    lesson_id: str
    student_id: str
    idempotency_key: str | None = None
    now: datetime | None = None


async def replayed_booking(uow: SchedulingUnitOfWork, prior: str) -> Booking:
    """The booking a first request with the same idempotency key made."""
    found = await uow.bookings.get(prior)
    if found is None:
        raise errors.BookingNotFound(field="bookingId")
    return found


async def book_slot(cmd: BookSlot, uow: SchedulingUnitOfWork, p: Principal) -> Booking:
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "bookSlot",
                                            {"t": cmd.slot_id, "s": cmd.student_id})
    if claim.replayed:
        return await replayed_booking(uow, claim.result)
    now = cmd.now or utcnow()
    student = await get_student(uow, cmd.student_id, p)
    slot = await uow.slots.get(cmd.slot_id)
    if slot is None or slot.closed_at is not None or slot.starts_at <= now:
        raise errors.SlotNotFound(field="slotId")
    if p.is_staff:  # families book in any branch; staff book only in the slots of their own branch
        require_branch_admin(p, slot.branch_id)
    branch = await get_branch(uow, slot.branch_id)
    lesson = _lesson_in(slot, await get_lesson_type(uow, slot.lesson_type), branch)
    # The conditional update is the race arbiter: of families booking this slot at once, one gets it.
    if not await uow.slots.claim(slot.id, lesson.id):
        raise errors.SlotTaken(field="slotId")
    await ensure_free(uow, lesson, students=[student.id])
    await ensure_students_free(uow, [student.id], lesson)
    booking = Booking(new_id(), lesson.id, student.id, student.family_id, now)
    reason = _booking_reason(lesson)
    if reason is ParticipantReason.TRIAL:
        await claim_trial(uow, student.family_id, student.id, lesson.id, "recorded", now)
    lesson.add(Participant(student.id, student.family_id, reason,
                           FREE if reason is ParticipantReason.TRIAL else lesson.price, booking.id))
    await uow.lessons.add(lesson)
    await uow.bookings.add(booking)
    for event in schedule_events(lesson):
        uow.publish(event)
    uow.publish(BookingCreated(booking_id=booking.id, lesson_id=lesson.id, student_id=student.id,
                               family_id=student.family_id))
    await uow.idempotency.store(claim, booking.id)
    await uow.commit()
    return booking


async def book_place(cmd: BookPlace, uow: SchedulingUnitOfWork, p: Principal) -> Booking:
    """A place in a group's or trial lesson. The lesson's row lock makes racing bookings take turns, so
    the last place goes to exactly one of them; the others get CAPACITY_EXCEEDED."""
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "bookPlace",
                                            {"t": cmd.lesson_id, "s": cmd.student_id})
    if claim.replayed:
        return await replayed_booking(uow, claim.result)
    now = cmd.now or utcnow()
    student = await get_student(uow, cmd.student_id, p)
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)
    if p.is_staff:
        require_branch_admin(p, lesson.branch_id)
    # A draft (its month not published yet) may still change or go: families book only published lessons.
    if not lesson.bookable or not published_for(p, lesson):
        raise errors.NotBookable(field="lessonId")
    lesson.ensure_open(now)
    if lesson.participant(student.id) is not None:
        raise errors.AlreadyParticipant(field="studentId")
    left = lesson.places_left()
    if left is not None and left <= 0:
        raise errors.CapacityExceeded(field="lessonId")
    await ensure_students_free(uow, [student.id], lesson)
    booking = Booking(new_id(), lesson.id, student.id, student.family_id, now)
    reason = _booking_reason(lesson)
    if reason is ParticipantReason.TRIAL:
        await claim_trial(uow, student.family_id, student.id, lesson.id, "recorded", now)
    part = Participant(student.id, student.family_id, reason,
                       FREE if reason is ParticipantReason.TRIAL else lesson.price, booking.id)
    lesson.add(part)
    await uow.lessons.add_participant(lesson.id, part)
    await uow.bookings.add(booking)
    if lesson.published:
        uow.publish(participant_added(lesson, part))
    uow.publish(BookingCreated(booking_id=booking.id, lesson_id=lesson.id, student_id=student.id,
                               family_id=student.family_id))
    await uow.idempotency.store(claim, booking.id)
    await uow.commit()
    return booking


@dataclass(frozen=True)
class CancelBooking:
    booking_id: str
    now: datetime | None = None


async def cancel_booking(cmd: CancelBooking, uow: SchedulingUnitOfWork, p: Principal) -> Booking:
    """Before the notice window: free — the place and a trial are released, and a lesson the booking made in an
    open slot is cancelled and the slot reopened. Inside it: refused, or — when the branch charges late
    cancellations — the place is released but the charge stays (no participant.removed)."""
    now = cmd.now or utcnow()
    require_authenticated(p)
    booking = await uow.bookings.get(cmd.booking_id)
    if booking is None:
        raise errors.BookingNotFound(field="bookingId")
    # The booking is the argument: its family (or the student) may cancel it, and so may the lesson's branch.
    # Staff only the lesson's branch, as they book only there: the student's branch's admin would change another
    # branch's roster (and cancel a lesson it made in an open slot).
    student = await uow.projections.student(booking.student_id)
    lesson = await uow.lessons.get(booking.lesson_id, lock=True)
    if lesson is None:
        raise errors.LessonNotFound(field="bookingId")
    if p.is_staff or student is None or not can_act_for(p, student):
        require_branch_admin(p, lesson.branch_id)
    branch = await get_branch(uow, lesson.branch_id)
    booking.cancel(now, lesson.starts_at, branch)
    # The booking was read before the lesson's lock: of cancellations at once, the conditional update lets one
    # through; the others find it cancelled (else each released the place and published booking.cancelled).
    if not await uow.bookings.cancel(booking):
        raise errors.BookingAlreadyCancelled(field="bookingId")
    part = lesson.participant(booking.student_id)
    if part is not None and not booking.late and await uow.slots.reopen(lesson.id):
        # The booking made this lesson in an open slot: in time, the lesson goes and the slot opens again.
        lesson.cancel("booking cancelled")
        await uow.lessons.save(lesson)
        uow.publish(lesson_cancelled(lesson))
    elif part is not None:
        await uow.lessons.remove_participant(lesson.id, part.student_id)
        if lesson.published and not booking.late:
            uow.publish(participant_removed(lesson, part))
    if part is not None and part.reason is ParticipantReason.TRIAL and not booking.late:
        # An early-cancelled trial was not used: the family keeps its one free trial.
        await uow.trials.release(booking.family_id, lesson.id)
    uow.publish(BookingCancelled(booking_id=booking.id, lesson_id=lesson.id, student_id=booking.student_id,
                                 family_id=booking.family_id, late=booking.late))
    await uow.commit()
    return booking
