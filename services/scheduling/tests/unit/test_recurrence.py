"""Recurrence: wall-clock times across DST, gaps, holidays, month bounds (no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kabinet.money import Money
from scheduling.domain import errors
from scheduling.domain.recurrence import RecurringRule, month_bounds, normalise_rrule, to_utc


def rule(rrule: str = "FREQ=WEEKLY;BYDAY=MO,WE", start: time = time(17), **kw: object) -> RecurringRule:
    return RecurringRule(id="r", branch_id="b", teacher_id="t", lesson_type="group", rrule=rrule, start_time=start,
                         duration_min=90, price=Money(Decimal(1000)), valid_from=kw.pop("valid_from", date(2027, 3, 1)),  # type: ignore[arg-type]
                         **kw)  # type: ignore[arg-type]


def test_wall_clock_time_is_kept_across_the_dst_change() -> None:
    tz = ZoneInfo("Europe/Berlin")
    got = list(rule().occurrences(*month_bounds("2027-03"), tz))
    assert len(got) == 10
    assert {s.astimezone(tz).time() for _, s, _ in got} == {time(17)}
    before = [s for d, s, _ in got if d < date(2027, 3, 28)]
    after = [s for d, s, _ in got if d > date(2027, 3, 28)]
    assert {s.hour for s in before} == {16} and {s.hour for s in after} == {15}
    assert all((e - s).total_seconds() == 5400 for _, s, e in got)


def test_a_zone_without_dst_has_one_utc_time() -> None:
    got = list(rule().occurrences(*month_bounds("2027-03"), ZoneInfo("Asia/Novosibirsk")))
    assert {s.hour for _, s, _ in got} == {10}


def test_a_time_in_the_spring_forward_gap_moves_forward() -> None:
    tz = ZoneInfo("Europe/Berlin")
    assert to_utc(datetime(2027, 3, 28, 2, 30), tz) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # = 03:30 CEST
    assert to_utc(datetime(2027, 3, 27, 2, 30), tz) == datetime(2027, 3, 27, 1, 30, tzinfo=UTC)  # = 02:30 CET


def test_skip_dates_validity_and_month_bounds() -> None:
    r = rule(skip_dates=[date(2027, 3, 8)], valid_from=date(2027, 3, 5), valid_until=date(2027, 3, 20))
    days = [d for d, _, _ in r.occurrences(*month_bounds("2027-03"), ZoneInfo("Europe/Moscow"))]
    assert days == [date(2027, 3, 10), date(2027, 3, 15), date(2027, 3, 17)]
    assert month_bounds("2027-12") == (date(2027, 12, 1), date(2027, 12, 31))
    assert month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    with pytest.raises(errors.InvalidMonth):
        month_bounds("March")


@pytest.mark.parametrize("bad", ["", "BYDAY=MO", "FREQ=NEVER", "FREQ=WEEKLY;UNTIL=20270101T000000Z",
                                 "DTSTART:20270101T000000\nRRULE:FREQ=DAILY"])
def test_bad_rules_are_refused(bad: str) -> None:
    with pytest.raises(errors.InvalidRecurrence):
        normalise_rrule(bad)


def test_rule_accepts_the_rrule_prefix_and_normalises() -> None:
    assert normalise_rrule("RRULE:freq=weekly;byday=mo") == "FREQ=WEEKLY;BYDAY=MO"
