"""Lesson lists and calendars shared by the root queries and the entity fields."""

from __future__ import annotations

import datetime as dt

from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import PageInfo
from scheduling.domain.model import StudentRef, zone
from scheduling.schema.context import loaders, reads
from scheduling.schema.types import CalendarDay, Lesson, LessonConnection, LessonEdge
from scheduling.service.views import LessonPage, LessonQuery, authorised_filter, by_day, encode_cursor, list_lessons

MAX_PAGE = 500


def connection(page: LessonPage) -> LessonConnection:
    edges = [LessonEdge(cursor=encode_cursor(x.starts_at, x.id), node=Lesson.from_model(x)) for x in page.lessons]
    return LessonConnection(edges=edges, page_info=PageInfo(has_next_page=page.has_next_page,
                                                            end_cursor=edges[-1].cursor if edges else None),
                            total_count=page.total_count)


async def lesson_page(info: Info[RequestContext, None], q: LessonQuery, first: int, after: str | None
                      ) -> LessonConnection:
    first = max(1, min(first, MAX_PAGE))
    r = reads(info)
    f = await authorised_filter(q, r, info.context.principal)
    return connection(await list_lessons(f, r, first, after))


async def student_lesson_page(info: Info[RequestContext, None], student_id: str, from_: dt.datetime,
                              to: dt.datetime, first: int, after: str | None, owner: StudentRef | None = None
                              ) -> LessonConnection:
    """A child's lessons: batched per request when it is a first page (the family cabinet asks for each child)."""
    if after:
        return await lesson_page(info, LessonQuery(from_, to, student_id=student_id, student_owner=owner),
                                 first, after)
    first = max(1, min(first, MAX_PAGE))
    return connection(await loaders(info).student_lesson_pages.load((student_id, from_, to, first, owner)))


async def lesson_calendar(info: Info[RequestContext, None], q: LessonQuery, time_zone: str) -> list[CalendarDay]:
    tz = zone(time_zone)
    r = reads(info)
    f = await authorised_filter(q, r, info.context.principal)
    found = (await list_lessons(f, r, 5000, None)).lessons
    return [CalendarDay(date=day, lessons=[Lesson.from_model(x) for x in xs]) for day, xs in by_day(found, tz)]
