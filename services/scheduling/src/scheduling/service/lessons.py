"""Use cases on single lessons: one-off lessons, moving and cancelling one or all following, make-ups
(R-SCH-1, R-SCH-2, R-SCH-4, R-SCH-5)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from kabinet.auth.principal import Principal
from kabinet.money import Money
from scheduling.domain import errors
from scheduling.domain.access import require_branch_admin
from scheduling.domain.model import (
    Lesson,
    LessonKind,
    Participant,
    ParticipantReason,
    check_capacity,
    check_no_clash,
    check_price,
    check_student_free,
    new_id,
    parallel_makeup,
    utcnow,
)
from scheduling.service.common import (
    caller_scope,
    get_branch,
    get_course,
    get_lesson,
    get_lesson_type,
    get_room,
    get_student,
    get_teacher,
)
from scheduling.service.publishing import (
    lesson_cancelled,
    lesson_rescheduled,
    participant_added,
    participant_removed,
    schedule_events,
)
from scheduling.service.unit_of_work import SchedulingUnitOfWork


async def hold_timetables(uow: SchedulingUnitOfWork, found: Iterable[Lesson], students: Iterable[str] = ()) -> None:
    """Hold the timetables of these lessons' teachers, rooms and participants, and of ``students`` (those the
    caller is about to put on them), until commit, in one step. The clash check reads, then the caller writes:
    without this, requests for one teacher, room or student at once (openSlot, createLesson, moveLesson, a booking,
    a make-up, generateMonth) all passed the check and all were written. Taken before the check's reads and after
    the row locks the use case takes (a lesson's, a slot's claim), never before them: a row lock waited for while
    holding a timetable could deadlock; and all in one step, for the same reason (see take_turns)."""
    found = list(found)
    await uow.lessons.take_turns({x.teacher_id for x in found}, {x.room_id for x in found if x.room_id},
                                 {p.student_id for x in found for p in x.participants} | set(students))


async def ensure_free(uow: SchedulingUnitOfWork, lesson: Lesson, moving: Collection[str] = (),
                      students: Iterable[str] = ()) -> None:
    """Teacher and room free at the lesson's time (no other lesson, no open slot), else a typed error naming
    the clash; their timetables are held until commit, so the caller's write cannot race another's.
    ``moving``: the lessons moved together with this one (their old times do not count). ``students``: those the
    caller will check with ensure_students_free next; their timetables are held in the same step as the teacher's
    and the room's (holding those, then waiting for a student's, could deadlock)."""
    # Already held (a move of several; the participants' too): taking them again does not wait.
    await hold_timetables(uow, [lesson], students)
    repo = uow.lessons
    teachers, rooms = [lesson.teacher_id], [lesson.room_id] if lesson.room_id else []
    busy = [b for b in await repo.busy(lesson.starts_at, lesson.ends_at, teachers, rooms) if b.id not in moving]
    slots = await uow.slots.open_over(lesson.starts_at, lesson.ends_at, teachers, rooms)
    branch = await get_branch(uow, lesson.branch_id)
    check_no_clash(lesson, busy, branch.tz, await repo.labels(busy), slots)


async def ensure_students_free(uow: SchedulingUnitOfWork, student_ids: Collection[str], lesson: Lesson) -> None:
    """Each student free at the lesson's time (in no other lesson), else STUDENT_CONFLICT naming the lesson; their
    timetables are held until commit, so two requests putting one child into overlapping lessons (of different
    teachers: the teachers' turns do not order them) take turns, and the second sees the first's lesson. Call after
    the use case's row locks; a use case that also checks the teacher and room passes the students to ensure_free
    first (one step for all), and taking them again here does not wait."""
    if not student_ids:
        return
    repo = uow.lessons
    await repo.take_turns((), (), student_ids)
    busy = await repo.busy_students(list(student_ids), lesson.starts_at, lesson.ends_at)
    found = [x for sid in student_ids for x in busy.get(sid, [])]
    if not any(x.id != lesson.id for x in found):
        return
    branch = await get_branch(uow, lesson.branch_id)
    names = await repo.labels(found)
    for sid in student_ids:
        check_student_free(sid, lesson.starts_at, lesson.ends_at, busy.get(sid, []), except_lesson=lesson.id,
                           tz=branch.tz, names=names)


@dataclass(frozen=True)
class CreateLesson:
    branch_id: str
    teacher_id: str
    lesson_type: str
    starts_at: datetime
    ends_at: datetime
    price: Decimal
    room_id: str | None = None
    course_id: str | None = None
    capacity: int | None = None
    student_ids: tuple[str, ...] = ()
    bookable: bool = False
    idempotency_key: str | None = None


async def replayed_lesson(uow: SchedulingUnitOfWork, prior: str) -> Lesson:
    """The lesson a first request with the same idempotency key made."""
    found = await uow.lessons.get(prior)
    if found is None:
        raise errors.LessonNotFound(field="lessonId")
    return found


async def create_lesson(cmd: CreateLesson, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    """A one-off lesson (individual, trial, make-up or a custom type), published at once."""
    args = {k: v for k, v in cmd.__dict__.items() if k != "idempotency_key"}
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "createLesson", args)
    if claim.replayed:
        return await replayed_lesson(uow, claim.result)
    require_branch_admin(p, cmd.branch_id)
    branch = await get_branch(uow, cmd.branch_id)
    await get_teacher(uow, cmd.teacher_id, cmd.branch_id)
    t = await get_lesson_type(uow, cmd.lesson_type)
    if t.kind is LessonKind.GROUP:
        raise errors.WrongLessonType("Group lessons come from a group's schedule.", field="lessonType")
    if cmd.room_id:
        await get_room(uow, cmd.room_id, cmd.branch_id)
    if cmd.course_id:
        await get_course(uow, cmd.course_id)
    if cmd.starts_at.tzinfo is None:
        raise errors.InvalidTimeRange("Times need a UTC offset.", field="startsAt")
    lesson = Lesson(id=new_id(), branch_id=branch.id, teacher_id=cmd.teacher_id, lesson_type=t.code, kind=t.kind,
                    charged_by_default=t.charged_by_default, starts_at=cmd.starts_at, ends_at=cmd.ends_at,
                    price=check_price(cmd.price), local_date=cmd.starts_at.astimezone(branch.tz).date(),
                    room_id=cmd.room_id, course_id=cmd.course_id, capacity=check_capacity(cmd.capacity),
                    published=True, bookable=cmd.bookable)
    student_ids = list(dict.fromkeys(cmd.student_ids))
    await ensure_free(uow, lesson, students=student_ids)
    reason = {LessonKind.TRIAL: ParticipantReason.TRIAL, LessonKind.MAKEUP: ParticipantReason.MAKEUP}.get(
        t.kind, ParticipantReason.MEMBER)
    students = [await get_student(uow, sid, p) for sid in student_ids]
    await ensure_students_free(uow, student_ids, lesson)
    for student in students:
        lesson.add(Participant(student.id, student.family_id, reason,
                               Money(Decimal(0)) if reason is ParticipantReason.TRIAL else lesson.price))
    await uow.lessons.add(lesson)
    for event in schedule_events(lesson):
        uow.publish(event)
    await uow.idempotency.store(claim, lesson.id)
    await uow.commit()
    return lesson


class Scope(StrEnum):
    THIS = "this"
    FOLLOWING = "following"  # this and every later lesson of the same regular rule


@dataclass(frozen=True)
class MoveLesson:
    lesson_id: str
    starts_at: datetime
    ends_at: datetime
    scope: Scope = Scope.THIS
    teacher_id: str | None = None
    room_id: str | None = None


async def move_lesson(cmd: MoveLesson, uow: SchedulingUnitOfWork, p: Principal) -> list[Lesson]:
    """Move one lesson, or it and all following by the same shift (teacher/room changes apply to all)."""
    starts_at, ends_at, scope, teacher_id, room_id = cmd.starts_at, cmd.ends_at, cmd.scope, cmd.teacher_id, cmd.room_id
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)
    require_branch_admin(p, lesson.branch_id)
    if not lesson.active:
        raise errors.LessonCancelled(field="lessonId")
    if teacher_id:
        await get_teacher(uow, teacher_id, lesson.branch_id)
    if room_id:
        await get_room(uow, room_id, lesson.branch_id)
    if ends_at <= starts_at:
        raise errors.InvalidTimeRange(field="endsAt")
    shift, duration = starts_at - lesson.starts_at, ends_at - starts_at
    repo = uow.lessons
    # The lessons' row locks first (in time order), then their new teachers' and rooms' timetables, all at once:
    # the order every writer keeps, so a move of "this and following" and a move of one of them cannot deadlock.
    targets = [lesson] if scope is Scope.THIS else await repo.following(lesson, lock=True)
    for x in targets:
        new_start = x.starts_at + shift
        x.move(new_start, new_start + duration, teacher_id, room_id)
    await hold_timetables(uow, targets)  # their participants' timetables too: they move with the lessons
    moving = {t.id for t in targets}
    for x in targets:
        # Check against the world minus the lessons being moved together.
        await ensure_free(uow, x, moving)
        branch = await get_branch(uow, x.branch_id)
        for part in x.participants:
            others = [b for b in (await repo.busy_students([part.student_id], x.starts_at, x.ends_at)
                                  ).get(part.student_id, []) if b.id not in moving]
            check_student_free(part.student_id, x.starts_at, x.ends_at, others, tz=branch.tz,
                               names=await repo.labels(others))
        await repo.save(x)
        if x.published:
            uow.publish(lesson_rescheduled(x))
    await uow.commit()
    return targets


@dataclass(frozen=True)
class CancelLesson:
    lesson_id: str
    reason: str
    scope: Scope = Scope.THIS


async def cancel_lesson(cmd: CancelLesson, uow: SchedulingUnitOfWork, p: Principal) -> list[Lesson]:
    scope, reason = cmd.scope, cmd.reason
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)
    require_branch_admin(p, lesson.branch_id)
    repo = uow.lessons
    targets = [lesson] if scope is Scope.THIS else await repo.following(lesson)
    for x in targets:
        x.cancel(reason.strip() or "cancelled")
        await repo.save(x)
        if x.published:
            uow.publish(lesson_cancelled(x))
    await uow.commit()
    return targets


@dataclass(frozen=True)
class AddMakeup:
    lesson_id: str
    student_id: str
    idempotency_key: str | None = None
    now: datetime | None = None  # the time the lesson must not have started by (tests set it)


async def add_makeup(cmd: AddMakeup, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    """R-SCH-5 way 1: a student makes up a missed lesson in another group's lesson."""
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "addMakeup",
                                            {"l": cmd.lesson_id, "s": cmd.student_id})
    if claim.replayed:
        return await replayed_lesson(uow, claim.result)
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)  # the row lock serialises the last place
    require_branch_admin(p, lesson.branch_id)
    lesson.ensure_open(cmd.now or utcnow())
    student = await get_student(uow, cmd.student_id, p)
    await ensure_students_free(uow, [student.id], lesson)
    part = Participant(student.id, student.family_id, ParticipantReason.MAKEUP, lesson.price)
    lesson.add(part)
    await uow.lessons.add_participant(lesson.id, part)
    if lesson.published:
        uow.publish(participant_added(lesson, part))
    await uow.idempotency.store(claim, lesson.id)
    await uow.commit()
    return lesson


