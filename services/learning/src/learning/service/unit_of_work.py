"""What learning's use cases, handlers and GraphQL schema need from storage, as Protocols over domain types.

- ``LearningUnitOfWork``: one transaction; repositories as attributes (``uow.sheets``, ``uow.settings``,
  ``uow.projections``, ``uow.sheet_keys``), ``publish(event)`` (written to the outbox at commit) and ``commit()``.
- ``LearningQueries``: the read models the schema shows (small query objects returning dataclasses).
- ``LearningWiring``: what bootstrap's runtime hands the schema through the request context: a unit of work
  for mutations and the request's query object.

The SQLAlchemy implementations live in ``learning.adapters``; the unit tests use ``tests/unit/memory.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from kabinet.events import EventContract
from kabinet.idempotency import Idempotency
from learning.domain.access import LessonScope
from learning.domain.grades import GradeScale
from learning.domain.model import Lesson, Mark, Participant, Sheet
from learning.domain.progress import MarkFact, Thresholds

# -- write side: repositories -------------------------------------------------------------------------------


class Projections(Protocol):
    """Other services' data as learning keeps it from their events: lessons and their participants
    (scheduling), students and their families (identity)."""

    async def upsert_lesson(self, lesson: Lesson, event_at: datetime) -> None:
        """Create or refresh the lesson unless a newer event already did (redeliveries come in any order)."""

    async def upsert_participants(self, lesson_id: str, participants: Sequence[Participant],
                                  event_at: datetime) -> None: ...

    async def lesson_exists(self, lesson_id: str) -> bool: ...

    async def reschedule(self, lesson_id: str, branch_id: str, starts_at: datetime, ends_at: datetime,
                         teacher_id: str, event_at: datetime) -> None: ...

    async def cancel(self, lesson_id: str) -> None:
        """Cancellation is final whatever the event order."""

    async def lesson(self, lesson_id: str, *, for_update: bool = False) -> Lesson | None:
        """With its participants; ``for_update`` serialises concurrent saves of one sheet."""

    async def next_in_group(self, group_id: str, after: datetime) -> str | None:
        """The group's next lesson (not cancelled) after ``after``."""

    async def branches_of_course(self, course_id: str) -> set[str]: ...

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None) -> None: ...

    async def erase_student(self, student_id: str) -> None:
        """Identity erased the student: unlink them from their family (marks stay under the bare id)."""


class Sheets(Protocol):
    async def get(self, lesson_id: str) -> Sheet | None: ...

    async def save(self, sheet: Sheet, previous: Sheet | None) -> None:
        """Store a new revision (changed marks, and the revision's snapshot in the history)."""

    async def erase_comments(self, student_id: str) -> None:
        """Drop the free-text comments about a student everywhere, the history included."""


class SchoolSettings(Protocol):
    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        """Every course asked for (the default scale where none was set; None: lessons without a course)."""

    async def set_scale(self, course_id: str, scale: GradeScale, at: datetime) -> None: ...

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]: ...

    async def set_thresholds(self, branch_id: str, t: Thresholds, at: datetime) -> None: ...


class LearningUnitOfWork(Protocol):
    @property
    def projections(self) -> Projections: ...

    @property
    def sheets(self) -> Sheets: ...

    @property
    def settings(self) -> SchoolSettings: ...

    @property
    def sheet_keys(self) -> Idempotency[int]:
        """Idempotency keys of sheet saves (the kit's claim / replay / store); the result is the revision."""

    def publish(self, event: EventContract) -> object:
        """Record an event; it is written to the outbox in the same transaction as the change."""

    async def commit(self) -> None: ...


# -- read side: the schema's read models ------------------------------------------------------------------


@dataclass(frozen=True)
class StudentLessonResult:
    """One student's lesson with the sheet's summary and homework and the student's own mark."""

    student_id: str
    lesson_id: str
    starts_at: datetime
    ends_at: datetime
    course_id: str | None
    group_id: str | None
    filled: bool
    summary: str | None
    homework: str | None
    mark: Mark | None


@dataclass(frozen=True)
class LessonText:
    """A lesson's summary and homework with what deciding who may read them takes (``can_read_lesson_head``):
    its branch and teachers, and whether one of the caller's own students is on it."""

    lesson_id: str
    branch_id: str
    teacher_id: str
    original_teacher_id: str | None
    summary: str | None  # None: no sheet yet
    homework: str | None
    revision: int  # 0: no sheet yet
    own_student_on_it: bool

    def teachers(self) -> set[str]:
        return {t for t in (self.teacher_id, self.original_teacher_id) if t}

    @property
    def filled(self) -> bool:
        return self.revision > 0


