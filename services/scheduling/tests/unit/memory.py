"""Scheduling's unit of work in memory: the repositories of ``scheduling.service.unit_of_work`` over plain dicts,
for unit tests of the use cases without a database.

A ``MemoryStore`` is the database: each ``MemoryUnitOfWork`` works on a copy of it and writes the copy back on
``commit`` (leaving without commit changes nothing), and committed events land in ``store.events``. Objects go
in and out as copies, as rows would, so a use case that changes a lesson must ``save`` it.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from kabinet.events import EventContract
from kabinet.idempotency import Idempotency, MemoryKeyStore
from scheduling.domain.model import (
    BUILTIN_TYPES,
    AvailabilitySlot,
    Booking,
    BookingStatus,
    Branch,
    CalendarFeed,
    Course,
    Group,
    Lesson,
    LessonStatus,
    LessonType,
    Membership,
    Participant,
    Room,
    StaffRef,
    StudentRef,
    Trial,
    a_lesson,
)
from scheduling.domain.recurrence import RecurringRule
from scheduling.service.unit_of_work import LessonFilter
from scheduling.service.views import decode_cursor

DEFAULT_SHEET_DEADLINE_HOURS = 48
T = TypeVar("T")


@dataclass
class Tables:
    """What the database holds (one copy per unit of work)."""

    branches: dict[str, Branch] = field(default_factory=dict)
    sheet_deadlines: dict[str, int] = field(default_factory=dict)
    students: dict[str, StudentRef] = field(default_factory=dict)
    staff: dict[str, StaffRef] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    lesson_types: dict[str, LessonType] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    rules: dict[str, RecurringRule] = field(default_factory=dict)
    inactive_rules: set[str] = field(default_factory=set)
    lessons: dict[str, Lesson] = field(default_factory=dict)  # without participants
    participants: dict[str, list[Participant]] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)
    slots: dict[str, AvailabilitySlot] = field(default_factory=dict)
    trials: dict[str, Trial] = field(default_factory=dict)  # family id -> its one trial
    feeds: dict[str, tuple[CalendarFeed, str]] = field(default_factory=dict)  # id -> (feed, token hash)
    idempotency: MemoryKeyStore = field(default_factory=MemoryKeyStore)


@dataclass
class MemoryStore:
    tables: Tables = field(default_factory=Tables)
    events: list[EventContract] = field(default_factory=list)
    commits: int = 0

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def events_of(self, cls: type[EventContract]) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


def _copy(value: T) -> T:
    return copy.deepcopy(value)


class _Repo:
    def __init__(self, t: Tables) -> None:
        self.t = t


class MemoryProjections(_Repo):
    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        old = self.t.branches.get(branch_id)
        self.t.branches[branch_id] = (replace(old, name=name, time_zone=time_zone) if old
                                      else Branch(branch_id, name, time_zone))

    async def set_sheet_deadline(self, branch_id: str, hours: int) -> None:
        if branch_id in self.t.branches:
            self.t.sheet_deadlines[branch_id] = hours

    async def set_booking_policy(self, branch_id: str, notice_hours: int, late: str) -> None:
        if branch_id in self.t.branches:
            self.t.branches[branch_id] = replace(self.t.branches[branch_id], cancel_notice_hours=notice_hours,
                                                 late_cancellation=late)

    async def branch(self, branch_id: str) -> Branch | None:
        return self.t.branches.get(branch_id)

    async def branches(self, ids: Iterable[str]) -> dict[str, Branch]:
        return {i: self.t.branches[i] for i in ids if i in self.t.branches}

    async def upsert_student(self, s: StudentRef) -> None:
        old = self.t.students.get(s.id)
        if old is None or not old.erased:  # an erased student stays erased
            self.t.students[s.id] = replace(s, erased=False)

    async def erase_student(self, student_id: str, family_id: str) -> None:
        old = self.t.students.get(student_id)
        self.t.students[student_id] = (replace(old, first_name="", last_name="", erased=True) if old
                                       else StudentRef(student_id, family_id, None, "", "", True))

    async def students(self, ids: Iterable[str]) -> dict[str, StudentRef]:
        return {i: self.t.students[i] for i in ids if i in self.t.students}

    async def student(self, student_id: str) -> StudentRef | None:
        return self.t.students.get(student_id)

    async def students_of_family(self, family_id: str) -> list[str]:
        return [s.id for s in self.t.students.values() if s.family_id == family_id]

    async def upsert_staff(self, s: StaffRef) -> None:
        self.t.staff[s.id] = s

    async def staff(self, staff_id: str) -> StaffRef | None:
        return self.t.staff.get(staff_id)


class MemoryCatalogue(_Repo):
    async def add_room(self, room: Room) -> None:
        self.t.rooms[room.id] = room

    async def room(self, room_id: str) -> Room | None:
        return self.t.rooms.get(room_id)

    async def rooms(self, branch_id: str | None = None, ids: Sequence[str] | None = None) -> list[Room]:
        return sorted((r for r in self.t.rooms.values() if (branch_id is None or r.branch_id == branch_id)
                       and (ids is None or r.id in ids)), key=lambda r: r.name)

    async def add_course(self, course: Course) -> None:
        self.t.courses[course.id] = course

    async def course(self, course_id: str) -> Course | None:
        return self.t.courses.get(course_id)

    async def courses(self, ids: Sequence[str] | None = None) -> list[Course]:
        return sorted((c for c in self.t.courses.values() if ids is None or c.id in ids), key=lambda c: c.name)

    async def add_lesson_type(self, t: LessonType) -> bool:
        if t.code in self.t.lesson_types:
            return False
        self.t.lesson_types[t.code] = t
        return True

    async def lesson_types(self) -> list[LessonType]:
        return [*BUILTIN_TYPES, *sorted(self.t.lesson_types.values(), key=lambda t: t.name)]

    async def lesson_type(self, code: str) -> LessonType | None:
        return next((t for t in await self.lesson_types() if t.code == code), None)


class MemoryGroups(_Repo):
    async def add(self, g: Group) -> None:
        self.t.groups[g.id] = g

    async def get(self, group_id: str, *, lock: bool = False) -> Group | None:
        return self.t.groups.get(group_id)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Group]:
        return {i: self.t.groups[i] for i in ids if i in self.t.groups}

    async def list_groups(self, branch_ids: Sequence[str] | None = None,
                          teacher_id: str | None = None) -> list[Group]:
        return sorted((g for g in self.t.groups.values() if (branch_ids is None or g.branch_id in branch_ids)
                       and (teacher_id is None or g.teacher_id == teacher_id)), key=lambda g: g.name)

    async def add_membership(self, m: Membership) -> None:
        self.t.memberships[m.id] = _copy(m)

    async def save_membership(self, m: Membership) -> None:
        self.t.memberships[m.id] = _copy(m)

    async def membership(self, membership_id: str) -> Membership | None:
        return _copy(self.t.memberships.get(membership_id))

    async def hold_rosters(self, group_ids: Sequence[str], *, exclusive: bool = False) -> None:
        """Units of work take turns here (one at a time): nothing to hold."""

    async def memberships_of_groups(self, group_ids: Sequence[str]) -> dict[str, list[Membership]]:
        out: dict[str, list[Membership]] = defaultdict(list)
        for m in sorted(self.t.memberships.values(), key=lambda m: m.starts_on):
            if m.group_id in group_ids:
                out[m.group_id].append(_copy(m))
        return out

    async def add_rule(self, rule: RecurringRule) -> None:
        self.t.rules[rule.id] = _copy(rule)

    async def rules(self, branch_id: str | None = None, group_ids: Sequence[str] | None = None,
                    ids: Sequence[str] | None = None) -> list[RecurringRule]:
        return [_copy(r) for r in sorted(self.t.rules.values(), key=lambda r: r.id)
                if r.id not in self.t.inactive_rules and (branch_id is None or r.branch_id == branch_id)
                and (group_ids is None or r.group_id in group_ids) and (ids is None or r.id in ids)]


class MemoryLessons(_Repo):
    """``held``: the timetables this unit of work holds (take_turns). One unit of work at a time runs in memory, so
    nothing waits; but the rules PostgreSQL needs are checked here for every use case the unit tests run: a
    timetable is held before it is read (``busy``, ``busy_students``), and all in the first take_turns (a later
    one adding others could wait in a cycle with another request)."""

    def __init__(self, t: Tables) -> None:
        super().__init__(t)
        self.held: set[tuple[str, str]] = set()

    def _holds(self, scope: str, keys: Iterable[str]) -> None:
        missing = {k for k in keys if k} - {k for s, k in self.held if s == scope}
        assert not missing, f"read the {scope} timetables of {sorted(missing)} without holding them (take_turns)"

    def _with_participants(self, lesson: Lesson) -> Lesson:
        out = _copy(lesson)
        out.participants = _copy(sorted(self.t.participants.get(lesson.id, []), key=lambda p: p.student_id))
        return out

    def _active(self) -> list[Lesson]:
        return [x for x in self.t.lessons.values() if x.status is not LessonStatus.CANCELLED]

    async def add_many(self, new: Sequence[Lesson]) -> None:
        for lesson in new:
            if lesson.id in self.t.lessons:
                raise ValueError(f"duplicate lesson {lesson.id}")
            if lesson.rule_id and any(x.rule_id == lesson.rule_id and x.local_date == lesson.local_date
                                      for x in self.t.lessons.values()):
                raise ValueError("one lesson per rule and local date")  # the table's unique constraint
            self.t.lessons[lesson.id] = replace(_copy(lesson), participants=[])
            self.t.participants[lesson.id] = _copy(lesson.participants)

    async def add(self, lesson: Lesson) -> None:
        await self.add_many([lesson])

    async def save(self, lesson: Lesson) -> None:
        self.t.lessons[lesson.id] = replace(_copy(lesson), participants=[])

    async def labels(self, found: Iterable[Lesson]) -> dict[str, str]:
        out = {}
        for x in found:
            group = self.t.groups.get(x.group_id or "")
            what = f"the group «{group.name}»" if group else a_lesson(x.lesson_type)
            if x.course_id in self.t.courses:
                what += f" ({self.t.courses[x.course_id].name})"
            teacher = self.t.staff.get(x.teacher_id)
            name = f"{teacher.first_name} {teacher.last_name}".strip() if teacher else ""
            if name:
                what += f" with {name}"
            out[x.id] = what
        return out

    async def mark_conducted(self, lesson_id: str) -> bool:
        x = self.t.lessons.get(lesson_id)
        if x is None or x.status not in (LessonStatus.SCHEDULED, LessonStatus.MISSED):
            return False
        x.status = LessonStatus.CONDUCTED
        return True

    async def mark_missed(self, now: datetime) -> int:
        marked = 0
        for x in self.t.lessons.values():
            if x.branch_id not in self.t.branches:
                continue
            hours = self.t.sheet_deadlines.get(x.branch_id, DEFAULT_SHEET_DEADLINE_HOURS)
            if x.status is LessonStatus.SCHEDULED and x.published and x.ends_at < now - timedelta(hours=hours):
                x.status = LessonStatus.MISSED
                marked += 1
        return marked

    async def mark_published(self, lesson_ids: Sequence[str]) -> None:
        for i in lesson_ids:
            self.t.lessons[i].published = True

    async def add_participant(self, lesson_id: str, p: Participant) -> None:
        await self.add_participants([(lesson_id, p)])

    async def add_participants(self, rows: Sequence[tuple[str, Participant]]) -> None:
        for lesson_id, p in rows:
            if any(x.student_id == p.student_id for x in self.t.participants.setdefault(lesson_id, [])):
                raise ValueError("one participation per student and lesson")  # the primary key
            self.t.participants[lesson_id].append(_copy(p))

    async def update_participant(self, lesson_id: str, p: Participant) -> None:
        self.t.participants[lesson_id] = [_copy(p) if x.student_id == p.student_id else x
                                          for x in self.t.participants.get(lesson_id, [])]

    async def remove_participant(self, lesson_id: str, student_id: str) -> None:
        self.t.participants[lesson_id] = [x for x in self.t.participants.get(lesson_id, [])
                                          if x.student_id != student_id]

    async def get(self, lesson_id: str, *, lock: bool = False) -> Lesson | None:
        x = self.t.lessons.get(lesson_id)
        return self._with_participants(x) if x else None

    async def by_ids(self, ids: Sequence[str], with_participants: bool = False) -> dict[str, Lesson]:
        return {i: self._with_participants(self.t.lessons[i]) if with_participants else _copy(self.t.lessons[i])
                for i in ids if i in self.t.lessons}

    async def participants_of(self, lesson_ids: Sequence[str]) -> dict[str, list[Participant]]:
        return {i: self._with_participants(self.t.lessons[i]).participants for i in lesson_ids
                if self.t.participants.get(i)}

    async def occurrences_taken(self, rule_ids: Sequence[str], first: date, last: date) -> set[tuple[str, date]]:
        return {(x.rule_id, x.local_date) for x in self.t.lessons.values()
                if x.rule_id is not None and x.rule_id in rule_ids and first <= x.local_date <= last}

    async def busy(self, starts_at: datetime, ends_at: datetime, teacher_ids: Iterable[str] = (),
                   room_ids: Iterable[str] = ()) -> list[Lesson]:
        teachers, rooms = set(teacher_ids), {r for r in room_ids if r}
        self._holds("teacher", teachers)
        self._holds("room", rooms)
        return [_copy(x) for x in self._active() if x.starts_at < ends_at and x.ends_at > starts_at
                and (x.teacher_id in teachers or (x.room_id is not None and x.room_id in rooms))]

    async def busy_students(self, student_ids: Sequence[str], starts_at: datetime, ends_at: datetime
                            ) -> dict[str, list[Lesson]]:
        self._holds("student", student_ids)
        out: dict[str, list[Lesson]] = defaultdict(list)
        for x in self._active():
            if x.starts_at < ends_at and x.ends_at > starts_at:
                for p in self.t.participants.get(x.id, []):
                    if p.student_id in student_ids:
                        out[p.student_id].append(_copy(x))
        return out

    def _sorted(self, found: Iterable[Lesson]) -> list[Lesson]:
        return [self._with_participants(x) for x in sorted(found, key=lambda x: x.starts_at)]

    async def of_group_between(self, group_id: str, first_day: date, last_day: date | None, *,
                               lock: bool = False) -> list[Lesson]:
        return self._sorted(x for x in self._active() if x.group_id == group_id and x.local_date >= first_day
                            and (last_day is None or x.local_date <= last_day))

    async def take_turns(self, teacher_ids: Iterable[str], room_ids: Iterable[str],
                         student_ids: Iterable[str] = ()) -> None:
        keys = {*(("teacher", t) for t in teacher_ids), *(("room", r) for r in room_ids if r),
                *(("student", s) for s in student_ids)}
        assert not self.held or keys <= self.held, f"took {sorted(keys - self.held)} after {sorted(self.held)}"
        self.held |= keys

    async def following(self, lesson: Lesson, *, lock: bool = False) -> list[Lesson]:
        if lesson.rule_id is None:
            return [lesson]
        return self._sorted(x for x in self._active()
                            if x.rule_id == lesson.rule_id and x.local_date >= lesson.local_date)

    async def unpublished_between(self, branch_id: str, first_day: date, last_day: date,
                                  group_id: str | None = None) -> list[Lesson]:
        return self._sorted(x for x in self._active() if x.branch_id == branch_id and not x.published
                            and first_day <= x.local_date <= last_day
                            and (group_id is None or x.group_id == group_id))

    async def was_in_group_lesson_before(self, group_id: str, student_id: str, before: datetime) -> bool:
        return any(x.group_id == group_id and x.starts_at < before
                   and any(p.student_id == student_id for p in self.t.participants.get(x.id, []))
                   for x in self._active())

    async def teacher_teaches_student(self, teacher_id: str, student_id: str) -> bool:
        return any(x.teacher_id == teacher_id
                   and any(p.student_id == student_id for p in self.t.participants.get(x.id, []))
                   for x in self.t.lessons.values())


class MemoryBookings(_Repo):
    async def add(self, b: Booking) -> None:
        self.t.bookings[b.id] = _copy(b)

    async def cancel(self, b: Booking) -> bool:
        if self.t.bookings[b.id].status is not BookingStatus.ACTIVE:
            return False
        self.t.bookings[b.id] = _copy(b)
        return True

    async def get(self, booking_id: str) -> Booking | None:
        return _copy(self.t.bookings.get(booking_id))

    async def of_students(self, student_ids: Sequence[str], active_only: bool = True, *,
                          published_only: bool = False) -> dict[str, list[Booking]]:
        out: dict[str, list[Booking]] = defaultdict(list)
        for b in sorted(self.t.bookings.values(), key=lambda b: b.created_at):
            if published_only and not self.t.lessons[b.lesson_id].published:
                continue
            if b.student_id in student_ids and (not active_only or b.status is BookingStatus.ACTIVE):
                out[b.student_id].append(_copy(b))
        return out


class MemorySlots(_Repo):
    async def add(self, s: AvailabilitySlot) -> None:
        self.t.slots[s.id] = s

    async def get(self, slot_id: str) -> AvailabilitySlot | None:
        return self.t.slots.get(slot_id)

    async def reopen(self, lesson_id: str) -> bool:
        found = [s for s in self.t.slots.values() if s.lesson_id == lesson_id]
        for s in found:
            self.t.slots[s.id] = replace(s, lesson_id=None)
        return bool(found)

    async def claim(self, slot_id: str, lesson_id: str) -> bool:
        s = self.t.slots.get(slot_id)
        if s is None or not s.open:
            return False
        self.t.slots[slot_id] = replace(s, lesson_id=lesson_id)
        return True

    async def close(self, slot_id: str, at: datetime) -> bool:
        s = self.t.slots.get(slot_id)
        if s is None or not s.open:
            return False
        self.t.slots[slot_id] = replace(s, closed_at=at)
        return True

    async def open_over(self, starts_at: datetime, ends_at: datetime, teacher_ids: Iterable[str] = (),
                        room_ids: Iterable[str] = ()) -> list[AvailabilitySlot]:
        teachers, rooms = set(teacher_ids), {r for r in room_ids if r}
        return [s for s in self.t.slots.values() if s.holds(starts_at, ends_at)
                and (s.teacher_id in teachers or (s.room_id is not None and s.room_id in rooms))]

    async def open_slots(self, branch_ids: Sequence[str] | None, teacher_id: str | None, starts_from: datetime,
                         starts_before: datetime) -> list[AvailabilitySlot]:
        return sorted((s for s in self.t.slots.values() if s.open
                       and starts_from <= s.starts_at < starts_before
                       and (branch_ids is None or s.branch_id in branch_ids)
                       and (teacher_id is None or s.teacher_id == teacher_id)), key=lambda s: s.starts_at)


class MemoryTrials(_Repo):
    async def claim(self, t: Trial) -> bool:
        if t.family_id in self.t.trials:
            return False
        self.t.trials[t.family_id] = t
        return True

    async def release(self, family_id: str, lesson_id: str) -> None:
        t = self.t.trials.get(family_id)
        if t is not None and t.lesson_id == lesson_id:
            del self.t.trials[family_id]

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, Trial]:
        return {f: self.t.trials[f] for f in family_ids if f in self.t.trials}


class MemoryFeeds(_Repo):
    async def add(self, feed_id: str, token_hash: str, owner_kind: str, owner_id: str, now: datetime) -> None:
        self.t.feeds[feed_id] = (CalendarFeed(feed_id, owner_kind, owner_id, False), token_hash)

    async def by_hash(self, token_hash: str) -> CalendarFeed | None:
        return next((f for f, h in self.t.feeds.values() if h == token_hash), None)

    async def get(self, feed_id: str) -> CalendarFeed | None:
        found = self.t.feeds.get(feed_id)
        return found[0] if found else None

    async def revoke(self, feed_id: str, now: datetime) -> None:
        f, h = self.t.feeds[feed_id]
        self.t.feeds[feed_id] = (replace(f, revoked=True), h)

    async def revoke_owner(self, owner_kind: str, owner_id: str, now: datetime) -> None:
        for feed_id, (f, h) in list(self.t.feeds.items()):
            if f.owner_kind == owner_kind and f.owner_id == owner_id:
                self.t.feeds[feed_id] = (replace(f, revoked=True), h)


class MemoryUnitOfWork:
    """``async with store.uow() as uow: ...; await uow.commit()`` (the ``SchedulingUnitOfWork`` protocol)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._tables = _copy(store.tables)
        t = self._tables
        self.projections = MemoryProjections(t)
        self.catalogue = MemoryCatalogue(t)
        self.groups = MemoryGroups(t)
        self.lessons = MemoryLessons(t)
        self.bookings = MemoryBookings(t)
        self.slots = MemorySlots(t)
        self.trials = MemoryTrials(t)
        self.feeds = MemoryFeeds(t)
        self.idempotency = Idempotency(t.idempotency, str)
        self.pending: list[EventContract] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.pending.clear()

    def publish(self, event: EventContract) -> EventContract:
        self.pending.append(event)
        return event

    async def commit(self) -> None:
        self.store.tables = _copy(self._tables)
        self.store.events.extend(self.pending)
        self.store.commits += 1
        self.pending.clear()
        self.lessons.held.clear()  # a transaction's locks end with it


