"""The sheet aggregate: a lesson's sheet, its marks and every saved revision."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.bulk import BulkInsert
from learning.adapters.rows import mark_from_row
from learning.adapters.tables import sheet_marks, sheet_revisions, sheets
from learning.domain.model import Sheet

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_SHEETS_OF = select(sheets).where(any_of(sheets.c.lesson_id, bindparam("ids")))
_MARKS_OF = select(sheet_marks).where(any_of(sheet_marks.c.lesson_id, bindparam("ids")))
# One sheet with its marks, a row each (one row with NULLs when it has none): one round trip, not two.
_SHEET_WITH_MARKS = (select(sheets, sheet_marks.c.student_id, sheet_marks.c.attendance, sheet_marks.c.homework_done,
                            sheet_marks.c.grade, sheet_marks.c.grade_scale, sheet_marks.c.comment)
                     .select_from(sheets.outerjoin(sheet_marks, sheet_marks.c.lesson_id == sheets.c.lesson_id))
                     .where(sheets.c.lesson_id == bindparam("id")))
# A save's statements built once (building an insert or update per call costs about what running it does).
_SHEET_VALUES = ("summary", "homework", "revision", "conducted", "updated_at", "updated_by")
_INSERT_SHEET = sheets.insert()
_UPDATE_SHEET = (update(sheets).where(sheets.c.lesson_id == bindparam("b_lesson_id"))
                 .values({c: bindparam(f"b_{c}") for c in _SHEET_VALUES}))
_INSERT_REVISION = sheet_revisions.insert()
_MARK_VALUES = ("attendance", "homework_done", "grade", "grade_scale", "comment")
# A save's changed marks, new or replacing the student's mark: one statement whatever their number.
_UPSERT_MARKS = BulkInsert(sheet_marks, ("lesson_id", "student_id", *_MARK_VALUES), lambda stmt: (
    stmt.on_conflict_do_update(index_elements=["lesson_id", "student_id"],
                               set_={c: stmt.excluded[c] for c in _MARK_VALUES})))


async def sheets_by_lessons(session: AsyncSession, lesson_ids: Sequence[str]) -> dict[str, Sheet]:
    if not lesson_ids:
        return {}
    rows = (await session.execute(_SHEETS_OF, {"ids": list(lesson_ids)})).all()
    found = {r.lesson_id: Sheet(r.lesson_id, r.summary, r.homework, r.revision, {}, r.conducted, r.updated_at,
                                r.updated_by) for r in rows}
    if found:
        mrows = (await session.execute(_MARKS_OF, {"ids": list(found)})).all()
        for m in mrows:
            found[m.lesson_id].marks[m.student_id] = mark_from_row(m)
    return found


class SqlSheets:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, lesson_id: str) -> Sheet | None:
        rows = (await self.session.execute(_SHEET_WITH_MARKS, {"id": lesson_id})).all()
        if not rows:
            return None
        r = rows[0]
        return Sheet(r.lesson_id, r.summary, r.homework, r.revision, {
            m.student_id: mark_from_row(m) for m in rows if m.student_id is not None}, r.conducted, r.updated_at,
            r.updated_by)

    async def save(self, sheet: Sheet, previous: Sheet | None) -> None:
        assert sheet.updated_at is not None
        values = dict(lesson_id=sheet.lesson_id, summary=sheet.summary, homework=sheet.homework,
                      revision=sheet.revision, conducted=sheet.conducted, updated_at=sheet.updated_at,
                      updated_by=sheet.updated_by)
        if previous is None:
            await self.session.execute(_INSERT_SHEET, values)
        else:  # the update's parameters are named apart from its columns (SQLAlchemy reserves those)
            await self.session.execute(_UPDATE_SHEET, {f"b_{k}": v for k, v in values.items()})
        changed = [m for sid, m in sheet.marks.items() if previous is None or previous.marks.get(sid) != m]
        if changed:
            await _UPSERT_MARKS.execute(self.session, {
                "lesson_id": [sheet.lesson_id] * len(changed), "student_id": [m.student_id for m in changed],
                "attendance": [m.attendance.value for m in changed],
                "homework_done": [m.homework_done.value if m.homework_done else None for m in changed],
                "grade": [m.grade.value if m.grade else None for m in changed],
                "grade_scale": [m.grade.scale.value if m.grade else None for m in changed],
                "comment": [m.comment for m in changed]})
        await self.session.execute(_INSERT_REVISION, dict(
            lesson_id=sheet.lesson_id, revision=sheet.revision, saved_at=sheet.updated_at, saved_by=sheet.updated_by,
            snapshot=sheet.snapshot()))

    async def erase_comments(self, student_id: str) -> None:
        """Attendance and grades stay under the (now unlinkable) id: they are what charges were made on."""
        await self.session.execute(update(sheet_marks).where(sheet_marks.c.student_id == student_id)
                                   .values(comment=None))
        lesson_ids = select(sheet_marks.c.lesson_id).where(sheet_marks.c.student_id == student_id)
        rows = (await self.session.execute(
            select(sheet_revisions).where(sheet_revisions.c.lesson_id.in_(lesson_ids)))).all()
        for r in rows:
            snap = dict(r.snapshot)
            marks = [dict(m, comment=None) if m.get("student_id") == student_id else m for m in snap.get("marks", [])]
            if marks != snap.get("marks"):
                await self.session.execute(
                    update(sheet_revisions).where(sheet_revisions.c.lesson_id == r.lesson_id,
                                                  sheet_revisions.c.revision == r.revision)
                    .values(snapshot={**snap, "marks": marks}))