@dataclass(frozen=True)
class StudentLessons:
    """Students' lessons in windows: for each (window, students) asked, each student's lessons newest first; and
    identity's family of each student with a row (None or missing: ask ``families_of``)."""

    windows: list[dict[str, list[StudentLessonResult]]]
    families: dict[str, str]


@dataclass(frozen=True)
class StudentLessonsWindow:
    """Which of a student's lessons to read: ``since <= starts_at < until`` (either open), newest first; with
    ``before`` (a lesson's start and id) only those strictly older; at most ``limit`` (None: all in the window)."""

    since: datetime | None = None
    until: datetime | None = None
    before: tuple[datetime, str] | None = None
    limit: int | None = None


@dataclass(frozen=True)
class SheetRevision:
    lesson_id: str
    revision: int
    saved_at: datetime
    saved_by: str | None
    snapshot: dict[str, Any]  # Sheet.snapshot(): the JSON kept in the history


@dataclass(frozen=True)
class GroupLesson:
    lesson: Lesson  # without participants
    filled: bool


@dataclass(frozen=True)
class BranchMark:
    """A mark with the lesson's branch and the student's family (for students at risk)."""

    fact: MarkFact
    branch_id: str
    family_id: str | None


class LearningQueries(Protocol):
    """Reads for one GraphQL request; each is a fixed number of statements whatever the sizes (no N+1)."""

    async def lessons(self, ids: Sequence[str]) -> dict[str, Lesson]: ...

    async def sheets(self, lesson_ids: Sequence[str]) -> dict[str, Sheet]: ...

    async def lesson_texts(self, ids: Sequence[str], family_id: str | None, student_ids: frozenset[str]
                           ) -> dict[str, LessonText]:
        """The lessons' summary and homework in one statement; ``own_student_on_it`` by ``own_students``'s
        parameters (``family_id``, ``student_ids``)."""

    async def revisions(self, lesson_ids: Sequence[str]) -> dict[str, list[SheetRevision]]:
        """Oldest first."""

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]: ...

    async def families_of(self, student_ids: Sequence[str]) -> dict[str, str | None]:
        """Student -> family, from identity's events, else from any lesson the student is on."""

    async def student_lessons(self, asks: Sequence[tuple[StudentLessonsWindow, Sequence[str]]],
                              scope: LessonScope | None) -> StudentLessons:
        """For each (window, students) asked, each student's lessons (not cancelled) in the window, newest first;
        all of them in one statement. ``scope`` None: the family's view (every lesson of the student); otherwise
        the staff member's lessons only."""

    async def count_student_lessons(self, student_id: str, scope: LessonScope | None,
                                    until: datetime | None) -> int: ...

    async def group_lessons(self, group_id: str, start: datetime | None, end: datetime | None
                            ) -> list[GroupLesson]: ...

    async def participants_and_marks(self, lesson_ids: Sequence[str]
                                     ) -> tuple[list[tuple[str, Participant]], dict[tuple[str, str], Mark]]:
        """(lesson id, participant) for each participant row; (lesson id, student id) -> mark."""

    async def all_thresholds(self) -> dict[str, Thresholds]: ...

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]: ...

    async def marks_since(self, scope: LessonScope, since: datetime, until: datetime, branch_id: str | None,
                          group_id: str | None) -> list[BranchMark]: ...

    async def unfilled(self, scope: LessonScope, now: datetime, teacher_id: str | None, limit: int) -> list[str]:
        """Lessons that ended, were not cancelled, and have no sheet or someone on them without a mark."""


class ReadScope(Protocol):
    """The request the reads belong to (the kit's RequestContext): its one read session, opaque here."""

    def reads(self) -> AbstractAsyncContextManager[Any]: ...


@runtime_checkable
class LearningWiring(Protocol):
    """What bootstrap's runtime offers the schema (it is the request context's ``runtime``)."""

    def unit_of_work(self) -> AbstractAsyncContextManager[LearningUnitOfWork]: ...

    def queries(self, request: ReadScope) -> LearningQueries: ...
