"""The demo seeder's scheduling part, in the embedded mode `make run` uses (SQLite files, in-process bus),
after identity's seed: groups with the demo children, a weekly trial lesson, this month and the next
generated and published; a second run adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from identity import demo as identity_demo
from kabinet_stack import demo as stack_demo
from kabinet_stack.testing import StackHandle
from scheduling import demo
from scheduling.adapters.tables import groups, lessons, memberships, participants


async def _counts(handle: StackHandle) -> tuple[int, ...]:
    async with handle.runtime("scheduling").sessionmaker() as s:
        return tuple([int((await s.execute(select(func.count()).select_from(t))).scalar_one())
                      for t in (groups, memberships, lessons, participants)])


async def test_demo_seed_schedules_the_demo_families_once(embedded_stack: StackHandle) -> None:
    ident = await identity_demo.seed(embedded_stack.runtime("identity"))
    await stack_demo.drain(embedded_stack.stack)
    sched = await demo.seed(embedded_stack.runtime("scheduling"), identity=ident)
    await stack_demo.drain(embedded_stack.stack)
    assert len(sched.group_ids) == 3 and all(len(g) == 2 for g in sched.group_ids.values())
    n_groups, n_members, n_lessons, n_parts = await _counts(embedded_stack)
    assert (n_groups, n_members) == (6, 10)  # every demo child is in one group
    assert n_lessons > 40 and n_parts > 40 and sched.lessons_published == n_lessons
    async with embedded_stack.runtime("scheduling").sessionmaker() as s:
        first = (await s.execute(select(func.min(lessons.c.local_date)))).scalar_one()
    assert first.replace(day=1) == date.today().replace(day=1)
    await demo.seed(embedded_stack.runtime("scheduling"), identity=ident)
    assert await _counts(embedded_stack) == (n_groups, n_members, n_lessons, n_parts)
