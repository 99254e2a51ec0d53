"""Read side: which lessons a caller may list, for a student, family, teacher, group or branch (R-SCH-8/9)."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.errors import InvalidInput
from scheduling.domain import errors
from scheduling.domain.access import managed_branches, may_list_lessons_of, sees_drafts
from scheduling.domain.model import Lesson, StudentRef
from scheduling.service.common import sees_student
from scheduling.service.unit_of_work import LessonFilter, SchedulingReads

MAX_RANGE = timedelta(days=400)


@dataclass(frozen=True)
class LessonQuery:
    starts_from: datetime
    starts_before: datetime
    student_id: str | None = None
    family_id: str | None = None
    teacher_id: str | None = None
    group_id: str | None = None
    branch_id: str | None = None
    # The student as identity gave it through the gateway: used only while scheduling has not projected it yet.
    student_owner: StudentRef | None = None


StudentLookup = Callable[[str], Awaitable[StudentRef | None]]


async def authorised_filter(q: LessonQuery, reads: SchedulingReads, p: Principal, *,
                            student_of: StudentLookup | None = None) -> LessonFilter:
    """Turn a request into a filter the caller may see; asking for someone else's lessons is FORBIDDEN.
    ``student_of`` reads the student's projection (default ``reads.student``; a request's batching loader
    shares the row with the other fields that check the same student)."""
    require_authenticated(p)
    if q.starts_before <= q.starts_from:
        raise errors.InvalidTimeRange(field="to")
    if q.starts_before - q.starts_from > MAX_RANGE:
        raise InvalidInput("A view spans at most 400 days.", field="to")
    if q.starts_from.tzinfo is None or q.starts_before.tzinfo is None:
        raise InvalidInput("Times need a UTC offset.", field="from")
    f = LessonFilter(starts_from=q.starts_from.astimezone(UTC), starts_before=q.starts_before.astimezone(UTC),
                     student_id=q.student_id,
                     family_id=q.family_id, teacher_id=q.teacher_id, group_id=q.group_id,
                     branch_ids=[q.branch_id] if q.branch_id else None,
                     published_only=not sees_drafts(p))
    if q.student_id:
        student = await (student_of or reads.student)(q.student_id) or q.student_owner
        ensure(student is not None and await sees_student(p, student, reads))
    group = await reads.group(q.group_id) if q.group_id else None
    ensure(q.group_id is None or group is not None)
    ensure(may_list_lessons_of(p, family_id=q.family_id or None, teacher_id=q.teacher_id or None, group=group,
                               branch_id=q.branch_id or None))
    # Whatever was asked, the result is narrowed to what the role may see at all.
    match p.role:
        case Role.OWNER:
            return f
        case Role.BRANCH_ADMIN:
            mine = managed_branches(p) or []
            return replace(f, branch_ids=[b for b in (f.branch_ids or mine) if b in mine])
        case Role.TEACHER:
            return replace(f, teacher_id=p.staff_id or "-")  # a teacher sees their own lessons only
        case Role.GUARDIAN:
            return f if q.student_id else replace(f, family_id=p.family_id or "-")
        case Role.STUDENT:
            if q.student_id:
                return f
            ensure(len(p.student_ids) == 1)
            return replace(f, student_id=next(iter(p.student_ids)))
        case _:
            ensure(False)
            return f


@dataclass(frozen=True)
class LessonPage:
    lessons: list[Lesson]
    has_next_page: bool
    total_count: int


async def list_lessons(f: LessonFilter, reads: SchedulingReads, first: int, after: str | None) -> LessonPage:
    page, total = await reads.lesson_page(f, first=first + 1, after=after)
    return LessonPage(page[:first], len(page) > first, total)


def encode_cursor(starts_at: datetime, lesson_id: str) -> str:
    return base64.urlsafe_b64encode(f"{starts_at.isoformat()}|{lesson_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    try:
        at, lid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), lid
    except (ValueError, UnicodeDecodeError):
        return None


def by_day(found: list[Lesson], tz: ZoneInfo) -> list[tuple[date, list[Lesson]]]:
    days: dict[date, list[Lesson]] = defaultdict(list)
    for x in found:
        days[x.starts_at.astimezone(tz).date()].append(x)
    return sorted(days.items())
