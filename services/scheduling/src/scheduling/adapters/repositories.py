"""Repositories: rows <-> domain objects, and the set-wise queries the use cases and views need."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.dialect import insert_for
from kabinet.money import Money
from scheduling.adapters.tables import (
    availability_slots,
    bookings,
    branches,
    calendar_feeds,
    courses,
    groups,
    lesson_types,
    lessons,
    memberships,
    participants,
    recurring_rules,
    rooms,
    staff,
    students,
    trials,
)
from scheduling.domain.model import (
    BUILTIN_TYPES,
    AvailabilitySlot,
    Booking,
    BookingStatus,
    Branch,
    Course,
    Group,
    Lesson,
    LessonKind,
    LessonStatus,
    LessonType,
    Membership,
    Participant,
    ParticipantReason,
    Room,
    Trial,
    a_lesson,
)
from scheduling.domain.recurrence import RecurringRule


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC): make every time read from a row aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


@dataclass(frozen=True)
class StudentRef:
    id: str
    family_id: str
    branch_id: str | None
    first_name: str
    last_name: str
    erased: bool = False


@dataclass(frozen=True)
class StaffRef:
    id: str
    role: str
    branch_ids: tuple[str, ...]
    first_name: str
    last_name: str


# -- projections ----------------------------------------------------------------------------------
class ProjectionRepository:
    """Local copies of identity's branches, students and staff (kept from identity's events)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name=name, time_zone=time_zone)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"name": name, "time_zone": time_zone}))

    async def set_sheet_deadline(self, branch_id: str, hours: int) -> None:
        await self.session.execute(update(branches).where(branches.c.id == branch_id).values(
            sheet_deadline_hours=hours))

    async def sheet_deadline(self, branch_id: str) -> int | None:
        return (await self.session.execute(select(branches.c.sheet_deadline_hours)
                                           .where(branches.c.id == branch_id))).scalar_one_or_none()

    async def set_booking_policy(self, branch_id: str, notice_hours: int, late: str) -> None:
        await self.session.execute(update(branches).where(branches.c.id == branch_id).values(
            cancel_notice_hours=notice_hours, late_cancellation=late))

    async def branch(self, branch_id: str) -> Branch | None:
        r = (await self.session.execute(select(branches).where(branches.c.id == branch_id))).first()
        return Branch(r.id, r.name, r.time_zone, r.cancel_notice_hours, r.late_cancellation) if r else None

    async def branches(self, ids: Iterable[str]) -> dict[str, Branch]:
        rows = (await self.session.execute(select(branches).where(branches.c.id.in_(list(ids))))).all()
        return {r.id: Branch(r.id, r.name, r.time_zone, r.cancel_notice_hours, r.late_cancellation) for r in rows}

    async def upsert_student(self, s: StudentRef) -> None:
        values = {"family_id": s.family_id, "branch_id": s.branch_id, "first_name": s.first_name,
                  "last_name": s.last_name}
        stmt = insert_for(self.session, students).values(id=s.id, erased=False, **values)
        # An erased student stays erased even if an older update arrives late.
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_=values, where=students.c.erased.is_(False)))

    async def erase_student(self, student_id: str, family_id: str) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=None,
                                                       first_name="", last_name="", erased=True)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"first_name": "", "last_name": "", "erased": True}))

    async def students(self, ids: Iterable[str]) -> dict[str, StudentRef]:
        rows = (await self.session.execute(select(students).where(students.c.id.in_(list(ids))))).all()
        return {r.id: StudentRef(r.id, r.family_id, r.branch_id, r.first_name, r.last_name, r.erased)
                for r in rows}

    async def student(self, student_id: str) -> StudentRef | None:
        return (await self.students([student_id])).get(student_id)

    async def students_of_family(self, family_id: str) -> list[str]:
        rows = await self.session.execute(select(students.c.id).where(students.c.family_id == family_id))
        return [r.id for r in rows]

    async def upsert_staff(self, s: StaffRef) -> None:
        values = {"role": s.role, "branch_ids": list(s.branch_ids), "first_name": s.first_name,
                  "last_name": s.last_name}
        stmt = insert_for(self.session, staff).values(id=s.id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))

    async def staff(self, staff_id: str) -> StaffRef | None:
        r = (await self.session.execute(select(staff).where(staff.c.id == staff_id))).first()
        return StaffRef(r.id, r.role, tuple(r.branch_ids), r.first_name, r.last_name) if r else None


