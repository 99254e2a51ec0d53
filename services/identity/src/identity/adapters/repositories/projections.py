"""What identity learns from other services' events: teacher-student pairs from scheduling's lessons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import teachings
from kabinet.db.any_of import any_of
from kabinet.db.bulk import BulkInsert

# One constant statement whatever the number of pairs (a multi-row VALUES compiles anew per row count).
_RECORD = BulkInsert(teachings, ("teacher_id", "student_id", "since"), lambda stmt: stmt.on_conflict_do_nothing())


class SqlTeachingProjection:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, pairs: Iterable[tuple[str, str]], now: datetime) -> None:
        """(teacher, student) pairs, inserted in key order: concurrent inserts lock in one order."""
        ordered = sorted(set(pairs))
        await _RECORD.execute(self.session, {"teacher_id": [t for t, _ in ordered],
                                             "student_id": [s for _, s in ordered], "since": [now] * len(ordered)})

    async def taught_by(self, teacher_id: str, student_ids: Sequence[str]) -> set[str]:
        rows = (await self.session.execute(select(teachings.c.student_id).where(
            teachings.c.teacher_id == teacher_id, any_of(teachings.c.student_id, student_ids)))).all()
        return {r.student_id for r in rows}

    async def students_of_teacher(self, teacher_id: str) -> list[str]:
        rows = (await self.session.execute(select(teachings.c.student_id)
                                           .where(teachings.c.teacher_id == teacher_id))).all()
        return [r.student_id for r in rows]
