"""Learning's unit of work and read models in memory: the use cases, handlers and staff reports run on these in
the unit tests, with no database. They keep the SQL implementations' rules (an older event never undoes a newer
one; cancellation is final; a student's marks outlive their removal from the lesson)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kabinet.events import EventContract
from kabinet.idempotency import Idempotency, MemoryKeyStore
from learning.domain.access import LessonScope, families_on
from learning.domain.grades import DEFAULT_SCALE, GradeScale
from learning.domain.model import Lesson, Mark, Participant, Sheet
from learning.domain.progress import DEFAULT_THRESHOLDS, MarkFact, Thresholds
from learning.service.unit_of_work import (
    BranchMark,
    GroupLesson,
    LessonText,
    SheetRevision,
    StudentLessonResult,
    StudentLessons,
    StudentLessonsWindow,
)


@dataclass
class Store:
    """What the tables would hold."""

    lessons: dict[str, Lesson] = field(default_factory=dict)
    lesson_event_at: dict[str, datetime] = field(default_factory=dict)
    participant_event_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    students: dict[str, tuple[str | None, str | None, bool]] = field(default_factory=dict)  # family, branch, erased
    sheets: dict[str, Sheet] = field(default_factory=dict)
    revisions: dict[str, list[SheetRevision]] = field(default_factory=dict)
    keys: MemoryKeyStore = field(default_factory=MemoryKeyStore)  # idempotency keys of sheet saves
    scales: dict[str, GradeScale] = field(default_factory=dict)
    thresholds: dict[str, Thresholds] = field(default_factory=dict)


class MemoryProjections:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def upsert_lesson(self, lesson: Lesson, event_at: datetime) -> None:
        s = self.store
        known = s.lessons.get(lesson.id)
        if known is None:
            s.lessons[lesson.id] = replace(lesson, participants={}, cancelled=False,
                                           original_teacher_id=lesson.original_teacher_id or lesson.teacher_id)
            s.lesson_event_at[lesson.id] = event_at
            return
        known.branch_id, known.group_id, known.course_id = lesson.branch_id, lesson.group_id, lesson.course_id
        known.lesson_type, known.charged_by_default = lesson.lesson_type, lesson.charged_by_default
        if s.lesson_event_at[lesson.id] < event_at:
            known.teacher_id, known.starts_at, known.ends_at = lesson.teacher_id, lesson.starts_at, lesson.ends_at
            s.lesson_event_at[lesson.id] = event_at

    async def upsert_participants(self, lesson_id: str, participants: Sequence[Participant],
                                  event_at: datetime) -> None:
        lesson = self.store.lessons[lesson_id]
        for p in participants:
            key = (lesson_id, p.student_id)
            seen = self.store.participant_event_at.get(key)
            if seen is None or seen <= event_at:
                lesson.participants[p.student_id] = replace(p)
                self.store.participant_event_at[key] = event_at

    async def lesson_exists(self, lesson_id: str) -> bool:
        return lesson_id in self.store.lessons

    async def reschedule(self, lesson_id: str, branch_id: str, starts_at: datetime, ends_at: datetime,
                         teacher_id: str, event_at: datetime) -> None:
        lesson = self.store.lessons.get(lesson_id)
        if lesson is not None and self.store.lesson_event_at[lesson_id] <= event_at:
            lesson.branch_id, lesson.starts_at, lesson.ends_at, lesson.teacher_id = (branch_id, starts_at, ends_at,
                                                                                    teacher_id)
            self.store.lesson_event_at[lesson_id] = event_at

    async def cancel(self, lesson_id: str) -> None:
        if lesson_id in self.store.lessons:
            self.store.lessons[lesson_id].cancelled = True

    async def lesson(self, lesson_id: str, *, for_update: bool = False) -> Lesson | None:
        found = self.store.lessons.get(lesson_id)
        return copy.deepcopy(found)

    async def next_in_group(self, group_id: str, after: datetime) -> str | None:
        later = sorted((x.starts_at, x.id) for x in self.store.lessons.values()
                       if x.group_id == group_id and x.starts_at > after and not x.cancelled)
        return later[0][1] if later else None

    async def branches_of_course(self, course_id: str) -> set[str]:
        return {x.branch_id for x in self.store.lessons.values() if x.course_id == course_id}

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None) -> None:
        self.store.students[student_id] = (family_id, branch_id, False)

    async def erase_student(self, student_id: str) -> None:
        _, branch, _ = self.store.students.get(student_id, (None, None, False))
        self.store.students[student_id] = (None, branch, True)
        for lesson in self.store.lessons.values():
            p = lesson.participants.get(student_id)
            if p is not None:
                p.family_id = None


class MemorySheets:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, lesson_id: str) -> Sheet | None:
        return copy.deepcopy(self.store.sheets.get(lesson_id))

    async def save(self, sheet: Sheet, previous: Sheet | None) -> None:
        assert sheet.updated_at is not None
        self.store.sheets[sheet.lesson_id] = copy.deepcopy(sheet)
        self.store.revisions.setdefault(sheet.lesson_id, []).append(
            SheetRevision(sheet.lesson_id, sheet.revision, sheet.updated_at, sheet.updated_by, sheet.snapshot()))

    async def erase_comments(self, student_id: str) -> None:
        for sheet in self.store.sheets.values():
            m = sheet.marks.get(student_id)
            if m is not None:
                sheet.marks[student_id] = replace(m, comment=None)
        for lesson_id, revisions in self.store.revisions.items():
            self.store.revisions[lesson_id] = [replace(r, snapshot={**r.snapshot, "marks": [
                dict(m, comment=None) if m.get("student_id") == student_id else m
                for m in r.snapshot.get("marks", [])]}) for r in revisions]


class MemorySettings:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        return {c: self.store.scales.get(c, DEFAULT_SCALE) if c else DEFAULT_SCALE for c in course_ids}

    async def set_scale(self, course_id: str, scale: GradeScale, at: datetime) -> None:
        self.store.scales[course_id] = scale

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]:
        return {b: self.store.thresholds.get(b, DEFAULT_THRESHOLDS) for b in branch_ids}

    async def set_thresholds(self, branch_id: str, t: Thresholds, at: datetime) -> None:
        self.store.thresholds[branch_id] = t


class MemoryUnitOfWork:
    """One 'transaction' over a copy of the store: ``commit`` makes it the store, published events included."""

    def __init__(self, store: Store | None = None) -> None:
        self.committed_store = store or Store()
        self.published: list[EventContract] = []  # committed events, in order
        self.commits = 0
        self.begin()

    def begin(self) -> MemoryUnitOfWork:
        """Start the next transaction (what leaving a block without commit would roll back)."""
        self.store = copy.deepcopy(self.committed_store)
        self._pending: list[EventContract] = []
        self.projections = MemoryProjections(self.store)
        self.sheets = MemorySheets(self.store)
        self.settings = MemorySettings(self.store)
        self.sheet_keys = Idempotency(self.store.keys, int)  # rolled back with the rest: the store is a copy
        return self

    def publish(self, event: EventContract) -> EventContract:
        self._pending.append(event)
        return event

    async def commit(self) -> None:
        self.committed_store = copy.deepcopy(self.store)
        self.published.extend(self._pending)
        self._pending = []
        self.commits += 1

    def events(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.published if isinstance(e, kind)]


def _covers(scope: LessonScope | None, lesson: Lesson) -> bool:
    return scope is None or scope.covers(lesson)


class MemoryQueries:
    """``LearningQueries`` over the committed store."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    @property
    def s(self) -> Store:
        return self.uow.committed_store

    async def lessons(self, ids: Sequence[str]) -> dict[str, Lesson]:
        return {i: copy.deepcopy(self.s.lessons[i]) for i in ids if i in self.s.lessons}

    async def sheets(self, lesson_ids: Sequence[str]) -> dict[str, Sheet]:
        return {i: copy.deepcopy(self.s.sheets[i]) for i in lesson_ids if i in self.s.sheets}

    async def lesson_texts(self, ids: Sequence[str], family_id: str | None, student_ids: frozenset[str]
                           ) -> dict[str, LessonText]:
        out = {}
        for i in ids:
            if (x := self.s.lessons.get(i)) is None:
                continue
            sheet = self.s.sheets.get(i)
            # domain.access.families_on: on the list, or removed after being marked
            on = families_on(x, sheet.marks if sheet else ())
            own = any((family_id is not None and fam == family_id) or sid in student_ids for sid, fam in on.items())
            out[i] = LessonText(i, x.branch_id, x.teacher_id, x.original_teacher_id, sheet.summary if sheet else None,
                                sheet.homework if sheet else None, sheet.revision if sheet else 0, own)
        return out

    async def revisions(self, lesson_ids: Sequence[str]) -> dict[str, list[SheetRevision]]:
        return {i: list(self.s.revisions[i]) for i in lesson_ids if i in self.s.revisions}

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        return {c: self.s.scales.get(c, DEFAULT_SCALE) if c else DEFAULT_SCALE for c in course_ids}

    async def families_of(self, student_ids: Sequence[str]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for sid in student_ids:
            fam = self.s.students.get(sid, (None, None, False))[0]
            if fam is None:
                fam = next((p.family_id for x in self.s.lessons.values() for p in x.participants.values()
                            if p.student_id == sid and p.family_id), None)
            out[sid] = fam
        return out

    def _student_rows(self, student_id: str, scope: LessonScope | None) -> list[StudentLessonResult]:
        rows = []
        for x in self.s.lessons.values():
            p = x.participants.get(student_id)
            sheet = self.s.sheets.get(x.id)
            mark = sheet.marks.get(student_id) if sheet else None
            if p is None or x.cancelled or not (p.active or mark is not None) or not _covers(scope, x):
                continue
            rows.append(StudentLessonResult(student_id, x.id, x.starts_at, x.ends_at, x.course_id, x.group_id,
                                            sheet is not None, sheet.summary if sheet else None,
                                            sheet.homework if sheet else None, mark))
        rows.sort(key=lambda r: r.lesson_id)
        rows.sort(key=lambda r: r.starts_at, reverse=True)
        return rows

    async def student_lessons(self, asks: Sequence[tuple[StudentLessonsWindow, Sequence[str]]],
                              scope: LessonScope | None) -> StudentLessons:
        windows = [self._in_window(ids, scope, window) for window, ids in asks]
        families = {sid: fam for found in windows for sid, rows in found.items() if rows
                    and (fam := self.s.students.get(sid, (None, None, False))[0]) is not None}
        return StudentLessons(windows, families)

    def _in_window(self, student_ids: Sequence[str], scope: LessonScope | None,
                   window: StudentLessonsWindow) -> dict[str, list[StudentLessonResult]]:
        out = {}
        for sid in student_ids:
            rows = [r for r in self._student_rows(sid, scope)
                    if (window.since is None or r.starts_at >= window.since)
                    and (window.until is None or r.starts_at < window.until)
                    and (window.before is None or r.starts_at < window.before[0]
                         or (r.starts_at == window.before[0] and r.lesson_id > window.before[1]))]
            out[sid] = rows if window.limit is None else rows[:window.limit]
        return out

    async def count_student_lessons(self, student_id: str, scope: LessonScope | None,
                                    until: datetime | None) -> int:
        return sum(1 for r in self._student_rows(student_id, scope) if until is None or r.starts_at < until)

    async def group_lessons(self, group_id: str, start: datetime | None, end: datetime | None
                            ) -> list[GroupLesson]:
        found = [x for x in self.s.lessons.values() if x.group_id == group_id and not x.cancelled
                 and (start is None or x.starts_at >= start) and (end is None or x.starts_at < end)]
        found.sort(key=lambda x: (x.starts_at, x.id))
        return [GroupLesson(replace(x, participants={}), x.id in self.s.sheets) for x in found]

    async def participants_and_marks(self, lesson_ids: Sequence[str]
                                     ) -> tuple[list[tuple[str, Participant]], dict[tuple[str, str], Mark]]:
        parts = [(i, replace(p)) for i in lesson_ids if i in self.s.lessons
                 for p in self.s.lessons[i].participants.values()]
        marks = {(i, sid): replace(m, comment=None) for i in lesson_ids if i in self.s.sheets
                 for sid, m in self.s.sheets[i].marks.items()}
        return parts, marks

    async def all_thresholds(self) -> dict[str, Thresholds]:
        return dict(self.s.thresholds)

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]:
        return {b: self.s.thresholds.get(b, DEFAULT_THRESHOLDS) for b in branch_ids}

    async def marks_since(self, scope: LessonScope, since: datetime, until: datetime, branch_id: str | None,
                          group_id: str | None) -> list[BranchMark]:
        out = []
        for x in self.s.lessons.values():
            sheet = self.s.sheets.get(x.id)
            if (sheet is None or x.cancelled or not scope.covers(x) or not since <= x.starts_at < until
                    or (branch_id is not None and x.branch_id != branch_id)
                    or (group_id is not None and x.group_id != group_id)):
                continue
            for sid, m in sheet.marks.items():
                p = x.participants.get(sid)
                out.append(BranchMark(MarkFact(x.id, sid, x.course_id, x.group_id, x.starts_at, m.attendance,
                                               m.homework_done, m.grade), x.branch_id, p.family_id if p else None))
        return out

    async def unfilled(self, scope: LessonScope, now: datetime, teacher_id: str | None, limit: int) -> list[str]:
        found = []
        for x in self.s.lessons.values():
            sheet = self.s.sheets.get(x.id)
            unmarked = any(p.active and (sheet is None or sid not in sheet.marks) for sid, p in x.participants.items())
            if (scope.covers(x) and not x.cancelled and x.ends_at <= now and (sheet is None or unmarked)
                    and (teacher_id is None or x.teacher_id == teacher_id)):
                found.append(x)
        found.sort(key=lambda x: x.starts_at, reverse=True)
        return [x.id for x in found[:limit]]
