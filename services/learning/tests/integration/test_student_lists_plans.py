"""PostgreSQL: a student's lists read their window from the (student_id, starts_at) index, not the history
(issue #15). On a school with two years of lessons, EXPLAIN ANALYZE of each query shows the scan of the
participants returning about what the window holds."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from kabinet.db.migrations import upgrade
from learning.adapters.queries.student_lessons import student_lessons, student_lessons_in
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.service.student_results import homework_window, past_window, progress_window

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
NOW = datetime(2027, 6, 1, tzinfo=UTC)


class Explain:
    """Stands in for a session: runs EXPLAIN ANALYZE of each statement and keeps the plan."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn, self.plans = conn, list[str]()

    async def execute(self, stmt: Any, params: dict[str, Any] | None = None) -> Any:
        if params:  # the statement's named parameters, given their values to be rendered
            stmt = stmt.params({k: v for k, v in params.items() if v is not None})
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        rows = (await self.conn.execute(text("EXPLAIN (ANALYZE, TIMING OFF) " + sql))).all()
        self.plans.append("\n".join(r[0] for r in rows))
        return await self.conn.execute(text("SELECT 1 WHERE false"))


def participant_rows_read(plan: str) -> int:
    """Rows the scans of lesson_participants returned, in total."""
    found = re.findall(r"on lesson_participants .*?actual rows=(\d+) loops=(\d+)", plan)
    assert found, plan
    return sum(int(rows) * int(loops) for rows, loops in found)


async def test_a_students_lists_read_their_window_not_the_history(database_factory: Any) -> None:
    url = await database_factory("learning_plans")
    await upgrade(MIGRATIONS, url)
    engine = create_async_engine(url)
    students = [str(uuid.uuid4()) for _ in range(100)]
    try:
        async with engine.begin() as c:  # 10 groups of 10, three lessons a week for two years
            for g in range(10):
                members, ls, ps = students[g * 10:(g + 1) * 10], [], []
                for i in range(312):
                    at = NOW - timedelta(days=i * 7 / 3)
                    lid = str(uuid.uuid4())
                    ls.append(dict(id=lid, branch_id="B1", group_id=f"G{g}", course_id="C1", teacher_id="T1",
                                   original_teacher_id="T1", lesson_type="group", charged_by_default=True,
                                   starts_at=at, ends_at=at + timedelta(hours=1), cancelled=False, event_at=at))
                    ps += [dict(lesson_id=lid, student_id=s, family_id="F", reason="member", active=True,
                                event_at=at, starts_at=at) for s in members]
                await c.execute(insert(lessons), ls)
                await c.execute(insert(lesson_participants), ps)
                await c.execute(insert(sheets), [dict(lesson_id=x["id"], summary="s", homework="h", revision=1,
                                                      conducted=True, updated_at=x["starts_at"]) for x in ls])
                await c.execute(insert(sheet_marks), [dict(lesson_id=x["lesson_id"], student_id=x["student_id"],
                                                          attendance="present") for x in ps])
            await c.execute(text("ANALYZE"))
        async with engine.connect() as c:
            x: Any = Explain(c)
            kid = students[7]
            await student_lessons(x, [kid], None, past_window(NOW, 20, None))
            await student_lessons(x, students[:3], None, past_window(NOW, 5, None))
            await student_lessons(x, [kid], None, homework_window(NOW - timedelta(days=60), NOW))
            await student_lessons(x, [kid], None, progress_window(NOW - timedelta(days=30), NOW))
            # The cabinet's home: the past page and the homework window in one statement.
            await student_lessons_in(x, [(past_window(NOW, 5, None), [kid]),
                                         (homework_window(NOW - timedelta(days=60), NOW), [kid])], None)
        page, family_page, homework, progress, home = x.plans
        assert all("ix_lesson_participants_student_start" in plan for plan in x.plans), x.plans
        # The history is 312 lessons a student; each read stops near its window.
        assert participant_rows_read(page) <= 25, page
        assert participant_rows_read(family_page) <= 3 * 8, family_page
        assert participant_rows_read(homework) <= 45, homework  # 60 days + 35 days of due lessons: about 41
        assert participant_rows_read(progress) <= 30, progress  # 30 days and the 30 before: about 26
        assert participant_rows_read(home) <= 8 + 45, home
        async with engine.connect() as c:  # one statement for several windows reads what each one does alone
            y: Any = c
            past, hw = past_window(NOW, 5, None), homework_window(NOW - timedelta(days=60), NOW)
            together = await student_lessons_in(y, [(past, students[:3]), (hw, [kid])], None)
            assert together.windows == [await student_lessons(y, students[:3], None, past),
                                        await student_lessons(y, [kid], None, hw)]
            assert [len(v) for v in together.windows[0].values()] == [6, 6, 6] and len(together.windows[1][kid]) > 20
    finally:
        await engine.dispose()
