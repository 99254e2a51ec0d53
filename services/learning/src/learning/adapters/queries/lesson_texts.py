"""Lessons' summary and homework as ``Lesson.summary`` / ``Lesson.homework`` show them (the month's lesson list
asks for 50 at once): one statement of one narrow row per lesson. The full sheet path (``lessons_by_ids`` and
``sheets_by_lessons``) reads every participant and mark, ~20 rows a lesson, to use none of them here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from learning.adapters.tables import lesson_participants, lessons, sheet_marks, sheets
from learning.service.unit_of_work import LessonText

p = lesson_participants

_TEXTS = (select(lessons.c.id, lessons.c.branch_id, lessons.c.teacher_id, lessons.c.original_teacher_id,
                 sheets.c.summary, sheets.c.homework, sheets.c.revision)
          .select_from(lessons.outerjoin(sheets, sheets.c.lesson_id == lessons.c.id))
          .where(any_of(lessons.c.id, bindparam("ids"))))
# Whether a participant the family may read the lesson for (domain.access.families_on: on the list, or marked) is
# the caller's own (domain.access.own_students' parameters).
_OWN = exists().where(p.c.lesson_id == lessons.c.id,
                      or_(p.c.family_id == bindparam("family", type_=p.c.family_id.type),
                          any_of(p.c.student_id, bindparam("students"))),
                      or_(p.c.active.is_(True), exists().where(sheet_marks.c.lesson_id == p.c.lesson_id,
                                                               sheet_marks.c.student_id == p.c.student_id)))
_TEXTS_FOR_FAMILY = _TEXTS.add_columns(_OWN.label("own"))


async def lesson_texts(session: AsyncSession, ids: Sequence[str], family_id: str | None,
                       student_ids: frozenset[str]) -> dict[str, LessonText]:
    if not ids:
        return {}
    family = family_id is not None or bool(student_ids)
    params = {"ids": list(ids), "family": family_id, "students": sorted(student_ids)} if family else \
        {"ids": list(ids)}
    rows = (await session.execute(_TEXTS_FOR_FAMILY if family else _TEXTS, params)).all()
    return {r.id: LessonText(r.id, r.branch_id, r.teacher_id, r.original_teacher_id, r.summary, r.homework,
                             r.revision or 0, bool(r.own) if family else False) for r in rows}
