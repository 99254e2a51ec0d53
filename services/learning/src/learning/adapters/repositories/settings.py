"""The school's settings for learning: each course's grade scale, each branch's at-risk thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for
from learning.adapters.tables import course_settings, risk_thresholds
from learning.domain.grades import DEFAULT_SCALE, GradeScale
from learning.domain.progress import DEFAULT_THRESHOLDS, Thresholds


async def scales_of(session: AsyncSession, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
    ids = [c for c in course_ids if c]
    out: dict[str | None, GradeScale] = {c: DEFAULT_SCALE for c in course_ids}
    if ids:
        rows = (await session.execute(select(course_settings).where(any_of(course_settings.c.course_id, ids)))).all()
        out.update({r.course_id: GradeScale(r.grade_scale) for r in rows})
    return out


async def thresholds_of(session: AsyncSession, branch_ids: Sequence[str] | None) -> dict[str, Thresholds]:
    """The thresholds of these branches (the default where none was set), or of every branch that set some."""
    out = {b: DEFAULT_THRESHOLDS for b in branch_ids or ()}
    if branch_ids is None or branch_ids:
        stmt = select(risk_thresholds)
        if branch_ids is not None:
            stmt = stmt.where(any_of(risk_thresholds.c.branch_id, branch_ids))
        rows = (await session.execute(stmt)).all()
        out.update({r.branch_id: Thresholds(r.min_attendance_percent, r.min_grade_percent, r.window_days)
                    for r in rows})
    return out


class SqlSchoolSettings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        return await scales_of(self.session, course_ids)

    async def set_scale(self, course_id: str, scale: GradeScale, at: datetime) -> None:
        stmt = insert_for(self.session, course_settings).values(course_id=course_id, grade_scale=scale.value,
                                                                updated_at=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["course_id"], set_={"grade_scale": stmt.excluded.grade_scale,
                                                "updated_at": stmt.excluded.updated_at}))

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]:
        return await thresholds_of(self.session, branch_ids)

    async def set_thresholds(self, branch_id: str, t: Thresholds, at: datetime) -> None:
        stmt = insert_for(self.session, risk_thresholds).values(
            branch_id=branch_id, min_attendance_percent=t.min_attendance_percent,
            min_grade_percent=t.min_grade_percent, window_days=t.window_days, updated_at=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["branch_id"],
            set_={k: stmt.excluded[k] for k in ("min_attendance_percent", "min_grade_percent", "window_days",
                                                "updated_at")}))
