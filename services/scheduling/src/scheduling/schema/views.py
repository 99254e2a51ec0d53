"""Lesson lists and calendars shared by the root queries and the entity fields."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from kabinet.errors import KabinetError
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import PageInfo
from scheduling.adapters.repositories import LessonFilter, LessonRepository, StudentRef, encode_cursor
from scheduling.domain.model import Lesson as LessonModel
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


# student, from, to, page size, the student as identity gave it (until scheduling has projected it)
StudentPageKey = tuple[str, dt.datetime, dt.datetime, int, StudentRef | None]


def _connection(page: list[LessonModel], first: int, total: int) -> LessonConnection:
    edges = [LessonEdge(cursor=encode_cursor(x.starts_at, x.id), node=Lesson.from_model(x)) for x in page[:first]]
    return LessonConnection(edges=edges, page_info=PageInfo(has_next_page=len(page) > first,
                                                            end_cursor=edges[-1].cursor if edges else None),
                            total_count=total)


def student_pages_loader(ctx: RequestContext) -> DataLoader[StudentPageKey, LessonConnection]:
    """The first page of each child's lessons for a whole family at once: each child's access is checked as
    `lesson_page` checks it, then one statement reads every page and count (not two per child)."""

    async def load(keys: Sequence[StudentPageKey]) -> list[LessonConnection | BaseException]:
        out: dict[StudentPageKey, LessonConnection | BaseException] = {}
        batches: dict[tuple[int, str], list[tuple[StudentPageKey, LessonFilter]]] = defaultdict(list)
        async with ctx.reads() as s:
            for key in keys:
                student_id, from_, to, first, owner = key
                try:
                    f = await authorised_filter(s, ctx.principal, LessonQuery(from_, to, student_id=student_id,
                                                                              student_owner=owner))
                except KabinetError as exc:  # refused for this child only, as the unbatched page would be
                    out[key] = exc
                    continue
                batches[(first, repr(replace(f, student_id=None)))].append((key, f))
            for (first, _), items in batches.items():
                pages = await LessonRepository(s).pages_of_students(items[0][1], [k[0] for k, _ in items], first + 1)
                for key, _ in items:
                    page, total = pages[key[0]]
                    out[key] = _connection(page, first, total)
        return [out[k] for k in keys]

    return DataLoader(load_fn=load)


async def student_lesson_page(info: Info[RequestContext, None], student_id: str, from_: dt.datetime,
                              to: dt.datetime, first: int, after: str | None, owner: StudentRef | None = None
                              ) -> LessonConnection:
    """A child's lessons: batched per request when it is a first page (the family cabinet asks for each child)."""
    if after:
        return await lesson_page(info, LessonQuery(from_, to, student_id=student_id, student_owner=owner),
                                 first, after)
    first = max(1, min(first, MAX_PAGE))
    result: LessonConnection = await info.context.loader("student_lesson_pages", student_pages_loader).load(
        (student_id, from_, to, first, owner))
    return result


async def lesson_calendar(info: Info[RequestContext, None], q: LessonQuery, time_zone: str) -> list[CalendarDay]:
    tz = zone(time_zone)
    async with info.context.reads() as s:
        f = await authorised_filter(s, info.context.principal, q)
        found, _, _ = await list_lessons(s, f, 5000, None)
    return [CalendarDay(date=day, lessons=[Lesson.from_model(x) for x in xs]) for day, xs in by_day(found, tz)]


__all__ = ["lesson_calendar", "lesson_page", "strawberry", "student_lesson_page"]
