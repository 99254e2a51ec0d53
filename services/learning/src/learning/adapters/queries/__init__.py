"""Learning's read models for GraphQL: small query objects returning dataclasses, all on the request's one read
session (``RequestContext.reads()``). ``SqlLearningQueries`` implements ``service.unit_of_work.LearningQueries``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select

from kabinet.db.any_of import any_of
from learning.adapters.queries import staff
from learning.adapters.queries.lesson_texts import lesson_texts
from learning.adapters.queries.student_lessons import count_student_lessons, student_lessons_in
from learning.adapters.repositories.projections import lessons_by_ids
from learning.adapters.repositories.settings import scales_of, thresholds_of
from learning.adapters.repositories.sheets import sheets_by_lessons
from learning.adapters.tables import lesson_participants, sheet_revisions, students
from learning.domain.access import LessonScope
from learning.domain.grades import GradeScale
from learning.domain.model import Lesson, Mark, Participant, Sheet
from learning.domain.progress import Thresholds
from learning.service.unit_of_work import (
    BranchMark,
    GroupLesson,
    LessonText,
    ReadScope,
    SheetRevision,
    StudentLessons,
    StudentLessonsWindow,
)

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_FAMILIES_OF = select(students.c.id, students.c.family_id).where(any_of(students.c.id, bindparam("ids")))
_FAMILIES_OF_PARTICIPANTS = (
    select(lesson_participants.c.student_id, lesson_participants.c.family_id)
    .where(any_of(lesson_participants.c.student_id, bindparam("ids")), lesson_participants.c.family_id.is_not(None))
    .distinct())


class SqlLearningQueries:
    def __init__(self, request: ReadScope) -> None:
        self.request = request

    async def lessons(self, ids: Sequence[str]) -> dict[str, Lesson]:
        async with self.request.reads() as session:
            return await lessons_by_ids(session, ids)

    async def sheets(self, lesson_ids: Sequence[str]) -> dict[str, Sheet]:
        async with self.request.reads() as session:
            return await sheets_by_lessons(session, lesson_ids)

    async def lesson_texts(self, ids: Sequence[str], family_id: str | None, student_ids: frozenset[str]
                           ) -> dict[str, LessonText]:
        async with self.request.reads() as session:
            return await lesson_texts(session, ids, family_id, student_ids)

    async def revisions(self, lesson_ids: Sequence[str]) -> dict[str, list[SheetRevision]]:
        async with self.request.reads() as session:
            rows = (await session.execute(
                select(sheet_revisions).where(any_of(sheet_revisions.c.lesson_id, lesson_ids))
                .order_by(sheet_revisions.c.lesson_id, sheet_revisions.c.revision))).all()
        out: dict[str, list[SheetRevision]] = {}
        for r in rows:
            out.setdefault(r.lesson_id, []).append(
                SheetRevision(r.lesson_id, r.revision, r.saved_at, r.saved_by, dict(r.snapshot)))
        return out

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        async with self.request.reads() as session:
            return await scales_of(session, course_ids)

    async def families_of(self, student_ids: Sequence[str]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        async with self.request.reads() as session:
            rows = (await session.execute(_FAMILIES_OF, {"ids": list(student_ids)})).all()
            out.update({r.id: r.family_id for r in rows})
            missing = [s for s in student_ids if out.get(s) is None]
            if missing:
                prow = (await session.execute(_FAMILIES_OF_PARTICIPANTS, {"ids": missing})).all()
                out.update({r.student_id: r.family_id for r in prow})
        return out

    async def student_lessons(self, asks: Sequence[tuple[StudentLessonsWindow, Sequence[str]]],
                              scope: LessonScope | None) -> StudentLessons:
        async with self.request.reads() as session:
            return await student_lessons_in(session, asks, scope)

    async def count_student_lessons(self, student_id: str, scope: LessonScope | None,
                                    until: datetime | None) -> int:
        async with self.request.reads() as session:
            return await count_student_lessons(session, student_id, scope, until)

    async def group_lessons(self, group_id: str, start: datetime | None, end: datetime | None
                            ) -> list[GroupLesson]:
        async with self.request.reads() as session:
            return await staff.group_lessons(session, group_id, start, end)

    async def participants_and_marks(self, lesson_ids: Sequence[str]
                                     ) -> tuple[list[tuple[str, Participant]], dict[tuple[str, str], Mark]]:
        async with self.request.reads() as session:
            return await staff.participants_and_marks(session, lesson_ids)

    async def all_thresholds(self) -> dict[str, Thresholds]:
        async with self.request.reads() as session:
            return await thresholds_of(session, None)

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]:
        async with self.request.reads() as session:
            return await thresholds_of(session, branch_ids)

    async def marks_since(self, scope: LessonScope, since: datetime, until: datetime, branch_id: str | None,
                          group_id: str | None) -> list[BranchMark]:
        async with self.request.reads() as session:
            return await staff.marks_since(session, scope, since, until, branch_id, group_id)

    async def unfilled(self, scope: LessonScope, now: datetime, teacher_id: str | None, limit: int) -> list[str]:
        async with self.request.reads() as session:
            return await staff.unfilled(session, scope, now, teacher_id, limit)
