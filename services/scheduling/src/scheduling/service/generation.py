"""Use cases: generate a month of lessons from the regular rules, and publish it (R-SCH-1, R-SCH-3, R-BIL-2).

Generation is idempotent: each occurrence of a rule is one lesson (unique on rule and local date), so running
it again adds only what is missing; a moved or cancelled occurrence is never recreated. Generated lessons are
drafts until the month is published; publishing emits one scheduling.lesson.scheduled.v1 per lesson.

An occurrence that clashes (its teacher, room or a member is busy, or an open slot holds the teacher or room)
is not created and is reported, naming the
other lesson; everything else is created. Resolve the clash and generate again: only the missing ones are added.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from kabinet.auth.principal import Principal
from kabinet.errors import KabinetError
from scheduling.domain import errors
from scheduling.domain.access import require_branch_admin
from scheduling.domain.model import (
    Lesson,
    LessonKind,
    Participant,
    check_no_clash,
    check_student_free,
    new_id,
)
from scheduling.domain.recurrence import RecurringRule, month_bounds
from scheduling.service.common import get_branch, get_group
from scheduling.service.publishing import schedule_events
from scheduling.service.unit_of_work import LessonRepository, SchedulingUnitOfWork, SlotRepository


@dataclass(frozen=True)
class GenerationConflict:
    """An occurrence not created: when (local date), which rule's lesson, and why (a typed error)."""

    local_date: date
    rule_id: str
    group_id: str | None
    error: KabinetError


@dataclass(frozen=True)
class GenerationResult:
    created: int
    existing: int
    first_day: date
    last_day: date
    conflicts: tuple[GenerationConflict, ...] = ()


@dataclass(frozen=True)
class GenerateMonth:
    """``skip_dates``: the branch's holidays this month, on top of each rule's own exceptions. A skipped
    occurrence is not created; generating again without the skip adds it (nothing was recorded for it)."""

    branch_id: str
    month: str  # YYYY-MM
    group_id: str | None = None
    skip_dates: tuple[date, ...] = ()


async def generate_month(cmd: GenerateMonth, uow: SchedulingUnitOfWork, p: Principal) -> GenerationResult:
    branch_id, month, group_id, skip_dates = cmd.branch_id, cmd.month, cmd.group_id, cmd.skip_dates
    require_branch_admin(p, branch_id)
    branch = await get_branch(uow, branch_id)
    if group_id is not None and (await get_group(uow, group_id, p)).branch_id != branch_id:
        raise errors.WrongBranch(field="groupId")
    first, last = month_bounds(month)
    groups_repo, lessons_repo = uow.groups, uow.lessons
    rules = await groups_repo.rules(branch_id=branch_id, group_ids=[group_id] if group_id else None)
    # The groups' rosters first (a join waits, or is waited for): the members read next are those of the new
    # lessons; read without it, a child joining meanwhile was on none of them (the join saw no new lesson either).
    # Row locks before the timetables' turns below, as a join takes them (its group, then its child's turn).
    group_ids = [r.group_id for r in rules if r.group_id]
    await groups_repo.hold_rosters(group_ids)
    members = await groups_repo.memberships_of_groups(group_ids)
    # The rules' teachers', rooms' and groups' members' timetables, in one statement, before anything is checked: a
    # createLesson, an openSlot or a booking for one of them waits for this month (or this month for it), and so
    # does a second generation of the same month (it then finds the occurrences taken instead of inserting them
    # again). The members are the groups' of this month (a few more than those on the new lessons: the days are
    # not known yet): one statement, not one per student.
    await uow.lessons.take_turns({r.teacher_id for r in rules}, {r.room_id for r in rules if r.room_id},
                                 {m.student_id for found in members.values() for m in found if m.overlaps(first, last)})
    taken = await lessons_repo.occurrences_taken([r.id for r in rules], first, last)
    types = {t.code: t for t in await uow.catalogue.lesson_types()}
    tz = branch.tz
    holidays = set(skip_dates)
    new: list[Lesson] = []
    existing = 0
    for rule in rules:
        t = types.get(rule.lesson_type)
        if t is None:
            raise errors.LessonTypeNotFound(field="lessonType")
        for day, starts, ends in rule.occurrences(first, last, tz):
            if day in holidays:
                continue
            if (rule.id, day) in taken:
                existing += 1
                continue
            lesson = _lesson_of(rule, t.kind, t.charged_by_default, day, starts, ends)
            if rule.group_id and t.kind is not LessonKind.TRIAL:
                # A trial-type regular lesson has no roster (R-SCH-3); others take the members of that day.
                lesson.participants = [Participant(m.student_id, m.family_id, m.reason, rule.price)
                                       for m in members.get(rule.group_id, []) if m.covers(day)]
            new.append(lesson)
    conflicts: list[GenerationConflict] = []
    if new:
        new, conflicts = await _without_clashes(lessons_repo, uow.slots, new, tz)
        if new:
            await lessons_repo.add_many(new)
    await uow.commit()
    return GenerationResult(len(new), existing, first, last, tuple(conflicts))