@dataclass(frozen=True)
class CreateParallelMakeup:
    lesson_id: str
    student_ids: tuple[str, ...]
    idempotency_key: str | None = None
    now: datetime | None = None


async def create_parallel_makeup(cmd: CreateParallelMakeup, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    """R-SCH-5 way 2: a make-up lesson beside an existing one: same time and teacher, no room."""
    student_ids = list(cmd.student_ids)
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "parallelMakeup",
                                            {"l": cmd.lesson_id, "s": student_ids})
    if claim.replayed:
        return await replayed_lesson(uow, claim.result)
    original = await get_lesson(uow, cmd.lesson_id, p)
    require_branch_admin(p, original.branch_id)
    original.ensure_open(cmd.now or utcnow())
    makeup_type = await get_lesson_type(uow, "makeup")
    lesson = parallel_makeup(original, makeup_type)
    student_ids = list(dict.fromkeys(student_ids))
    await ensure_free(uow, lesson, students=student_ids)
    students = [await get_student(uow, sid, p) for sid in student_ids]
    await ensure_students_free(uow, student_ids, lesson)
    for student in students:
        lesson.add(Participant(student.id, student.family_id, ParticipantReason.MAKEUP, lesson.price))
    await uow.lessons.add(lesson)
    for event in schedule_events(lesson):
        uow.publish(event)
    await uow.idempotency.store(claim, lesson.id)
    await uow.commit()
    return lesson


