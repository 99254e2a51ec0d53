"""A student's results for the family cabinet and staff (R-LRN-3, R-CAB-1): past lessons, homework and progress,
computed from the student's lessons as the read model gives them (``StudentLessonResult``), over bounded windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from kabinet.auth.principal import Principal
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from learning.domain.access import LessonScope, family_owns, is_family, staff_scope
from learning.domain.errors import InvalidPeriod
from learning.domain.homework import HomeworkItem, StudentLessonFact, homework_items
from learning.domain.progress import CourseProgress, MarkFact, progress_by_course
from learning.service.unit_of_work import StudentLessonResult, StudentLessonsWindow

# The homework list by default: homework set on the student's lessons of the last 60 days. A homework is due
# at the student's next lesson of its series: lessons up to DUE_HORIZON after the window are read to find it.
HOMEWORK_WINDOW = timedelta(days=60)
DUE_HORIZON = timedelta(days=35)


def reader_scope(p: Principal) -> LessonScope | None:
    """Whose lessons of a student the caller reads: None = all of them (the family, once checked), else the staff
    member's own."""
    return None if is_family(p) else staff_scope(p)


def check_student_reader(p: Principal, student_id: str, family_id: str | None) -> None:
    """A family reads only its own children; staff read (their own lessons of) any student."""
    require_authenticated(p)
    if is_family(p):
        if not family_owns(p, student_id, family_id):
            raise Forbidden()
    elif not p.is_staff:
        raise Forbidden()


def past_window(now: datetime, first: int, before: tuple[datetime, str] | None) -> StudentLessonsWindow:
    """A page of past lessons: one more than asked, to know whether there is a next page."""
    return StudentLessonsWindow(until=now, before=before, limit=first + 1)


def period(start: datetime | None, end: datetime | None, default: timedelta, now: datetime
           ) -> tuple[datetime, datetime]:
    """[start, end): as asked, else ``default`` long and ending ``now``. InvalidPeriod if it is empty or if a window
    read around it (the period before it for the trend, the due horizon after it for homework) leaves the
    calendar: datetime arithmetic past year 1 or 9999 raises, an internal error otherwise."""
    end = end or now
    try:
        end + DUE_HORIZON
    except OverflowError:
        raise InvalidPeriod("The period ends too late.", field="to") from None
    try:
        start = start or end - default
        start - (end - start)
    except OverflowError:
        raise InvalidPeriod("The period starts too early.", field="from") from None
    if start >= end:
        raise InvalidPeriod(field="from")
    return start, end


def homework_window(start: datetime, end: datetime) -> StudentLessonsWindow:
    return StudentLessonsWindow(since=start, until=end + DUE_HORIZON)


def progress_window(start: datetime, end: datetime) -> StudentLessonsWindow:
    """The period and the one of the same length just before it (for the trend)."""
    return StudentLessonsWindow(since=start - (end - start), until=end)


def homework_of(results: Sequence[StudentLessonResult], start: datetime | None = None,
                end: datetime | None = None) -> list[HomeworkItem]:
    """Homework set on lessons in [start, end), newest first, each due at the next lesson of its series."""
    items = homework_items(StudentLessonFact(r.lesson_id, r.group_id, r.course_id, r.starts_at, r.homework or "",
                                             r.mark.homework_done if r.mark else None) for r in results)
    return [h for h in items if (start is None or h.assigned_at >= start) and (end is None or h.assigned_at < end)]


def progress_of(results: Sequence[StudentLessonResult], start: datetime, end: datetime,
                course_id: str | None = None) -> list[CourseProgress]:
    facts = [MarkFact(r.lesson_id, r.student_id, r.course_id, r.group_id, r.starts_at, r.mark.attendance,
                      r.mark.homework_done, r.mark.grade)
             for r in results if r.mark is not None and (course_id is None or r.course_id == course_id)]
    return progress_by_course(facts, start, end)