# -- catalogue ------------------------------------------------------------------------------------
class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_room(self, room: Room) -> None:
        await self.session.execute(insert(rooms).values(id=room.id, branch_id=room.branch_id, name=room.name,
                                                        capacity=room.capacity))

    async def room(self, room_id: str) -> Room | None:
        r = (await self.session.execute(select(rooms).where(rooms.c.id == room_id))).first()
        return Room(r.id, r.branch_id, r.name, r.capacity) if r else None

    async def rooms(self, branch_id: str | None = None, ids: Sequence[str] | None = None) -> list[Room]:
        q = select(rooms).order_by(rooms.c.name)
        if branch_id is not None:
            q = q.where(rooms.c.branch_id == branch_id)
        if ids is not None:
            q = q.where(rooms.c.id.in_(ids))
        return [Room(r.id, r.branch_id, r.name, r.capacity) for r in await self.session.execute(q)]

    async def add_course(self, course: Course) -> None:
        await self.session.execute(insert(courses).values(id=course.id, name=course.name))

    async def course(self, course_id: str) -> Course | None:
        r = (await self.session.execute(select(courses).where(courses.c.id == course_id))).first()
        return Course(r.id, r.name) if r else None

    async def courses(self, ids: Sequence[str] | None = None) -> list[Course]:
        q = select(courses).order_by(courses.c.name)
        if ids is not None:
            q = q.where(courses.c.id.in_(ids))
        return [Course(r.id, r.name) for r in await self.session.execute(q)]

    async def add_lesson_type(self, t: LessonType) -> bool:
        stmt = insert_for(self.session, lesson_types).values(
            code=t.code, name=t.name, kind=t.kind.value, charged_by_default=t.charged_by_default, builtin=False)
        return (await self.session.execute(
            stmt.on_conflict_do_nothing().returning(lesson_types.c.code))).first() is not None

    async def lesson_types(self) -> list[LessonType]:
        rows = await self.session.execute(select(lesson_types).order_by(lesson_types.c.name))
        return [*BUILTIN_TYPES, *(LessonType(r.code, r.name, LessonKind(r.kind), r.charged_by_default)
                                  for r in rows)]

    async def lesson_type(self, code: str) -> LessonType | None:
        return next((t for t in await self.lesson_types() if t.code == code), None)


# -- groups and memberships -----------------------------------------------------------------------
def _group(r: Any) -> Group:
    return Group(r.id, r.branch_id, r.course_id, r.teacher_id, r.room_id, r.name, r.capacity,
                 Money(r.price, r.currency))


