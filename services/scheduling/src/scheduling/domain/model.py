"""Scheduling's domain: catalogue, groups and memberships, lessons and their participants, bookings, trials.

Plain dataclasses and rules; no framework imports. Times are aware UTC datetimes; a lesson's local date
(in its branch's time zone) is what memberships and month boundaries are measured in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kabinet.money import DEFAULT_CURRENCY, Money
from scheduling.domain import errors


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Every instant in the domain is aware UTC; a time without an offset is refused, not guessed."""
    if value.tzinfo is None:
        raise errors.InvalidTimeRange("Times need a UTC offset.", field="startsAt")
    return value.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise errors.InvalidTimeZone(field="timeZone") from exc


# -- catalogue ------------------------------------------------------------------------------------
class LessonKind(StrEnum):
    """How a lesson's roster works; built-in types have their own kind, custom ones pick one."""

    INDIVIDUAL = "individual"  # exactly one student
    GROUP = "group"  # a group's members for the lesson's date
    TRIAL = "trial"  # any number of students, no fixed roster
    MAKEUP = "makeup"  # students making up a missed lesson


class ParticipantReason(StrEnum):
    MEMBER = "member"
    MAKEUP = "makeup"
    TRIAL = "trial"
    BOOKING = "booking"


@dataclass(frozen=True)
class LessonType:
    code: str  # individual|group|trial|makeup or a custom slug; billing keys subscriptions on it
    name: str
    kind: LessonKind
    charged_by_default: bool
    builtin: bool = False


BUILTIN_TYPES: tuple[LessonType, ...] = (
    LessonType("individual", "Individual", LessonKind.INDIVIDUAL, True, True),
    LessonType("group", "Group", LessonKind.GROUP, True, True),
    LessonType("trial", "Trial", LessonKind.TRIAL, False, True),
    LessonType("makeup", "Make-up", LessonKind.MAKEUP, False, True),
)

_SLUG = re.compile(r"[^a-z0-9]+")


def custom_type(name: str, kind: LessonKind, charged_by_default: bool, code: str | None = None) -> LessonType:
    """A school's own lesson type (R-SCH-2): a name, a roster kind, charged or not by default."""
    clean = name.strip()
    if not clean:
        raise errors.InvalidName(field="name")
    slug = _SLUG.sub("-", (code or clean).lower()).strip("-")
    if not slug or slug in {t.code for t in BUILTIN_TYPES}:
        raise errors.LessonTypeExists(field="code")
    return LessonType(slug[:60], clean, kind, charged_by_default)


@dataclass(frozen=True)
class Branch:
    """Identity's branch as scheduling needs it, plus the branch's booking policy (owned here)."""

    id: str
    name: str
    time_zone: str
    cancel_notice_hours: int = 24
    late_cancellation: str = "refuse"  # refuse | charge

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.time_zone)

    def free_cancellation_until(self, lesson_starts_at: datetime) -> datetime:
        return lesson_starts_at - timedelta(hours=self.cancel_notice_hours)


def cancellable_until(lesson_starts_at: datetime, branch: Branch) -> datetime:
    """The last moment a family may cancel a booking: the notice window's start when late cancellations are
    refused, else the lesson's start (a late cancellation is then allowed and charged)."""
    if branch.late_cancellation == "charge":
        return lesson_starts_at
    return branch.free_cancellation_until(lesson_starts_at)


@dataclass(frozen=True)
class Room:
    id: str
    branch_id: str
    name: str
    capacity: int | None = None


@dataclass(frozen=True)
class Course:
    id: str
    name: str


def check_name(name: str, field_name: str = "name") -> str:
    clean = name.strip()
    if not clean:
        raise errors.InvalidName(field=field_name)
    return clean


def check_price(amount: Decimal, field_name: str = "price") -> Money:
    if amount < 0:
        raise errors.InvalidPrice(field=field_name)
    return Money(amount)


def check_capacity(capacity: int | None, field_name: str = "capacity") -> int | None:
    if capacity is not None and capacity < 1:
        raise errors.InvalidCapacity(field=field_name)
    return capacity


@dataclass
class Group:
    id: str
    branch_id: str
    course_id: str | None
    teacher_id: str
    room_id: str | None
    name: str
    capacity: int
    price: Money


@dataclass
class Membership:
    """A student's membership of a group for a period of local dates, both ends included (R-SCH-4)."""

    id: str
    group_id: str
    student_id: str
    family_id: str
    starts_on: date
    ends_on: date | None = None
    transferred_to: str | None = None  # the membership that continues it in another group
    reason: ParticipantReason = ParticipantReason.MEMBER  # makeup: a one-day membership making up a lesson

    def __post_init__(self) -> None:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise errors.InvalidPeriod(field="to")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, starts_on: date, ends_on: date | None) -> bool:
        return (ends_on is None or self.starts_on <= ends_on) and (self.ends_on is None or starts_on <= self.ends_on)

    def end(self, last_day: date) -> None:
        if last_day < self.starts_on:
            raise errors.InvalidPeriod(field="to")
        self.ends_on = last_day if self.ends_on is None else min(self.ends_on, last_day)


