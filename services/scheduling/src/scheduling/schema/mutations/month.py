"""Mutations: a month's schedule (generate the lessons from the regular rules, publish them)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.schema.mutations.common import id_or_none, run, str_or_none
from scheduling.schema.types import GenerateMonthPayload, GenerationConflict, PublishMonthPayload
from scheduling.service import generation


@strawberry.type
class MonthMutations:
    @strawberry.mutation(description="Generate a month's lessons (YYYY-MM) from the regular rules; idempotent. "
                                     "skipDates: the branch's holidays (no lesson of any rule on them). An "
                                     "occurrence that clashes is not created and is listed in conflicts; the rest "
                                     "are.")
    async def generate_month(self, info: Info[RequestContext, None], branch_id: strawberry.ID, month: str,
                             group_id: strawberry.ID | None = None, skip_dates: list[dt.date] | None = None
                             ) -> GenerateMonthPayload:
        r, errors = await run(info, generation.generate_month, generation.GenerateMonth(
            str(branch_id), month, str_or_none(group_id), tuple(skip_dates or ())))
        conflicts = [GenerationConflict(local_date=c.local_date, group_id=id_or_none(c.group_id),
                                        rule_id=strawberry.ID(c.rule_id), code=c.error.code, message=c.error.message)
                     for c in (r.conflicts if r else ())]
        return GenerateMonthPayload(created=r.created if r else 0, existing=r.existing if r else 0, errors=errors,
                                    conflicts=conflicts)

    @strawberry.mutation(description="Publish a month's generated lessons: one event per lesson with participants "
                                     "and prices, which billing charges from.")
    async def publish_month(self, info: Info[RequestContext, None], branch_id: strawberry.ID, month: str,
                            group_id: strawberry.ID | None = None) -> PublishMonthPayload:
        r, errors = await run(info, generation.publish_month, generation.PublishMonth(
            str(branch_id), month, str_or_none(group_id)))
        return PublishMonthPayload(published=r.published if r else 0, participants=r.participants if r else 0,
                                   errors=errors)