def _membership(r: Any) -> Membership:
    return Membership(r.id, r.group_id, r.student_id, r.family_id, r.starts_on, r.ends_on, r.transferred_to,
                      ParticipantReason(r.reason))


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, g: Group) -> None:
        await self.session.execute(insert(groups).values(
            id=g.id, branch_id=g.branch_id, course_id=g.course_id, teacher_id=g.teacher_id, room_id=g.room_id,
            name=g.name, capacity=g.capacity, price=g.price.amount, currency=g.price.currency))

    async def get(self, group_id: str, *, lock: bool = False) -> Group | None:
        q = select(groups).where(groups.c.id == group_id)
        if lock and is_postgres(self.session):
            q = q.with_for_update()
        r = (await self.session.execute(q)).first()
        return _group(r) if r else None

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Group]:
        rows = await self.session.execute(select(groups).where(groups.c.id.in_(ids)))
        return {r.id: _group(r) for r in rows}

    async def list_groups(self, branch_ids: Sequence[str] | None = None, teacher_id: str | None = None) -> list[Group]:
        q = select(groups).order_by(groups.c.name)
        if branch_ids is not None:
            q = q.where(groups.c.branch_id.in_(branch_ids))
        if teacher_id is not None:
            q = q.where(groups.c.teacher_id == teacher_id)
        return [_group(r) for r in await self.session.execute(q)]

    async def add_membership(self, m: Membership) -> None:
        await self.session.execute(insert(memberships).values(
            id=m.id, group_id=m.group_id, student_id=m.student_id, family_id=m.family_id,
            starts_on=m.starts_on, ends_on=m.ends_on, transferred_to=m.transferred_to, reason=m.reason.value))

    async def save_membership(self, m: Membership) -> None:
        await self.session.execute(update(memberships).where(memberships.c.id == m.id).values(
            ends_on=m.ends_on, transferred_to=m.transferred_to))

    async def membership(self, membership_id: str) -> Membership | None:
        r = (await self.session.execute(select(memberships).where(memberships.c.id == membership_id))).first()
        return _membership(r) if r else None

    async def memberships_of_groups(self, group_ids: Sequence[str]) -> dict[str, list[Membership]]:
        out: dict[str, list[Membership]] = defaultdict(list)
        rows = await self.session.execute(select(memberships).where(memberships.c.group_id.in_(group_ids))
                                          .order_by(memberships.c.starts_on))
        for r in rows:
            out[r.group_id].append(_membership(r))
        return out

    async def memberships_of_student(self, student_id: str) -> list[Membership]:
        rows = await self.session.execute(select(memberships).where(memberships.c.student_id == student_id)
                                          .order_by(memberships.c.starts_on))
        return [_membership(r) for r in rows]

    async def add_rule(self, rule: RecurringRule) -> None:
        await self.session.execute(insert(recurring_rules).values(
            id=rule.id, branch_id=rule.branch_id, group_id=rule.group_id, course_id=rule.course_id,
            teacher_id=rule.teacher_id, room_id=rule.room_id, lesson_type=rule.lesson_type, rrule=rule.rrule,
            start_time=rule.start_time, duration_min=rule.duration_min, price=rule.price.amount,
            currency=rule.price.currency, capacity=rule.capacity, valid_from=rule.valid_from,
            valid_until=rule.valid_until, skip_dates=[d.isoformat() for d in rule.skip_dates], active=True))

    async def rule(self, rule_id: str) -> RecurringRule | None:
        rules = await self.rules(ids=[rule_id])
        return rules[0] if rules else None

    async def rules(self, branch_id: str | None = None, group_ids: Sequence[str] | None = None,
                    ids: Sequence[str] | None = None) -> list[RecurringRule]:
        q = select(recurring_rules).where(recurring_rules.c.active.is_(True))
        if branch_id is not None:
            q = q.where(recurring_rules.c.branch_id == branch_id)
        if group_ids is not None:
            q = q.where(recurring_rules.c.group_id.in_(group_ids))
        if ids is not None:
            q = q.where(recurring_rules.c.id.in_(ids))
        return [RecurringRule(
            id=r.id, branch_id=r.branch_id, teacher_id=r.teacher_id, lesson_type=r.lesson_type, rrule=r.rrule,
            start_time=r.start_time, duration_min=r.duration_min, price=Money(r.price, r.currency),
            valid_from=r.valid_from, valid_until=r.valid_until, group_id=r.group_id, course_id=r.course_id,
            room_id=r.room_id, capacity=r.capacity, skip_dates=[date.fromisoformat(d) for d in r.skip_dates],
        ) for r in await self.session.execute(q.order_by(recurring_rules.c.id))]

    async def deactivate_rules(self, group_id: str) -> None:
        await self.session.execute(update(recurring_rules).where(recurring_rules.c.group_id == group_id)
                                   .values(active=False))


# -- lessons --------------------------------------------------------------------------------------
def _lesson(r: Any) -> Lesson:
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


