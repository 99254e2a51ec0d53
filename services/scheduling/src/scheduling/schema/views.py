"""Lesson lists and calendars shared by the root queries and the entity fields."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import PageInfo
from scheduling.adapters.repositories import encode_cursor
from scheduling.domain.model import zone
from scheduling.schema.types import CalendarDay, Lesson, LessonConnection, LessonEdge
from scheduling.service.views import LessonQuery, authorised_filter, by_day, list_lessons

MAX_PAGE = 500


async def lesson_page(info: Info[RequestContext, None], q: LessonQuery, first: int, after: str | None
                      ) -> LessonConnection:
    first = max(1, min(first, MAX_PAGE))
    async with info.context.reads() as s:
        f = await authorised_filter(s, info.context.principal, q)
        page, more, total = await list_lessons(s, f, first, after)
    edges = [LessonEdge(cursor=encode_cursor(x.starts_at, x.id), node=Lesson.from_model(x)) for x in page]
    return LessonConnection(edges=edges, page_info=PageInfo(has_next_page=more,
                                                            end_cursor=edges[-1].cursor if edges else None),
                            total_count=total)


async def lesson_calendar(info: Info[RequestContext, None], q: LessonQuery, time_zone: str) -> list[CalendarDay]:
    tz = zone(time_zone)
    async with info.context.reads() as s:
        f = await authorised_filter(s, info.context.principal, q)
        found, _, _ = await list_lessons(s, f, 5000, None)
    return [CalendarDay(date=day, lessons=[Lesson.from_model(x) for x in xs]) for day, xs in by_day(found, tz)]


__all__ = ["lesson_calendar", "lesson_page", "strawberry"]
