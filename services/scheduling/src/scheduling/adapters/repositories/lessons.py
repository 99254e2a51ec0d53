"""Lessons and their participants: the aggregate every use case changes, and the set-wise checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.bulk import insert_many
from kabinet.db.dialect import dialect_of
from kabinet.db.locks import take_turns
from kabinet.money import Money
from scheduling.adapters.repositories._rows import chunks, utc
from scheduling.adapters.tables import (
    branches,
    courses,
    groups,
    lessons,
    participants,
    staff,
)
from scheduling.domain.model import (
    Lesson,
    LessonKind,
    LessonStatus,
    Participant,
    ParticipantReason,
    a_lesson,
)


def lesson_of(r: Any) -> Lesson:
    return Lesson(
        id=r.id, branch_id=r.branch_id, teacher_id=r.teacher_id, lesson_type=r.lesson_type, kind=LessonKind(r.kind),
        charged_by_default=r.charged_by_default, starts_at=utc(r.starts_at), ends_at=utc(r.ends_at),
        price=Money(r.price, r.currency), local_date=r.local_date, group_id=r.group_id, course_id=r.course_id,
        room_id=r.room_id, capacity=r.capacity, rule_id=r.rule_id, parallel_of=r.parallel_of,
        status=LessonStatus(r.status), published=r.published, bookable=r.bookable, cancel_reason=r.cancel_reason)


def _lesson_row(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id, "branch_id": lesson.branch_id, "group_id": lesson.group_id,
        "course_id": lesson.course_id, "teacher_id": lesson.teacher_id, "room_id": lesson.room_id,
        "lesson_type": lesson.lesson_type, "kind": lesson.kind.value,
        "charged_by_default": lesson.charged_by_default, "starts_at": lesson.starts_at, "ends_at": lesson.ends_at,
        "local_date": lesson.local_date, "price": lesson.price.amount, "currency": lesson.price.currency,
        "capacity": lesson.capacity, "rule_id": lesson.rule_id, "parallel_of": lesson.parallel_of,
        "status": lesson.status.value, "published": lesson.published, "bookable": lesson.bookable,
        "cancel_reason": lesson.cancel_reason,
    }


def _participant_row(lesson_id: str, p: Participant) -> dict[str, Any]:
    return {"lesson_id": lesson_id, "student_id": p.student_id, "family_id": p.family_id,
            "reason": p.reason.value, "price": p.price.amount, "currency": p.price.currency,
            "booking_id": p.booking_id}


_REASONS = {r.value: r for r in ParticipantReason}



class LessonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # writes
    async def add_many(self, new: Sequence[Lesson]) -> None:
        """Bulk insert (one statement for lessons, one for participants): a month is thousands of rows."""
        if not new:
            return
        await insert_many(self.session, lessons, [_lesson_row(lesson) for lesson in new])
        await insert_many(self.session, participants,
                          [_participant_row(lesson.id, p) for lesson in new for p in lesson.participants])

    async def add(self, lesson: Lesson) -> None:
        await self.add_many([lesson])

    async def save(self, lesson: Lesson) -> None:
        row = _lesson_row(lesson)
        del row["id"]
        await self.session.execute(update(lessons).where(lessons.c.id == lesson.id).values(**row))

    async def labels(self, found: Iterable[Lesson]) -> dict[str, str]:
        """How a person names each lesson in a message: «group (course)» or its type, and its teacher —
        three small queries whatever the number."""
        found = list(found)
        group_ids = sorted({x.group_id for x in found if x.group_id})
        course_ids = sorted({x.course_id for x in found if x.course_id})
        teacher_ids = sorted({x.teacher_id for x in found})
        group_names = {r.id: r.name for r in await self.session.execute(
            select(groups.c.id, groups.c.name).where(any_of(groups.c.id, group_ids)))} if group_ids else {}
        course_names = {r.id: r.name for r in await self.session.execute(
            select(courses.c.id, courses.c.name).where(any_of(courses.c.id, course_ids)))} if course_ids else {}
        teachers = {r.id: f"{r.first_name} {r.last_name}".strip() for r in await self.session.execute(
            select(staff.c.id, staff.c.first_name, staff.c.last_name).where(any_of(staff.c.id, teacher_ids)))}
        out = {}
        for x in found:
            group = group_names.get(x.group_id or "")
            what = f"the group «{group}»" if group else a_lesson(x.lesson_type)
            if x.course_id in course_names:
                what += f" ({course_names[x.course_id]})"
            if teachers.get(x.teacher_id):
                what += f" with {teachers[x.teacher_id]}"
            out[x.id] = what
        return out

    async def mark_conducted(self, lesson_id: str) -> bool:
        """Its sheet was saved: a scheduled or missed lesson took place (a cancelled one stays cancelled)."""
        done = await self.session.execute(update(lessons).where(
            lessons.c.id == lesson_id,
            lessons.c.status.in_([LessonStatus.SCHEDULED.value, LessonStatus.MISSED.value]))
            .values(status=LessonStatus.CONDUCTED.value))
        return bool(getattr(done, "rowcount", 0))

    async def mark_missed(self, now: datetime) -> int:
        """Published lessons still ``scheduled`` past their branch's sheet deadline become ``missed``."""
        marked = 0
        for b in (await self.session.execute(select(branches.c.id, branches.c.sheet_deadline_hours))).all():
            done = await self.session.execute(update(lessons).where(
                lessons.c.branch_id == b.id, lessons.c.status == LessonStatus.SCHEDULED.value,
                lessons.c.published.is_(True),
                lessons.c.ends_at < now - timedelta(hours=b.sheet_deadline_hours))
                .values(status=LessonStatus.MISSED.value))
            marked += int(getattr(done, "rowcount", 0) or 0)
        return marked

    async def mark_published(self, lesson_ids: Sequence[str]) -> None:
        for chunk in chunks(lesson_ids, 5000):
            await self.session.execute(update(lessons).where(any_of(lessons.c.id, chunk)).values(published=True))

    async def add_participant(self, lesson_id: str, p: Participant) -> None:
        await self.session.execute(insert(participants).values(**_participant_row(lesson_id, p)))

    async def add_participants(self, rows: Sequence[tuple[str, Participant]]) -> None:
        await insert_many(self.session, participants, [_participant_row(lid, p) for lid, p in rows])

    async def update_participant(self, lesson_id: str, p: Participant) -> None:
        await self.session.execute(update(participants).where(
            participants.c.lesson_id == lesson_id, participants.c.student_id == p.student_id).values(
            reason=p.reason.value, price=p.price.amount, currency=p.price.currency, booking_id=p.booking_id))

    async def remove_participant(self, lesson_id: str, student_id: str) -> None:
        await self.session.execute(delete(participants).where(
            participants.c.lesson_id == lesson_id, participants.c.student_id == student_id))

    # reads
    async def get(self, lesson_id: str, *, lock: bool = False) -> Lesson | None:
        """``lock``: hold the lesson's row lock (PostgreSQL) so racing writers to its roster go one at a time."""
        q = select(lessons).where(lessons.c.id == lesson_id)
        if lock and dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        r = (await self.session.execute(q)).first()
        if r is None:
            return None
        lesson = lesson_of(r)
        lesson.participants = (await self.participants_of([lesson.id])).get(lesson.id, [])
        return lesson

    async def by_ids(self, ids: Sequence[str], with_participants: bool = False) -> dict[str, Lesson]:
        out: dict[str, Lesson] = {}
        for chunk in chunks(ids, 5000):
            for r in await self.session.execute(select(lessons).where(any_of(lessons.c.id, chunk))):
                out[r.id] = lesson_of(r)
        if with_participants and out:
            found = await self.participants_of(list(out))
            for lid, lesson in out.items():
                lesson.participants = found.get(lid, [])
        return out

    async def participants_of(self, lesson_ids: Sequence[str]) -> dict[str, list[Participant]]:
        """A month's rosters are tens of thousands of rows with a handful of prices: rows are read as tuples and
        each price is one (immutable) Money, shared."""
        out: dict[str, list[Participant]] = defaultdict(list)
        prices: dict[tuple[Decimal, str], Money] = {}
        c = participants.c
        for chunk in chunks(lesson_ids, 5000):
            rows = await self.session.execute(
                select(c.lesson_id, c.student_id, c.family_id, c.reason, c.price, c.currency, c.booking_id)
                .where(any_of(c.lesson_id, chunk)).order_by(c.student_id))
            for lesson_id, student_id, family_id, reason, amount, currency, booking_id in rows:
                price = prices.get((amount, currency))
                if price is None:
                    price = prices[amount, currency] = Money(amount, currency)
                out[lesson_id].append(Participant(student_id, family_id, _REASONS[reason], price, booking_id))
        return out

    async def occurrences_taken(self, rule_ids: Sequence[str], first: date, last: date) -> set[tuple[str, date]]:
        if not rule_ids:
            return set()
        rows = await self.session.execute(select(lessons.c.rule_id, lessons.c.local_date).where(
            any_of(lessons.c.rule_id, rule_ids), lessons.c.local_date.between(first, last)))
        return {(r.rule_id, r.local_date) for r in rows}

    async def take_turns(self, teacher_ids: Iterable[str], room_ids: Iterable[str],
                         student_ids: Iterable[str] = ()) -> None:
        # Advisory locks, not an exclusion constraint: a teacher's time is held by lessons and by open slots (two
        # tables), a parallel make-up shares its teacher's time, a student's time is a participants row joined to
        # its lesson's times, and generation reports a clash rather than failing (docs/architecture.md, "Clash
        # checks under concurrency").
        await take_turns(self.session, [*(("scheduling.teacher", t) for t in teacher_ids),
                                        *(("scheduling.room", r) for r in room_ids if r),
                                        *(("scheduling.student", s) for s in student_ids)])

    async def busy(self, starts_at: datetime, ends_at: datetime, teacher_ids: Iterable[str] = (),
                   room_ids: Iterable[str] = ()) -> list[Lesson]:
        """Active lessons overlapping [starts_at, ends_at) of any of these teachers or rooms."""
        teachers, rooms_ = list(set(teacher_ids)), [r for r in set(room_ids) if r]
        if not teachers and not rooms_:
            return []
        who = or_(any_of(lessons.c.teacher_id, teachers), any_of(lessons.c.room_id, rooms_))
        q = select(lessons).where(lessons.c.status != LessonStatus.CANCELLED.value, lessons.c.starts_at < ends_at,
                                  lessons.c.ends_at > starts_at, who)
        return [lesson_of(r) for r in await self.session.execute(q)]

    async def busy_students(self, student_ids: Sequence[str], starts_at: datetime, ends_at: datetime
                            ) -> dict[str, list[Lesson]]:
        """Each student's active lessons overlapping the window."""
        out: dict[str, list[Lesson]] = defaultdict(list)
        if not student_ids:
            return out
        q = (select(lessons, participants.c.student_id.label("p_student"))
             .join(participants, participants.c.lesson_id == lessons.c.id)
             .where(any_of(participants.c.student_id, student_ids),
                    lessons.c.status != LessonStatus.CANCELLED.value,
                    lessons.c.starts_at < ends_at, lessons.c.ends_at > starts_at))
        for r in await self.session.execute(q):
            out[r.p_student].append(lesson_of(r))
        return out

    async def of_group_between(self, group_id: str, first_day: date, last_day: date | None, *,
                               lock: bool = False) -> list[Lesson]:
        """``lock``: hold the lessons' row locks, as bookings do, so a join and a booking cannot both take the
        last place."""
        q = select(lessons).where(lessons.c.group_id == group_id, lessons.c.local_date >= first_day,
                                  lessons.c.status != LessonStatus.CANCELLED.value)
        if last_day is not None:
            q = q.where(lessons.c.local_date <= last_day)
        if lock and dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        found = [lesson_of(r) for r in await self.session.execute(q.order_by(lessons.c.starts_at))]
        parts = await self.participants_of([x.id for x in found])
        for lesson in found:
            lesson.participants = parts.get(lesson.id, [])
        return found

    async def following(self, lesson: Lesson, *, lock: bool = False) -> list[Lesson]:
        """This lesson and the later ones of the same rule (for "this and all following"). ``lock``: hold their
        row locks, taken in time order (a move takes them before the timetables' turns: see move_lesson)."""
        if lesson.rule_id is None:
            return [lesson]
        q = select(lessons).where(lessons.c.rule_id == lesson.rule_id, lessons.c.local_date >= lesson.local_date,
                                  lessons.c.status != LessonStatus.CANCELLED.value).order_by(lessons.c.starts_at)
        if lock and dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        found = [lesson_of(r) for r in await self.session.execute(q)]
        parts = await self.participants_of([x.id for x in found])
        for x in found:
            x.participants = parts.get(x.id, [])
        return found

    async def unpublished_between(self, branch_id: str, first_day: date, last_day: date,
                                  group_id: str | None = None) -> list[Lesson]:
        q = select(lessons).where(lessons.c.branch_id == branch_id, lessons.c.published.is_(False),
                                  lessons.c.status != LessonStatus.CANCELLED.value,
                                  lessons.c.local_date.between(first_day, last_day))
        if group_id is not None:
            q = q.where(lessons.c.group_id == group_id)
        # Locked until commit: a publish of the same month at the same time waits, then finds them published
        # (PostgreSQL re-reads a locked row's condition), instead of sending each lesson's event twice.
        q = q.order_by(lessons.c.starts_at).with_for_update()
        found = [lesson_of(r) for r in await self.session.execute(q)]
        parts = await self.participants_of([x.id for x in found])
        for x in found:
            x.participants = parts.get(x.id, [])
        return found

    async def was_in_group_lesson_before(self, group_id: str, student_id: str, before: datetime) -> bool:
        """Whether the student was in an earlier (not cancelled) lesson of the group."""
        q = select(lessons.c.id).join(participants, participants.c.lesson_id == lessons.c.id).where(
            lessons.c.group_id == group_id, participants.c.student_id == student_id,
            lessons.c.status != LessonStatus.CANCELLED.value, lessons.c.starts_at < before).limit(1)
        return (await self.session.execute(q)).first() is not None

    async def teacher_teaches_student(self, teacher_id: str, student_id: str) -> bool:
        q = select(participants.c.lesson_id).join(lessons, lessons.c.id == participants.c.lesson_id).where(
            lessons.c.teacher_id == teacher_id, participants.c.student_id == student_id).limit(1)
        return (await self.session.execute(q)).first() is not None
