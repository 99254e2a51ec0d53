"""Per-request DataLoaders, named by relation and typed: every list or entity batch costs a fixed number of
queries. ``loaders(info)`` gives the request's ``LearningLoaders`` (created at first use, dropped by a mutation
that wants to read what it saved); the reads come from the ``LearningQueries`` bootstrap wires in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from learning.domain.access import own_students
from learning.domain.grades import GradeScale
from learning.domain.model import Lesson, Sheet
from learning.service.student_results import reader_scope
from learning.service.unit_of_work import (
    LearningQueries,
    LearningWiring,
    LessonText,
    SheetRevision,
    StudentLessonResult,
    StudentLessonsWindow,
)

Ctx = Info[RequestContext, None]


def wiring(ctx: RequestContext) -> LearningWiring:
    """Learning's runtime, as bootstrap built it (see ``service.unit_of_work.LearningWiring``)."""
    runtime = ctx.runtime
    if not isinstance(runtime, LearningWiring):
        raise TypeError("learning's schema runs on learning's runtime (learning.bootstrap.build_runtime)")
    return runtime


@dataclass(frozen=True)
class StudentLessonsKey:
    student_id: str
    window: StudentLessonsWindow


class FoundLessons(NamedTuple):
    rows: list[StudentLessonResult]
    family_id: str | None  # identity's family of the student, when read with the rows (None: not known there)


class LearningLoaders:
    def __init__(self, ctx: RequestContext) -> None:
        self.queries: LearningQueries = wiring(ctx).queries(ctx)
        scope = reader_scope(ctx.principal)
        q = self.queries

        async def lessons(ids: Sequence[str]) -> list[Lesson | None]:
            found = await q.lessons(list(ids))
            return [found.get(i) for i in ids]

        async def sheets(ids: Sequence[str]) -> list[Sheet | None]:
            found = await q.sheets(list(ids))
            return [found.get(i) for i in ids]

        family_id, student_ids = own_students(ctx.principal)

        async def texts(ids: Sequence[str]) -> list[LessonText | None]:
            found = await q.lesson_texts(list(ids), family_id, student_ids)
            return [found.get(i) for i in ids]

        async def revisions(ids: Sequence[str]) -> list[list[SheetRevision]]:
            found = await q.revisions(list(ids))
            return [found.get(i, []) for i in ids]

        async def scales(ids: Sequence[str]) -> list[GradeScale]:
            found = await q.scales([i or None for i in ids])
            return [found[i or None] for i in ids]

        async def families(ids: Sequence[str]) -> list[str | None]:
            found = await q.families_of(list(ids))
            return [found.get(i) for i in ids]

        async def student_lessons(keys: Sequence[StudentLessonsKey]) -> list[FoundLessons]:
            by_window: dict[StudentLessonsWindow, list[str]] = defaultdict(list)
            for k in keys:
                by_window[k.window].append(k.student_id)
            windows = list(by_window)
            found = await q.student_lessons([(w, sorted(set(by_window[w]))) for w in windows], scope)
            rows = dict(zip(windows, found.windows, strict=True))
            return [FoundLessons(rows[k.window][k.student_id], found.families.get(k.student_id)) for k in keys]

        self.lesson_by_id = DataLoader[str, Lesson | None](load_fn=lessons)
        # A lesson's summary and homework without its participants and marks (Lesson.summary, Lesson.homework).
        self.text_by_lesson = DataLoader[str, LessonText | None](load_fn=texts)
        self.sheet_by_lesson = DataLoader[str, Sheet | None](load_fn=sheets)
        self.revisions_by_lesson = DataLoader[str, list[SheetRevision]](load_fn=revisions)
        # Keyed by course id ("" for lessons without a course).
        self.scale_by_course = DataLoader[str, GradeScale](load_fn=scales)
        self.family_by_student = DataLoader[str, str | None](load_fn=families)
        # Each student's lessons in a window, newest first: a family sees all of its children's lessons (the
        # caller checks the family before showing them); staff only theirs. One statement for all the windows of
        # a batch, with the students' families.
        self.lessons_by_student = DataLoader[StudentLessonsKey, FoundLessons](load_fn=student_lessons)


def loaders(info: Ctx) -> LearningLoaders:
    found = info.context.loader("learning", LearningLoaders)
    assert isinstance(found, LearningLoaders)
    return found
