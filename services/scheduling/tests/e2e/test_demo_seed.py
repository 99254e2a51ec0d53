"""The demo seeder's scheduling part, in the embedded mode `make run` uses (SQLite files, in-process bus):
groups with the demo children, a trial lesson, this month and the next published; a second run adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from kabinet_stack import demo
from kabinet_stack.testing import StackHandle
from scheduling.adapters.tables import groups, lessons, memberships, participants


async def _counts(handle: StackHandle) -> tuple[int, int, int, int]:
    async with handle.runtime("scheduling").sessionmaker() as s:
        return tuple(int((await s.execute(select(func.count()).select_from(t))).scalar_one())  # type: ignore[return-value]
                     for t in (groups, memberships, lessons, participants))


async def test_demo_seed_schedules_the_demo_families_once(embedded_stack: StackHandle) -> None:
    results = await demo.seed(embedded_stack.stack)
    sched = results["scheduling"]
    assert len(sched.group_ids) == 3 and all(len(g) == 2 for g in sched.group_ids.values())
    n_groups, n_members, n_lessons, n_parts = await _counts(embedded_stack)
    assert n_groups == 6 and n_members == 10  # every demo child is in one group
    assert n_lessons > 40 and n_parts > 40 and sched.lessons_published == n_lessons
    async with embedded_stack.runtime("scheduling").sessionmaker() as s:
        first = (await s.execute(select(func.min(lessons.c.local_date)))).scalar_one()
    assert first.replace(day=1) == date.today().replace(day=1)
    await demo.seed(embedded_stack.stack)
    assert await _counts(embedded_stack) == (n_groups, n_members, n_lessons, n_parts)
