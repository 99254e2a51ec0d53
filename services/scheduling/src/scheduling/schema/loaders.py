"""Per-request DataLoaders, named by relation (no N+1: each batches one query per request step). Each is a
typed attribute of ``Loaders`` (``loaders(info).lesson_by_id``), created with the request's read model."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from strawberry.dataloader import DataLoader

from kabinet.auth.principal import Principal
from kabinet.errors import KabinetError
from scheduling.domain.access import sees_drafts
from scheduling.domain.model import (
    Booking,
    Branch,
    Group,
    Lesson,
    Membership,
    Participant,
    Room,
    StudentRef,
    Trial,
    utcnow,
)
from scheduling.service.unit_of_work import LessonFilter, SchedulingReads
from scheduling.service.views import LessonPage, LessonQuery, authorised_filter

V = TypeVar("V")

# student, from, to, page size, the student as identity gave it (until scheduling has projected it)
StudentPageKey = tuple[str, dt.datetime, dt.datetime, int, StudentRef | None]


def _by_id(fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]], default: V) -> DataLoader[str, V]:
    async def load(ids: Sequence[str]) -> list[V]:
        found = await fetch(list(ids))
        return [found.get(i, default) for i in ids]

    return DataLoader(load_fn=load)


def _optional(fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]]) -> DataLoader[str, V | None]:
    async def load(ids: Sequence[str]) -> list[V | None]:
        found = await fetch(list(ids))
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


Projections = tuple[dict[str, StudentRef], dict[str, int], dict[str, Trial]]


@dataclass
class _ProjectionRead:
    students: set[str]
    families: set[str]
    result: asyncio.Future[Projections]


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, reads: SchedulingReads, principal: Principal) -> None:
        self._reads, self._principal = reads, principal
        now = utcnow()

        async def rooms(ids: list[str]) -> dict[str, Room]:
            return {r.id: r for r in await reads.rooms(ids=ids)}

        async def upcoming(ids: list[str]) -> dict[str, int]:
            return await reads.upcoming_counts(ids, now)

        async def students(ids: list[str]) -> dict[str, StudentRef]:
            return (await self._projections(students=ids))[0]

        async def trials(family_ids: list[str]) -> dict[str, Trial]:
            return (await self._projections(families=family_ids))[2]

        self._now = now
        self._counts_wanted: set[str] = set()
        self._pending: _ProjectionRead | None = None
        self._reading: set[asyncio.Task[None]] = set()

        self.lesson_by_id: DataLoader[str, Lesson | None] = _optional(reads.lessons)
        self.participants_by_lesson: DataLoader[str, list[Participant]] = _by_id(reads.participants, [])
        self.group_by_id: DataLoader[str, Group | None] = _optional(reads.groups)
        self.memberships_by_group: DataLoader[str, list[Membership]] = _by_id(reads.memberships, [])
        self.student_by_id: DataLoader[str, StudentRef | None] = _optional(students)
        self.upcoming_count_by_student: DataLoader[str, int] = _by_id(upcoming, 0)
        async def bookings(ids: list[str]) -> dict[str, list[Booking]]:
            return await reads.bookings(ids, published_only=not sees_drafts(principal))

        self.bookings_by_student: DataLoader[str, list[Booking]] = _by_id(bookings, [])
        self.trial_by_family: DataLoader[str, Trial | None] = _optional(trials)
        self.room_by_id: DataLoader[str, Room | None] = _optional(rooms)
        self.branch_by_id: DataLoader[str, Branch | None] = _optional(reads.branches)
        self.student_lesson_pages: DataLoader[StudentPageKey, LessonPage] = DataLoader(
            load_fn=self._student_pages)

    def want_upcoming_count(self, student_id: str) -> None:
        """The request asks for this child's upcoming lessons count: count it with its projection if that is still to be
        read (call before loading either)."""
        self._counts_wanted.add(student_id)

    def _projections(self, students: Sequence[str] = (), families: Sequence[str] = ()) -> asyncio.Future[Projections]:
        """Students' projections and families' trials asked for in one step of the event loop (the loaders'
        batches dispatch together): read in one statement, started on the next step as a DataLoader starts its
        batch. A child whose upcoming lessons count the request asks for is counted with its projection and the count
        loader answers from its cache (a child not projected yet is counted on its own)."""
        pending = self._pending
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = self._pending = _ProjectionRead(set(), set(), loop.create_future())
            loop.call_soon(self._start, pending)
        pending.students.update(students)
        pending.families.update(families)
        return pending.result

    def _start(self, pending: _ProjectionRead) -> None:
        self._pending = None  # what is asked from now on is the next read
        task = asyncio.ensure_future(self._read(pending))
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    async def _read(self, pending: _ProjectionRead) -> None:
        counted = sorted(pending.students & self._counts_wanted)
        try:
            found = await self._reads.students_and_trials(sorted(pending.students), counted,
                                                          sorted(pending.families), self._now)
        except Exception as exc:
            pending.result.set_exception(exc)
            return
        self.upcoming_count_by_student.prime_many({i: found[1].get(i, 0) for i in counted if i in found[0]})
        pending.result.set_result(found)

    async def _student_pages(self, keys: Sequence[StudentPageKey]) -> list[LessonPage | BaseException]:
        """The first page of each child's lessons for a whole family at once: each child's access is checked as
        a single page checks it, then one statement reads every page and count (not two per child). A page
        holds up to ``first + 1`` lessons (the extra one says there is a next page)."""
        out: dict[StudentPageKey, LessonPage | BaseException] = {}
        batches: dict[tuple[int, str], list[tuple[StudentPageKey, LessonFilter]]] = defaultdict(list)
        await self.student_by_id.load_many([k[0] for k in keys])  # every child's projection in one read
        for key in keys:
            student_id, from_, to, first, owner = key
            try:
                f = await authorised_filter(LessonQuery(from_, to, student_id=student_id, student_owner=owner),
                                            self._reads, self._principal, student_of=self.student_by_id.load)
            except KabinetError as exc:  # refused for this child only, as the unbatched page would be
                out[key] = exc
                continue
            batches[(first, repr(replace(f, student_id=None)))].append((key, f))
        for (first, _), items in batches.items():
            pages, groups = await self._reads.pages_of_students(items[0][1], [k[0] for k, _ in items], first + 1)
            for g in groups.values():  # the pages' lessons show their groups: no second read for them
                self.group_by_id.prime(g.id, g)
            for key, _ in items:
                page, total = pages[key[0]]
                out[key] = LessonPage(page[:first], len(page) > first, total)
        return [out[k] for k in keys]
