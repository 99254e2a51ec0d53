"""Regular lessons: an iCalendar RRULE in the branch's wall-clock time, expanded DST-safely (R-SCH-1, R-SCH-3).

The rule is expanded on naive local date-times (so "Mon 17:00" stays 17:00 across a DST change) and each
occurrence is then placed in the branch's zone and converted to UTC. A wall time that does not exist on a
spring-forward day is moved forward by the gap, as calendar apps do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

from kabinet.money import Money
from scheduling.domain import errors

_FORBIDDEN_PARTS = ("DTSTART", "UNTIL=", "TZID")


@dataclass
class RecurringRule:
    id: str
    branch_id: str
    teacher_id: str
    lesson_type: str
    rrule: str  # e.g. "FREQ=WEEKLY;BYDAY=MO,WE"
    start_time: time  # local wall-clock time in the branch's zone
    duration_min: int
    price: Money
    valid_from: date
    valid_until: date | None = None
    group_id: str | None = None
    course_id: str | None = None
    room_id: str | None = None
    capacity: int | None = None
    skip_dates: list[date] = field(default_factory=list)  # holidays and other exceptions

    def __post_init__(self) -> None:
        if self.duration_min <= 0 or self.duration_min > 24 * 60:
            raise errors.InvalidTimeRange("A lesson lasts between 1 minute and 24 hours.", field="durationMinutes")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise errors.InvalidPeriod("The rule must end on or after the day it starts.", field="validUntil")
        self.rrule = normalise_rrule(self.rrule)

    def _rule(self) -> RRule:
        start = datetime.combine(self.valid_from, self.start_time)
        parsed = rrulestr(self.rrule, dtstart=start)
        assert isinstance(parsed, RRule)
        return parsed

    def occurrences(self, first_day: date, last_day: date, tz: ZoneInfo) -> Iterator[tuple[date, datetime, datetime]]:
        """(local date, starts_at UTC, ends_at UTC) for every occurrence on local days first_day..last_day."""
        lo = max(first_day, self.valid_from)
        hi = last_day if self.valid_until is None else min(last_day, self.valid_until)
        if hi < lo:
            return
        skip = set(self.skip_dates)
        window_start = datetime.combine(lo, time.min)
        window_end = datetime.combine(hi, time.max)
        for naive in self._rule().between(window_start, window_end, inc=True):
            if naive.date() in skip:
                continue
            starts = to_utc(naive, tz)
            yield naive.date(), starts, starts + timedelta(minutes=self.duration_min)


def to_utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    """PEP 495 fold=0: a wall time in a spring-forward gap takes the offset from before the change, which lands
    it the gap's length later (02:30 -> 03:30); an ambiguous fall-back time is its first occurrence."""
    return naive_local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def normalise_rrule(text: str) -> str:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    upper = body.upper()
    if not body or any(part in upper for part in _FORBIDDEN_PARTS) or "FREQ=" not in upper:
        # The start and the end of a rule are its validFrom/validUntil fields, in the branch's zone.
        raise errors.InvalidRecurrence(field="rrule")
    try:
        rrulestr(body, dtstart=datetime(2000, 1, 3, 12, 0))
    except (ValueError, TypeError) as exc:
        raise errors.InvalidRecurrence(field="rrule") from exc
    return upper


def month_bounds(month: str) -> tuple[date, date]:
    """'2027-03' -> (2027-03-01, 2027-03-31)."""
    try:
        year_s, month_s = month.split("-")
        first = date(int(year_s), int(month_s), 1)
    except ValueError as exc:
        raise errors.InvalidMonth(field="month") from exc
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def local_day_bounds_utc(first_day: date, last_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants bounding local days first_day..last_day in the zone."""
    return (to_utc(datetime.combine(first_day, time.min), tz),
            to_utc(datetime.combine(last_day + timedelta(days=1), time.min), tz))


def price_of(amount: Decimal) -> Money:
    if amount < 0:
        raise errors.InvalidPrice(field="price")
    return Money(amount)