class MemoryReads:
    """The GraphQL read model (``SchedulingReads``) over the committed state of a ``MemoryStore``."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _uow(self) -> MemoryUnitOfWork:
        return self.store.uow()

    def _matching(self, f: LessonFilter) -> list[Lesson]:
        t = self.store.tables
        out = []
        for x in t.lessons.values():
            parts = t.participants.get(x.id, [])
            if f.student_id is not None and all(p.student_id != f.student_id for p in parts):
                continue
            if f.family_id is not None and all(p.family_id != f.family_id for p in parts):
                continue
            if ((f.branch_ids is not None and x.branch_id not in f.branch_ids)
                    or (f.group_id is not None and x.group_id != f.group_id)
                    or (f.teacher_id is not None and x.teacher_id != f.teacher_id)
                    or (f.starts_from is not None and x.starts_at < f.starts_from)
                    or (f.starts_before is not None and x.starts_at >= f.starts_before)
                    or (not f.include_cancelled and x.status is LessonStatus.CANCELLED)
                    or (f.published_only and not x.published)
                    or (f.bookable_only and not x.bookable)):
                continue
            out.append(_copy(x))
        return sorted(out, key=lambda x: (x.starts_at, x.id))

    async def lessons(self, ids: Sequence[str]) -> dict[str, Lesson]:
        return await self._uow().lessons.by_ids(ids, with_participants=True)

    async def participants(self, lesson_ids: Sequence[str]) -> dict[str, list[Participant]]:
        return await self._uow().lessons.participants_of(lesson_ids)

    async def find_lessons(self, f: LessonFilter, *, first: int, after: str | None = None) -> list[Lesson]:
        found = self._matching(f)
        pos = decode_cursor(after) if after else None
        if pos is not None:
            found = [x for x in found if (x.starts_at, x.id) > pos]
        return found[:first]

    async def lesson_page(self, f: LessonFilter, *, first: int, after: str | None = None
                          ) -> tuple[list[Lesson], int]:
        return await self.find_lessons(f, first=first, after=after), len(self._matching(f))

    async def pages_of_students(self, f: LessonFilter, student_ids: Sequence[str], first: int
                                ) -> tuple[dict[str, tuple[list[Lesson], int]], dict[str, Group]]:
        out = {}
        for sid in student_ids:
            found = self._matching(replace(f, student_id=sid))
            out[sid] = (found[:first], len(found))
        group_ids = [x.group_id for page, _ in out.values() for x in page if x.group_id]
        return out, await self.groups(group_ids)

    async def upcoming_counts(self, student_ids: Sequence[str], now: datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sid in student_ids:
            n = len([x for x in self._matching(LessonFilter(student_id=sid, starts_from=now,
                                                            include_cancelled=False, published_only=True))])
            if n:
                counts[sid] = n
        return counts

    async def students_and_trials(self, ids: Sequence[str], counted: Sequence[str], families: Sequence[str],
                                  now: datetime) -> tuple[dict[str, StudentRef], dict[str, int], dict[str, Trial]]:
        found = await self.students(ids)
        counts = await self.upcoming_counts([i for i in counted if i in found], now)
        return found, {i: counts.get(i, 0) for i in counted if i in found}, await self.trials(families)

    async def teacher_teaches_student(self, teacher_id: str, student_id: str) -> bool:
        return await self._uow().lessons.teacher_teaches_student(teacher_id, student_id)

    async def group(self, group_id: str) -> Group | None:
        return await self._uow().groups.get(group_id)

    async def groups(self, ids: Sequence[str]) -> dict[str, Group]:
        return await self._uow().groups.by_ids(ids)

    async def list_groups(self, branch_ids: Sequence[str] | None, teacher_id: str | None) -> list[Group]:
        return await self._uow().groups.list_groups(branch_ids, teacher_id)

    async def memberships(self, group_ids: Sequence[str]) -> dict[str, list[Membership]]:
        return await self._uow().groups.memberships_of_groups(group_ids)

    async def student(self, student_id: str) -> StudentRef | None:
        return await self._uow().projections.student(student_id)

    async def students(self, ids: Sequence[str]) -> dict[str, StudentRef]:
        return await self._uow().projections.students(ids)

    async def students_of_family(self, family_id: str) -> list[str]:
        return await self._uow().projections.students_of_family(family_id)

    async def branches(self, ids: Sequence[str]) -> dict[str, Branch]:
        return await self._uow().projections.branches(ids)

    async def rooms(self, branch_id: str | None = None, ids: Sequence[str] | None = None) -> list[Room]:
        return await self._uow().catalogue.rooms(branch_id, ids)

    async def courses(self) -> list[Course]:
        return await self._uow().catalogue.courses()

    async def lesson_types(self) -> list[LessonType]:
        return await self._uow().catalogue.lesson_types()

    async def bookings(self, student_ids: Sequence[str], *, published_only: bool = False
                       ) -> dict[str, list[Booking]]:
        return await self._uow().bookings.of_students(student_ids, published_only=published_only)

    async def trials(self, family_ids: Sequence[str]) -> dict[str, Trial]:
        return await self._uow().trials.of_families(family_ids)

    async def open_slots(self, branch_ids: Sequence[str] | None, teacher_id: str | None, starts_from: datetime,
                         starts_before: datetime) -> list[AvailabilitySlot]:
        return await self._uow().slots.open_slots(branch_ids, teacher_id, starts_from, starts_before)

    async def feed(self, token_hash: str) -> CalendarFeed | None:
        return await self._uow().feeds.by_hash(token_hash)