def _participant(r: Any) -> Participant:
    return Participant(r.student_id, r.family_id, ParticipantReason(r.reason), Money(r.price, r.currency),
                       r.booking_id)


@dataclass(frozen=True)
class LessonFilter:
    """Which lessons a view shows; None fields do not filter."""

    branch_ids: Sequence[str] | None = None
    group_id: str | None = None
    teacher_id: str | None = None
    student_id: str | None = None
    family_id: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    include_cancelled: bool = True
    published_only: bool = False


def encode_cursor(starts_at: datetime, lesson_id: str) -> str:
    return base64.urlsafe_b64encode(f"{starts_at.isoformat()}|{lesson_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    try:
        at, lid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), lid
    except (ValueError, UnicodeDecodeError):
        return None


class LessonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # writes
    async def add_many(self, new: Sequence[Lesson]) -> None:
        """Bulk insert (one statement for lessons, one for participants): a month is thousands of rows."""
        if not new:
            return
        await self.session.execute(insert(lessons), [_lesson_row(lesson) for lesson in new])
        rows = [_participant_row(lesson.id, p) for lesson in new for p in lesson.participants]
        if rows:
            await self.session.execute(insert(participants), rows)

    async def add(self, lesson: Lesson) -> None:
        await self.add_many([lesson])

    async def save(self, lesson: Lesson) -> None:
        row = _lesson_row(lesson)
        del row["id"]
        await self.session.execute(update(lessons).where(lessons.c.id == lesson.id).values(**row))

    async def upcoming_counts(self, student_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Per student: the published lessons still to come that they are on, whatever brought them there
        (membership, booking, make-up, trial)."""
        q = (select(participants.c.student_id, func.count())
             .join(lessons, lessons.c.id == participants.c.lesson_id)
             .where(participants.c.student_id.in_(student_ids), lessons.c.published.is_(True),
                    lessons.c.status != LessonStatus.CANCELLED.value, lessons.c.starts_at >= now)
             .group_by(participants.c.student_id))
        return {r[0]: int(r[1]) for r in await self.session.execute(q)}

    async def labels(self, found: Iterable[Lesson]) -> dict[str, str]:
        """How a person names each lesson in a message: «group (course)» or its type, and its teacher —
        three small queries whatever the number."""
        found = list(found)
        group_ids = sorted({x.group_id for x in found if x.group_id})
        course_ids = sorted({x.course_id for x in found if x.course_id})
        teacher_ids = sorted({x.teacher_id for x in found})
        group_names = {r.id: r.name for r in await self.session.execute(
            select(groups.c.id, groups.c.name).where(groups.c.id.in_(group_ids)))} if group_ids else {}
        course_names = {r.id: r.name for r in await self.session.execute(
            select(courses.c.id, courses.c.name).where(courses.c.id.in_(course_ids)))} if course_ids else {}
        teachers = {r.id: f"{r.first_name} {r.last_name}".strip() for r in await self.session.execute(
            select(staff.c.id, staff.c.first_name, staff.c.last_name).where(staff.c.id.in_(teacher_ids)))}
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
        for chunk in _chunks(lesson_ids, 5000):
            await self.session.execute(update(lessons).where(lessons.c.id.in_(chunk)).values(published=True))

    async def add_participant(self, lesson_id: str, p: Participant) -> None:
        await self.session.execute(insert(participants).values(**_participant_row(lesson_id, p)))

    async def add_participants(self, rows: Sequence[tuple[str, Participant]]) -> None:
        if rows:
            await self.session.execute(insert(participants), [_participant_row(lid, p) for lid, p in rows])

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
        if lock and is_postgres(self.session):
            q = q.with_for_update()
        r = (await self.session.execute(q)).first()
        if r is None:
            return None
        lesson = _lesson(r)
        lesson.participants = (await self.participants_of([lesson.id])).get(lesson.id, [])
        return lesson

    async def by_ids(self, ids: Sequence[str], with_participants: bool = False) -> dict[str, Lesson]:
        out: dict[str, Lesson] = {}
        for chunk in _chunks(ids, 5000):
            for r in await self.session.execute(select(lessons).where(lessons.c.id.in_(chunk))):
                out[r.id] = _lesson(r)
        if with_participants and out:
            found = await self.participants_of(list(out))
            for lid, lesson in out.items():
                lesson.participants = found.get(lid, [])
        return out

    async def participants_of(self, lesson_ids: Sequence[str]) -> dict[str, list[Participant]]:
        out: dict[str, list[Participant]] = defaultdict(list)
        for chunk in _chunks(lesson_ids, 5000):
            rows = await self.session.execute(select(participants).where(participants.c.lesson_id.in_(chunk))
                                              .order_by(participants.c.student_id))
            for r in rows:
                out[r.lesson_id].append(_participant(r))
        return out

    async def occurrences_taken(self, rule_ids: Sequence[str], first: date, last: date) -> set[tuple[str, date]]:
        if not rule_ids:
            return set()
        rows = await self.session.execute(select(lessons.c.rule_id, lessons.c.local_date).where(
            lessons.c.rule_id.in_(rule_ids), lessons.c.local_date.between(first, last)))
        return {(r.rule_id, r.local_date) for r in rows}

    async def busy(self, starts_at: datetime, ends_at: datetime, teacher_ids: Iterable[str] = (),
                   room_ids: Iterable[str] = ()) -> list[Lesson]:
        """Active lessons overlapping [starts_at, ends_at) of any of these teachers or rooms."""
        teachers, rooms_ = list(set(teacher_ids)), [r for r in set(room_ids) if r]
        if not teachers and not rooms_:
            return []
        who = or_(lessons.c.teacher_id.in_(teachers), lessons.c.room_id.in_(rooms_))
        q = select(lessons).where(lessons.c.status != LessonStatus.CANCELLED.value, lessons.c.starts_at < ends_at,
                                  lessons.c.ends_at > starts_at, who)
        return [_lesson(r) for r in await self.session.execute(q)]

    async def busy_students(self, student_ids: Sequence[str], starts_at: datetime, ends_at: datetime
                            ) -> dict[str, list[Lesson]]:
        """Each student's active lessons overlapping the window."""
        out: dict[str, list[Lesson]] = defaultdict(list)
        if not student_ids:
            return out
        q = (select(lessons, participants.c.student_id.label("p_student"))
             .join(participants, participants.c.lesson_id == lessons.c.id)
             .where(participants.c.student_id.in_(student_ids),
                    lessons.c.status != LessonStatus.CANCELLED.value,
                    lessons.c.starts_at < ends_at, lessons.c.ends_at > starts_at))
        for r in await self.session.execute(q):
            out[r.p_student].append(_lesson(r))
        return out

    async def of_group_between(self, group_id: str, first_day: date, last_day: date | None, *,
                               lock: bool = False) -> list[Lesson]:
        """``lock``: hold the lessons' row locks, as bookings do, so a join and a booking cannot both take the
        last place."""
        q = select(lessons).where(lessons.c.group_id == group_id, lessons.c.local_date >= first_day,
                                  lessons.c.status != LessonStatus.CANCELLED.value)
        if last_day is not None:
            q = q.where(lessons.c.local_date <= last_day)
        if lock and is_postgres(self.session):
            q = q.with_for_update()
        found = [_lesson(r) for r in await self.session.execute(q.order_by(lessons.c.starts_at))]
        parts = await self.participants_of([x.id for x in found])
        for lesson in found:
            lesson.participants = parts.get(lesson.id, [])
        return found

    async def following(self, lesson: Lesson) -> list[Lesson]:
        """This lesson and the later ones of the same rule (for "this and all following")."""
        if lesson.rule_id is None:
            return [lesson]
        q = select(lessons).where(lessons.c.rule_id == lesson.rule_id, lessons.c.local_date >= lesson.local_date,
                                  lessons.c.status != LessonStatus.CANCELLED.value).order_by(lessons.c.starts_at)
        found = [_lesson(r) for r in await self.session.execute(q)]
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
        found = [_lesson(r) for r in await self.session.execute(q.order_by(lessons.c.starts_at))]
        parts = await self.participants_of([x.id for x in found])
        for x in found:
            x.participants = parts.get(x.id, [])
        return found

    def _filtered(self, f: LessonFilter) -> Select[Any]:
        q = select(lessons)
        if f.student_id is not None or f.family_id is not None:
            sub = select(participants.c.lesson_id)
            if f.student_id is not None:
                sub = sub.where(participants.c.student_id == f.student_id)
            if f.family_id is not None:
                sub = sub.where(participants.c.family_id == f.family_id)
            q = q.where(lessons.c.id.in_(sub))
        if f.branch_ids is not None:
            q = q.where(lessons.c.branch_id.in_(f.branch_ids))
        if f.group_id is not None:
            q = q.where(lessons.c.group_id == f.group_id)
        if f.teacher_id is not None:
            q = q.where(lessons.c.teacher_id == f.teacher_id)
        if f.starts_from is not None:
            q = q.where(lessons.c.starts_at >= f.starts_from)
        if f.starts_before is not None:
            q = q.where(lessons.c.starts_at < f.starts_before)
        if not f.include_cancelled:
            q = q.where(lessons.c.status != LessonStatus.CANCELLED.value)
        if f.published_only:
            q = q.where(lessons.c.published.is_(True))
        return q

    async def find(self, f: LessonFilter, *, first: int | None = None, after: str | None = None) -> list[Lesson]:
        """Lessons in start order; keyset pagination on (starts_at, id) so pages stay stable under inserts."""
        q = self._filtered(f)
        if after:
            pos = decode_cursor(after)
            if pos is not None:
                q = q.where(tuple_(lessons.c.starts_at, lessons.c.id) > tuple_(pos[0], pos[1]))
        q = q.order_by(lessons.c.starts_at, lessons.c.id)
        if first is not None:
            q = q.limit(first)
        return [_lesson(r) for r in await self.session.execute(q)]

    async def count(self, f: LessonFilter) -> int:
        sub = self._filtered(f).subquery()
        return int((await self.session.execute(select(func.count()).select_from(sub))).scalar_one())

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


# -- bookings, slots, trials, feeds ---------------------------------------------------------------
def _booking(r: Any) -> Booking:
    return Booking(r.id, r.lesson_id, r.student_id, r.family_id, utc(r.created_at), BookingStatus(r.status), r.late,
                   utc(r.cancelled_at) if r.cancelled_at else None)


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, b: Booking) -> None:
        await self.session.execute(insert(bookings).values(
            id=b.id, lesson_id=b.lesson_id, student_id=b.student_id, family_id=b.family_id, status=b.status.value,
            late=b.late, created_at=b.created_at, cancelled_at=b.cancelled_at))

    async def save(self, b: Booking) -> None:
        await self.session.execute(update(bookings).where(bookings.c.id == b.id).values(
            status=b.status.value, late=b.late, cancelled_at=b.cancelled_at))

    async def get(self, booking_id: str) -> Booking | None:
        r = (await self.session.execute(select(bookings).where(bookings.c.id == booking_id))).first()
        return _booking(r) if r else None

    async def of_students(self, student_ids: Sequence[str], active_only: bool = True) -> dict[str, list[Booking]]:
        q = select(bookings).where(bookings.c.student_id.in_(student_ids)).order_by(bookings.c.created_at)
        if active_only:
            q = q.where(bookings.c.status == BookingStatus.ACTIVE.value)
        out: dict[str, list[Booking]] = defaultdict(list)
        for r in await self.session.execute(q):
            out[r.student_id].append(_booking(r))
        return out

