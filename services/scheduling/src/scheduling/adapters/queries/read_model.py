"""The read model of the GraphQL schema (``SchedulingReads``): each read takes the request's read session for
one statement (or one batch) and returns domain objects."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.adapters.queries.lessons import LessonViews
from scheduling.adapters.repositories import (
    BookingRepository,
    CatalogueRepository,
    FeedRepository,
    GroupRepository,
    LessonRepository,
    ProjectionRepository,
    SlotRepository,
    TrialRepository,
)
from scheduling.domain.model import (
    AvailabilitySlot,
    Booking,
    Branch,
    CalendarFeed,
    Course,
    Group,
    Lesson,
    LessonType,
    Membership,
    Participant,
    Room,
    StudentRef,
    Trial,
)
from scheduling.service.unit_of_work import LessonFilter

Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class SqlSchedulingReads:
    """``sessions``: the request's read session (``RequestContext.reads``) or, outside a request, a fresh one."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    @classmethod
    def over(cls, session: AsyncSession) -> SqlSchedulingReads:
        """Every read on this one session (left open: its owner closes it)."""

        @contextlib.asynccontextmanager
        async def borrowed() -> AsyncIterator[AsyncSession]:
            yield session

        return cls(borrowed)

    # lessons
    async def lessons(self, ids: Sequence[str]) -> dict[str, Lesson]:
        async with self._sessions() as s:
            return await LessonRepository(s).by_ids(list(ids), with_participants=True)

    async def participants(self, lesson_ids: Sequence[str]) -> dict[str, list[Participant]]:
        async with self._sessions() as s:
            return await LessonRepository(s).participants_of(list(lesson_ids))

    async def find_lessons(self, f: LessonFilter, *, first: int, after: str | None = None) -> list[Lesson]:
        async with self._sessions() as s:
            return await LessonViews(s).find(f, first=first, after=after)

    async def lesson_page(self, f: LessonFilter, *, first: int, after: str | None = None
                          ) -> tuple[list[Lesson], int]:
        async with self._sessions() as s:
            return await LessonViews(s).page(f, first=first, after=after)

    async def pages_of_students(self, f: LessonFilter, student_ids: Sequence[str], first: int
                                ) -> tuple[dict[str, tuple[list[Lesson], int]], dict[str, Group]]:
        async with self._sessions() as s:
            return await LessonViews(s).pages_of_students(f, student_ids, first)

    async def upcoming_counts(self, student_ids: Sequence[str], now: datetime) -> dict[str, int]:
        async with self._sessions() as s:
            return await LessonViews(s).upcoming_counts(list(student_ids), now)

    async def students_and_trials(self, ids: Sequence[str], counted: Sequence[str], families: Sequence[str],
                                  now: datetime) -> tuple[dict[str, StudentRef], dict[str, int], dict[str, Trial]]:
        async with self._sessions() as s:
            return await LessonViews(s).students_and_trials(ids, counted, families, now)

    async def teacher_teaches_student(self, teacher_id: str, student_id: str) -> bool:
        async with self._sessions() as s:
            return await LessonRepository(s).teacher_teaches_student(teacher_id, student_id)

    # groups
    async def group(self, group_id: str) -> Group | None:
        async with self._sessions() as s:
            return await GroupRepository(s).get(group_id)

    async def groups(self, ids: Sequence[str]) -> dict[str, Group]:
        async with self._sessions() as s:
            return await GroupRepository(s).by_ids(list(ids))

    async def list_groups(self, branch_ids: Sequence[str] | None, teacher_id: str | None) -> list[Group]:
        async with self._sessions() as s:
            return await GroupRepository(s).list_groups(branch_ids=branch_ids, teacher_id=teacher_id)

    async def memberships(self, group_ids: Sequence[str]) -> dict[str, list[Membership]]:
        async with self._sessions() as s:
            return await GroupRepository(s).memberships_of_groups(list(group_ids))

    # identity's data
    async def student(self, student_id: str) -> StudentRef | None:
        async with self._sessions() as s:
            return await ProjectionRepository(s).student(student_id)

    async def students(self, ids: Sequence[str]) -> dict[str, StudentRef]:
        async with self._sessions() as s:
            return await ProjectionRepository(s).students(list(ids))

    async def students_of_family(self, family_id: str) -> list[str]:
        async with self._sessions() as s:
            return await ProjectionRepository(s).students_of_family(family_id)

    async def branches(self, ids: Sequence[str]) -> dict[str, Branch]:
        async with self._sessions() as s:
            return await ProjectionRepository(s).branches(list(ids))

    # catalogue
    async def rooms(self, branch_id: str | None = None, ids: Sequence[str] | None = None) -> list[Room]:
        async with self._sessions() as s:
            return await CatalogueRepository(s).rooms(branch_id, None if ids is None else list(ids))

    async def courses(self) -> list[Course]:
        async with self._sessions() as s:
            return await CatalogueRepository(s).courses()

    async def lesson_types(self) -> list[LessonType]:
        async with self._sessions() as s:
            return await CatalogueRepository(s).lesson_types()

    # bookings, trials, slots, feeds
    async def bookings(self, student_ids: Sequence[str], *, published_only: bool = False
                       ) -> dict[str, list[Booking]]:
        async with self._sessions() as s:
            return await BookingRepository(s).of_students(list(student_ids), published_only=published_only)

    async def trials(self, family_ids: Sequence[str]) -> dict[str, Trial]:
        async with self._sessions() as s:
            return await TrialRepository(s).of_families(list(family_ids))

    async def open_slots(self, branch_ids: Sequence[str] | None, teacher_id: str | None, starts_from: datetime,
                         starts_before: datetime) -> list[AvailabilitySlot]:
        async with self._sessions() as s:
            return await SlotRepository(s).open_slots(branch_ids, teacher_id, starts_from, starts_before)

    async def feed(self, token_hash: str) -> CalendarFeed | None:
        async with self._sessions() as s:
            return await FeedRepository(s).by_hash(token_hash)


__all__ = ["SqlSchedulingReads"]
