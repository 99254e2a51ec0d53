"""Scheduling's root queries. Every field has an access rule (see schema/permissions.py and its test)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.federation.schema_directives import Cost
from strawberry.types import Info

from kabinet.auth.principal import Role
from kabinet.auth.rules import ensure, hides_missing, require_authenticated
from kabinet.graphql.context import RequestContext
from kabinet.graphql.schema import EXPENSIVE_FIELD_COST
from scheduling.domain.access import can_see_lesson, managed_branches, require_staff_or_owner, works_in_branch
from scheduling.domain.model import as_utc
from scheduling.schema.context import loaders, reads
from scheduling.schema.lesson_pages import lesson_calendar, lesson_page
from scheduling.schema.types import (
    AvailabilitySlot,
    CalendarDay,
    Course,
    Group,
    Lesson,
    LessonConnection,
    LessonType,
    Room,
)
from scheduling.service.unit_of_work import LessonFilter
from scheduling.service.views import LessonQuery

FromArg = Annotated[dt.datetime, strawberry.argument(name="from")]


@strawberry.input(description="Whose lessons to show; at least a time range. Narrowed to what the caller may see.")
class LessonsFilter:
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    student_id: strawberry.ID | None = None
    family_id: strawberry.ID | None = None
    teacher_id: strawberry.ID | None = None
    group_id: strawberry.ID | None = None
    branch_id: strawberry.ID | None = None

    def query(self) -> LessonQuery:
        def s(v: strawberry.ID | None) -> str | None:
            return str(v) if v else None

        return LessonQuery(self.from_, self.to, s(self.student_id), s(self.family_id), s(self.teacher_id),
                           s(self.group_id), s(self.branch_id))


@strawberry.type
class Query:
    @strawberry.field(description="A lesson the caller may see.")
    async def lesson(self, info: Info[RequestContext, None], id: strawberry.ID) -> Lesson | None:
        p = info.context.principal
        require_authenticated(p)
        x = await loaders(info).lesson_by_id.load(str(id))
        # Not there answers as not yours (null for the one told that the other exists); the owner sees all.
        ensure(x is not None or not hides_missing(p))
        if x is None:
            return None
        ensure(can_see_lesson(p, x))
        return Lesson.from_model(x)

    @strawberry.field(description="Lessons as a list, in start order, paginated (R-SCH-8, R-SCH-9).")
    async def lessons(self, info: Info[RequestContext, None], filter: LessonsFilter, first: int = 50,
                      after: str | None = None) -> LessonConnection:
        return await lesson_page(info, filter.query(), first, after)

    @strawberry.field(description="Lessons grouped by day in a time zone, for a calendar view (R-SCH-8).")
    async def lesson_calendar(self, info: Info[RequestContext, None], filter: LessonsFilter,
                              time_zone: str = "UTC") -> list[CalendarDay]:
        return await lesson_calendar(info, filter.query(), time_zone)

    # Computed over the whole window (places left per lesson): weighted so the gateway's cost limit bounds
    # how many a request may ask for (docs/security.md).
    @strawberry.field(description="Group and trial lessons families may book places in.",
                      directives=[Cost(weight=EXPENSIVE_FIELD_COST)])
    async def bookable_lessons(self, info: Info[RequestContext, None], branch_id: strawberry.ID, from_: FromArg,
                               to: dt.datetime) -> list[Lesson]:
        require_authenticated(info.context.principal)
        r = reads(info)
        # Bookable in the query, before its limit: picked from the first 500 of the branch's lessons, the
        # bookable ones after them were never shown. Published only, for staff too: this is what families are
        # offered, and bookPlace refuses them a draft.
        found = await r.find_lessons(LessonFilter(branch_ids=[str(branch_id)], starts_from=as_utc(from_),
                                                  starts_before=as_utc(to), include_cancelled=False,
                                                  bookable_only=True, published_only=True), first=500)
        parts = await r.participants([x.id for x in found])
        for x in found:
            x.participants = parts.get(x.id, [])
        return [Lesson.from_model(x) for x in found if (x.places_left() or 0) != 0]  # bookable: in the query

    @strawberry.field(description="Open slots in teachers' weeks that families may book.",
                      directives=[Cost(weight=EXPENSIVE_FIELD_COST)])
    async def open_slots(self, info: Info[RequestContext, None], branch_id: strawberry.ID, from_: FromArg,
                         to: dt.datetime, teacher_id: strawberry.ID | None = None) -> list[AvailabilitySlot]:
        require_authenticated(info.context.principal)
        found = await reads(info).open_slots([str(branch_id)], str(teacher_id) if teacher_id else None,
                                             as_utc(from_), as_utc(to))
        return [AvailabilitySlot.from_model(x) for x in found]

    @strawberry.field(description="Groups of a branch (its admins, its teachers see their own) or all of the "
                                  "caller's (owner: every group).")
    async def groups(self, info: Info[RequestContext, None], branch_id: strawberry.ID | None = None) -> list[Group]:
        p = info.context.principal
        require_staff_or_owner(p)
        if branch_id is not None:
            ensure(works_in_branch(p, str(branch_id)))
        wanted = [str(branch_id)] if branch_id else managed_branches(p)
        found = await reads(info).list_groups(wanted, p.staff_id or "-" if p.role is Role.TEACHER else None)
        return [Group.from_model(g) for g in found]

    @strawberry.field(description="Rooms of a branch (its staff, the owner).")
    async def rooms(self, info: Info[RequestContext, None], branch_id: strawberry.ID) -> list[Room]:
        p = info.context.principal
        require_staff_or_owner(p)
        ensure(works_in_branch(p, str(branch_id)))
        return [Room.from_model(r) for r in await reads(info).rooms(str(branch_id))]

    @strawberry.field(description="Courses and subjects (anyone signed in).")
    async def courses(self, info: Info[RequestContext, None]) -> list[Course]:
        require_authenticated(info.context.principal)
        return [Course.from_model(c) for c in await reads(info).courses()]

    @strawberry.field(description="Lesson types: built-in and the school's own (anyone signed in).")
    async def lesson_types(self, info: Info[RequestContext, None]) -> list[LessonType]:
        require_authenticated(info.context.principal)
        return [LessonType.from_model(t) for t in await reads(info).lesson_types()]