# -- lessons --------------------------------------------------------------------------------------
class LessonStatus(StrEnum):
    """What happened to a lesson: scheduled (still to come, or its sheet not saved yet), conducted (its sheet was
    saved in learning), missed (no sheet within the branch's limit), cancelled. Only cancelled ones are gone."""

    SCHEDULED = "scheduled"
    CONDUCTED = "conducted"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass
class Participant:
    student_id: str
    family_id: str
    reason: ParticipantReason
    price: Money
    booking_id: str | None = None


@dataclass
class Lesson:
    id: str
    branch_id: str
    teacher_id: str
    lesson_type: str
    kind: LessonKind
    charged_by_default: bool
    starts_at: datetime
    ends_at: datetime
    price: Money
    local_date: date  # the occurrence's date in the branch's zone (kept when the lesson moves)
    group_id: str | None = None
    course_id: str | None = None
    room_id: str | None = None
    capacity: int | None = None
    rule_id: str | None = None
    parallel_of: str | None = None  # a parallel make-up lesson shares the teacher of this one
    status: LessonStatus = LessonStatus.SCHEDULED
    published: bool = False
    bookable: bool = False  # families may book places in it
    cancel_reason: str | None = None
    participants: list[Participant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts_at, self.ends_at = as_utc(self.starts_at), as_utc(self.ends_at)
        if self.ends_at <= self.starts_at:
            raise errors.InvalidTimeRange(field="endsAt")

    @property
    def active(self) -> bool:
        """Not cancelled: it holds its teacher, room and students, whether still to come or past."""
        return self.status is not LessonStatus.CANCELLED

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.active and self.starts_at < ends_at and starts_at < self.ends_at

    def participant(self, student_id: str) -> Participant | None:
        return next((p for p in self.participants if p.student_id == student_id), None)

    def places_left(self) -> int | None:
        if self.kind is LessonKind.INDIVIDUAL:
            return 1 - len(self.participants)
        if self.capacity is None:
            return None
        return self.capacity - len(self.participants)

    def ensure_open(self, now: datetime) -> None:
        if not self.active:
            raise errors.LessonCancelled(field="lessonId")
        if self.starts_at <= now:
            raise errors.LessonInPast(field="lessonId")

    def add(self, p: Participant) -> None:
        """Add a participant, enforcing the roster rules of the lesson's kind and its capacity."""
        if self.participant(p.student_id) is not None:
            raise errors.AlreadyParticipant(field="studentId")
        left = self.places_left()
        if left is not None and left <= 0:
            raise errors.CapacityExceeded(
                f"No places are left in this lesson (capacity {self.capacity or 1}).", field="lessonId")
        self.participants.append(p)

    def remove(self, student_id: str) -> Participant:
        p = self.participant(student_id)
        if p is None:
            raise errors.NotAParticipant(field="studentId")
        self.participants.remove(p)
        return p

    def move(self, starts_at: datetime, ends_at: datetime, teacher_id: str | None = None,
             room_id: str | None = None, *, clear_room: bool = False) -> None:
        starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
        if ends_at <= starts_at:
            raise errors.InvalidTimeRange(field="endsAt")
        self.starts_at, self.ends_at = starts_at, ends_at
        if teacher_id:
            self.teacher_id = teacher_id
        if room_id or clear_room:
            self.room_id = room_id

    def cancel(self, reason: str) -> None:
        if not self.active:
            raise errors.LessonCancelled(field="lessonId")
        self.status = LessonStatus.CANCELLED
        self.cancel_reason = reason


def check_no_clash(candidate: Lesson, others: Iterable[Lesson], tz: ZoneInfo | None = None,
                   names: Mapping[str, str] | None = None, slots: Iterable[AvailabilitySlot] = ()) -> None:
    """Refuse a lesson whose teacher or room is busy elsewhere at the same time, naming the clash: another
    lesson, or an open (unbooked) slot — families are offered that time, so the admin closes the slot first.

    A parallel make-up lesson runs beside its original with the same teacher, so that pair is exempt.
    """
    for other in others:
        if other.id == candidate.id or not other.overlaps(candidate.starts_at, candidate.ends_at):
            continue
        when, what = describe_time(other, tz), lesson_label(other, names)
        parallel = candidate.parallel_of == other.id or other.parallel_of == candidate.id or (
            candidate.parallel_of is not None and candidate.parallel_of == other.parallel_of)
        if other.teacher_id == candidate.teacher_id and not parallel:
            raise errors.TeacherConflict(
                f"The teacher already has {what} at {when}.", field="teacherId")
        if candidate.room_id is not None and other.room_id == candidate.room_id:
            raise errors.RoomConflict(f"The room is taken by {what} at {when}.", field="roomId")
    for slot in slots:
        if slot.id == candidate.id or not slot.holds(candidate.starts_at, candidate.ends_at):
            continue
        what = f"an open slot ({slot.id}) at {describe_window(slot.starts_at, slot.ends_at, tz)}; close it first"
        if slot.teacher_id == candidate.teacher_id:
            raise errors.SlotConflict(f"The teacher has {what}.", field="teacherId")
        if candidate.room_id is not None and slot.room_id == candidate.room_id:
            raise errors.SlotConflict(f"The room is held by {what}.", field="roomId")


def check_student_free(student_id: str, starts_at: datetime, ends_at: datetime, busy: Iterable[Lesson],
                       except_lesson: str | None = None, tz: ZoneInfo | None = None,
                       names: Mapping[str, str] | None = None) -> None:
    for other in busy:
        if other.id != except_lesson and other.overlaps(starts_at, ends_at):
            raise errors.StudentConflict(
                f"The student already has {lesson_label(other, names)} at {describe_time(other, tz)}.",
                field="studentId")


def describe_time(lesson: Lesson, tz: ZoneInfo | None) -> str:
    """The lesson's time as the branch sees it, with the zone named (a school spans several)."""
    return describe_window(lesson.starts_at, lesson.ends_at, tz)


def describe_window(starts_at: datetime, ends_at: datetime, tz: ZoneInfo | None) -> str:
    start = starts_at.astimezone(tz) if tz else starts_at
    end = ends_at.astimezone(tz) if tz else ends_at
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({tz.key if tz else 'UTC'})"


def lesson_label(lesson: Lesson, names: Mapping[str, str] | None) -> str:
    """How a person names a lesson (its group, course and teacher, see LessonRepository.labels)."""
    return (names or {}).get(lesson.id) or a_lesson(lesson.lesson_type)


def a_lesson(lesson_type: str) -> str:
    return f"{'an' if lesson_type[:1].lower() in 'aeiou' else 'a'} {lesson_type} lesson"


def parallel_makeup(original: Lesson, makeup_type: LessonType) -> Lesson:
    """R-SCH-5: a make-up lesson at the same time with the same teacher, in no room."""
    return replace(original, id=new_id(), lesson_type=makeup_type.code, kind=LessonKind.MAKEUP,
                   charged_by_default=makeup_type.charged_by_default, room_id=None, group_id=None,
                   capacity=None, rule_id=None, parallel_of=original.id, published=True, bookable=False,
                   participants=[])


# -- trials and bookings -------------------------------------------------------------------------
@dataclass(frozen=True)
class Trial:
    """The one free trial of a family (R-SCH-6)."""

    family_id: str
    student_id: str
    lesson_id: str | None
    source: str  # recorded | attendance
    used_at: datetime


class BookingStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


@dataclass
class Booking:
    id: str
    lesson_id: str
    student_id: str
    family_id: str
    created_at: datetime
    status: BookingStatus = BookingStatus.ACTIVE
    late: bool = False
    cancelled_at: datetime | None = None

    def cancel(self, now: datetime, lesson_starts_at: datetime, branch: Branch) -> None:
        """Before the branch's notice window: free. Later: refused, or allowed and marked late (charged)."""
        if self.status is BookingStatus.CANCELLED:
            raise errors.BookingAlreadyCancelled(field="bookingId")
        late = now > branch.free_cancellation_until(lesson_starts_at)
        if late and branch.late_cancellation != "charge":
            raise errors.LateCancellationRefused(
                f"Bookings can be cancelled up to {branch.cancel_notice_hours} h before the lesson; "
                "contact the branch.", field="bookingId")
        self.status, self.late, self.cancelled_at = BookingStatus.CANCELLED, late, now


@dataclass
class AvailabilitySlot:
    """A window the branch opened in a teacher's week where a family may book an individual or trial lesson."""

    id: str
    branch_id: str
    teacher_id: str
    lesson_type: str
    starts_at: datetime
    ends_at: datetime
    price: Money
    room_id: str | None = None
    lesson_id: str | None = None  # set once booked
    closed_at: datetime | None = None  # closed by the branch: no longer offered, never booked again

    def __post_init__(self) -> None:
        self.starts_at, self.ends_at = as_utc(self.starts_at), as_utc(self.ends_at)
        if self.ends_at <= self.starts_at:
            raise errors.InvalidTimeRange(field="endsAt")

    @property
    def open(self) -> bool:
        """Offered to families: neither booked (its lesson then holds the time) nor closed."""
        return self.lesson_id is None and self.closed_at is None

    def holds(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether this open slot keeps [starts_at, ends_at) for the family who may book it."""
        return self.open and self.starts_at < ends_at and starts_at < self.ends_at


def money(amount: Decimal | str, currency: str = DEFAULT_CURRENCY) -> Money:
    return Money(Decimal(str(amount)), currency)


# -- other services' data, as scheduling keeps it (projections of identity's events) ---------------
@dataclass(frozen=True)
class StudentRef:
    id: str
    family_id: str
    branch_id: str | None
    first_name: str
    last_name: str
    erased: bool = False


@dataclass(frozen=True)
class StaffRef:
    id: str
    role: str
    branch_ids: tuple[str, ...]
    first_name: str
    last_name: str


# -- calendar feeds -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarFeed:
    """A private iCalendar feed: whose lessons (a student's or a teacher's), and whether it was revoked."""

    id: str
    owner_kind: str  # student | teacher
    owner_id: str
    revoked: bool