def _lesson_of(rule: RecurringRule, kind: LessonKind, charged: bool, day: date, starts: object,
               ends: object) -> Lesson:
    return Lesson(
        id=new_id(), branch_id=rule.branch_id, teacher_id=rule.teacher_id, lesson_type=rule.lesson_type, kind=kind,
        charged_by_default=charged, starts_at=starts, ends_at=ends, price=rule.price,  # type: ignore[arg-type]
        local_date=day, group_id=rule.group_id, course_id=rule.course_id, room_id=rule.room_id,
        capacity=rule.capacity, rule_id=rule.id, bookable=kind is LessonKind.TRIAL or rule.group_id is not None)


async def _without_clashes(repo: LessonRepository, slot_repo: SlotRepository, new: list[Lesson], tz: ZoneInfo
                          ) -> tuple[list[Lesson], list[GenerationConflict]]:
    """The new lessons that clash with nothing (existing lessons, open slots, or the new ones kept before them,
    earliest first), and a conflict for each of the others — teacher, room or a student busy, set-wise."""
    lo, hi = min(x.starts_at for x in new), max(x.ends_at for x in new)
    teachers, rooms = {x.teacher_id for x in new}, {x.room_id for x in new if x.room_id}
    existing = await repo.busy(lo, hi, teachers, rooms)
    slots = await slot_repo.open_over(lo, hi, teachers, rooms)
    students = sorted({p.student_id for x in new for p in x.participants})
    per_student: dict[str, list[Lesson]] = defaultdict(list)
    for sid, found in (await repo.busy_students(students, lo, hi)).items():
        per_student[sid].extend(found)
    names = await repo.labels([*existing, *new, *(x for found in per_student.values() for x in found)])
    by_resource: dict[tuple[str, str], list[Lesson]] = defaultdict(list)
    for x in existing:
        by_resource["t", x.teacher_id].append(x)
        if x.room_id:
            by_resource["r", x.room_id].append(x)
    kept: list[Lesson] = []
    conflicts: list[GenerationConflict] = []
    for x in sorted(new, key=lambda lesson: lesson.starts_at):
        near = by_resource["t", x.teacher_id] + (by_resource["r", x.room_id] if x.room_id else [])
        try:
            check_no_clash(x, near, tz, names, slots)
            for p in x.participants:
                check_student_free(p.student_id, x.starts_at, x.ends_at, per_student[p.student_id], tz=tz,
                                   names=names)
        except (errors.TeacherConflict, errors.RoomConflict, errors.SlotConflict, errors.StudentConflict) as exc:
            conflicts.append(GenerationConflict(x.local_date, x.rule_id or "", x.group_id, exc))
            continue
        kept.append(x)
        by_resource["t", x.teacher_id].append(x)
        if x.room_id:
            by_resource["r", x.room_id].append(x)
        for p in x.participants:
            per_student[p.student_id].append(x)
    return kept, conflicts


@dataclass(frozen=True)
class PublicationResult:
    published: int
    participants: int


@dataclass(frozen=True)
class PublishMonth:
    branch_id: str
    month: str  # YYYY-MM
    group_id: str | None = None


async def publish_month(cmd: PublishMonth, uow: SchedulingUnitOfWork, p: Principal) -> PublicationResult:
    """Publish the month's draft lessons: one lesson.scheduled event each, with participants and prices."""
    branch_id, month, group_id = cmd.branch_id, cmd.month, cmd.group_id
    require_branch_admin(p, branch_id)
    await get_branch(uow, branch_id)
    first, last = month_bounds(month)
    repo = uow.lessons
    drafts = await repo.unpublished_between(branch_id, first, last, group_id)
    for lesson in drafts:
        lesson.published = True
        for event in schedule_events(lesson):
            uow.publish(event)
    await repo.mark_published([x.id for x in drafts])
    await uow.commit()
    return PublicationResult(len(drafts), sum(len(x.participants) for x in drafts))
