"""Read side: which lessons a caller may list, for a student, family, teacher, group or branch (R-SCH-8/9)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.errors import InvalidInput
from scheduling.adapters.repositories import (
    GroupRepository,
    LessonFilter,
    LessonRepository,
    ProjectionRepository,
    StudentRef,
)
from scheduling.domain import errors
from scheduling.domain.model import Lesson
from scheduling.service.access import can_see_student, managed_branches

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


async def authorised_filter(session: AsyncSession, p: Principal, q: LessonQuery) -> LessonFilter:
    """Turn a request into a filter the caller may see; asking for someone else's lessons is FORBIDDEN."""
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
                     branch_ids=[q.branch_id] if q.branch_id else None)
    lessons = LessonRepository(session)
    if q.student_id:
        student = await ProjectionRepository(session).student(q.student_id) or q.student_owner
        ensure(student is not None and await can_see_student(p, student, lessons))
    if q.family_id:
        ensure(p.role is Role.OWNER or (p.role in (Role.GUARDIAN, Role.STUDENT) and p.family_id == q.family_id)
               or p.role is Role.BRANCH_ADMIN)
    if q.teacher_id:
        ensure(p.role in (Role.OWNER, Role.BRANCH_ADMIN) or (p.role is Role.TEACHER and p.staff_id == q.teacher_id))
    if q.group_id:
        group = await GroupRepository(session).get(q.group_id)
        ensure(group is not None and (p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and group.branch_id
               in p.branch_ids) or (p.role is Role.TEACHER and group.teacher_id == p.staff_id)))
    if q.branch_id:
        ensure(p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and q.branch_id in p.branch_ids))
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


async def list_lessons(session: AsyncSession, f: LessonFilter, first: int, after: str | None
                       ) -> tuple[list[Lesson], bool, int]:
    """(page, has next page, total count)."""
    repo = LessonRepository(session)
    page = await repo.find(f, first=first + 1, after=after)
    return page[:first], len(page) > first, await repo.count(f)


def by_day(found: list[Lesson], tz: ZoneInfo) -> list[tuple[date, list[Lesson]]]:
    days: dict[date, list[Lesson]] = defaultdict(list)
    for x in found:
        days[x.starts_at.astimezone(tz).date()].append(x)
    return sorted(days.items())