def _slot(r: Any) -> AvailabilitySlot:
    return AvailabilitySlot(r.id, r.branch_id, r.teacher_id, r.lesson_type, utc(r.starts_at), utc(r.ends_at),
                            Money(r.price, r.currency), r.room_id, r.lesson_id)


class SlotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, s: AvailabilitySlot) -> None:
        await self.session.execute(insert(availability_slots).values(
            id=s.id, branch_id=s.branch_id, teacher_id=s.teacher_id, lesson_type=s.lesson_type,
            starts_at=s.starts_at, ends_at=s.ends_at, price=s.price.amount, currency=s.price.currency,
            room_id=s.room_id, lesson_id=s.lesson_id))

    async def get(self, slot_id: str) -> AvailabilitySlot | None:
        r = (await self.session.execute(select(availability_slots).where(availability_slots.c.id == slot_id))).first()
        return _slot(r) if r else None

    async def reopen(self, lesson_id: str) -> bool:
        """The slot a cancelled booking held is open again."""
        res = await self.session.execute(update(availability_slots).where(
            availability_slots.c.lesson_id == lesson_id).values(lesson_id=None))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def claim(self, slot_id: str, lesson_id: str) -> bool:
        """Conditional update: of two families booking one slot at once, exactly one gets it."""
        res = await self.session.execute(update(availability_slots).where(
            availability_slots.c.id == slot_id, availability_slots.c.lesson_id.is_(None)).values(lesson_id=lesson_id))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def open_slots(self, branch_ids: Sequence[str] | None, teacher_id: str | None, starts_from: datetime,
                         starts_before: datetime) -> list[AvailabilitySlot]:
        q = select(availability_slots).where(availability_slots.c.lesson_id.is_(None),
                                             availability_slots.c.starts_at >= starts_from,
                                             availability_slots.c.starts_at < starts_before)
        if branch_ids is not None:
            q = q.where(availability_slots.c.branch_id.in_(branch_ids))
        if teacher_id is not None:
            q = q.where(availability_slots.c.teacher_id == teacher_id)
        return [_slot(r) for r in await self.session.execute(q.order_by(availability_slots.c.starts_at))]


class TrialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, t: Trial) -> bool:
        """Insert the family's trial; False when the family already had one (race-free: primary key)."""
        stmt = insert_for(self.session, trials).values(family_id=t.family_id, student_id=t.student_id,
                                                    lesson_id=t.lesson_id, source=t.source, used_at=t.used_at)
        return (await self.session.execute(
            stmt.on_conflict_do_nothing().returning(trials.c.family_id))).first() is not None

    async def release(self, family_id: str, lesson_id: str) -> None:
        """Give the family its trial back (a trial booking cancelled in time was never used)."""
        await self.session.execute(delete(trials).where(trials.c.family_id == family_id,
                                                        trials.c.lesson_id == lesson_id))

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, Trial]:
        rows = await self.session.execute(select(trials).where(trials.c.family_id.in_(family_ids)))
        return {r.family_id: Trial(r.family_id, r.student_id, r.lesson_id, r.source, utc(r.used_at)) for r in rows}


@dataclass(frozen=True)
class FeedRow:
    id: str
    owner_kind: str
    owner_id: str
    revoked: bool


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, feed_id: str, token_hash: str, owner_kind: str, owner_id: str, now: datetime) -> None:
        await self.session.execute(insert(calendar_feeds).values(
            id=feed_id, token_hash=token_hash, owner_kind=owner_kind, owner_id=owner_id, created_at=now))

    async def by_hash(self, token_hash: str) -> FeedRow | None:
        r = (await self.session.execute(select(calendar_feeds).where(calendar_feeds.c.token_hash == token_hash))
             ).first()
        return FeedRow(r.id, r.owner_kind, r.owner_id, r.revoked_at is not None) if r else None

    async def get(self, feed_id: str) -> FeedRow | None:
        r = (await self.session.execute(select(calendar_feeds).where(calendar_feeds.c.id == feed_id))).first()
        return FeedRow(r.id, r.owner_kind, r.owner_id, r.revoked_at is not None) if r else None

    async def revoke(self, feed_id: str, now: datetime) -> None:
        await self.session.execute(update(calendar_feeds).where(
            and_(calendar_feeds.c.id == feed_id, calendar_feeds.c.revoked_at.is_(None))).values(revoked_at=now))


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
