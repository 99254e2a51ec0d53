"""The one free trial per family (the table's primary key makes the claim race-free)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for
from scheduling.adapters.repositories._rows import utc
from scheduling.adapters.tables import (
    trials,
)
from scheduling.domain.model import (
    Trial,
)

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_OF_FAMILIES = select(trials).where(any_of(trials.c.family_id, bindparam("ids")))


class TrialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, t: Trial) -> bool:
        """Insert the family's trial; False when the family already had one (race-free: primary key)."""
        stmt = insert_for(self.session, trials).values(family_id=t.family_id, student_id=t.student_id,
                                                    lesson_id=t.lesson_id, source=t.source, used_at=t.used_at)
        return (await self.session.execute(
            stmt.on_conflict_do_nothing().returning(trials.c.family_id))).first() is not None

    async def release(self, family_id: str, lesson_id: str) -> None:
        """Give the family its trial back (a trial booking cancelled in time was never used)."""
        await self.session.execute(delete(trials).where(trials.c.family_id == family_id,
                                                        trials.c.lesson_id == lesson_id))

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, Trial]:
        rows = await self.session.execute(_OF_FAMILIES, {"ids": list(family_ids)})
        return {r.family_id: Trial(r.family_id, r.student_id, r.lesson_id, r.source, utc(r.used_at)) for r in rows}
