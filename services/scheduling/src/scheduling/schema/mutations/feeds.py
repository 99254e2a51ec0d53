"""Mutations: private calendar feeds."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.schema.mutations.common import run, str_or_none
from scheduling.schema.types import CalendarFeed, CalendarFeedPayload
from scheduling.service import feeds


@strawberry.type
class FeedMutations:
    @strawberry.mutation(description="A private iCalendar URL of a student's or a teacher's lessons.")
    async def issue_calendar_feed(self, info: Info[RequestContext, None], student_id: strawberry.ID | None = None,
                                  teacher_id: strawberry.ID | None = None) -> CalendarFeedPayload:
        r, errors = await run(info, feeds.issue_feed, feeds.IssueFeed(str_or_none(student_id),
                                                                          str_or_none(teacher_id)))
        settings = info.context.runtime.settings
        return CalendarFeedPayload(feed=CalendarFeed(id=strawberry.ID(r.feed_id),
                                                     url=settings.public_link(f"calendar/{r.token}.ics"))
                                   if r else None, errors=errors)

    @strawberry.mutation(description="Revoke a calendar feed: its URL stops working at once.")
    async def revoke_calendar_feed(self, info: Info[RequestContext, None], feed_id: strawberry.ID
                                   ) -> CalendarFeedPayload:
        r, errors = await run(info, feeds.revoke_feed, feeds.RevokeFeed(str(feed_id)))
        return CalendarFeedPayload(feed=CalendarFeed(id=strawberry.ID(r), url=None) if r else None, errors=errors)