@dataclass(frozen=True)
class RemoveParticipant:
    lesson_id: str
    student_id: str


async def remove_participant(cmd: RemoveParticipant, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)
    require_branch_admin(p, lesson.branch_id)
    part = lesson.remove(cmd.student_id)
    await uow.lessons.remove_participant(lesson.id, cmd.student_id)
    if lesson.published:
        uow.publish(participant_removed(lesson, part))
    await uow.commit()
    return lesson


@dataclass(frozen=True)
class SetDraftPrice:
    lesson_id: str
    price: Decimal


async def set_draft_price(cmd: SetDraftPrice, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    """A generated lesson's price before its month is published (R-WEB-5): the lesson's, and that of everyone on it
    at the old price (a make-up or a booking at a price of its own keeps it). Publishing carries it to billing;
    after that the price is billing's record and is refused here. Setting the same price again changes nothing."""
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)
    require_branch_admin(p, lesson.branch_id)
    new = Money(check_price(cmd.price).amount, lesson.price.currency)
    if lesson.published:
        raise errors.LessonPublished(field="lessonId")
    if not lesson.active:
        raise errors.LessonCancelled(field="lessonId")
    old, lesson.price = lesson.price, new
    for part in lesson.participants:
        if part.price == old and old != new:
            part.price = new
            await uow.lessons.update_participant(lesson.id, part)
    await uow.lessons.save(lesson)
    await uow.commit()
    return lesson
