"""Per-request DataLoaders, named by relation: every list or entity batch costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from strawberry.dataloader import DataLoader

from kabinet.graphql.context import RequestContext
from learning.adapters.repositories import LessonRepository, SettingsRepository, SheetRepository, StudentRepository
from learning.adapters.views import LearningViews
from learning.domain.grades import GradeScale
from learning.domain.model import Lesson, Sheet
from learning.service.access import is_family, staff_scope
from learning.service.views import StudentLessonResult, results_of


def lesson_by_id_loader(ctx: RequestContext) -> DataLoader[str, Lesson | None]:
    async def load(ids: Sequence[str]) -> list[Lesson | None]:
        async with ctx.reads() as session:
            found = await LessonRepository(session).many(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def sheet_by_lesson_loader(ctx: RequestContext) -> DataLoader[str, Sheet | None]:
    async def load(ids: Sequence[str]) -> list[Sheet | None]:
        async with ctx.reads() as session:
            found = await SheetRepository(session).by_lessons(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def revisions_by_lesson_loader(ctx: RequestContext) -> DataLoader[str, list[Row[Any]]]:
    async def load(ids: Sequence[str]) -> list[list[Row[Any]]]:
        async with ctx.reads() as session:
            found = await SheetRepository(session).revisions(list(ids))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def scale_by_course_loader(ctx: RequestContext) -> DataLoader[str, GradeScale]:
    """Keyed by course id ("" for lessons without a course)."""
    async def load(ids: Sequence[str]) -> list[GradeScale]:
        async with ctx.reads() as session:
            found = await SettingsRepository(session).scales([i or None for i in ids])
        return [found[i or None] for i in ids]

    return DataLoader(load_fn=load)


def family_by_student_loader(ctx: RequestContext) -> DataLoader[str, str | None]:
    async def load(ids: Sequence[str]) -> list[str | None]:
        async with ctx.reads() as session:
            found = await StudentRepository(session).families_of(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def results_by_student_loader(ctx: RequestContext) -> DataLoader[str, list[StudentLessonResult]]:
    """Every lesson of each student with its sheet and the student's mark, newest first.

    A family sees all of its children's lessons (the caller checks the family first); staff only theirs.
    """
    scope = None if is_family(ctx.principal) else staff_scope(ctx.principal)

    async def load(ids: Sequence[str]) -> list[list[StudentLessonResult]]:
        if scope is not None and scope.empty:
            return [[] for _ in ids]
        async with ctx.reads() as session:
            rows = await LearningViews(session).student_lessons(list(ids), scope)
        by_student: dict[str, list[StudentLessonResult]] = {i: [] for i in ids}
        for r in results_of(rows):
            by_student[r.student_id].append(r)
        return [by_student[i] for i in ids]

    return DataLoader(load_fn=load)
