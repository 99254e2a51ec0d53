"""Use cases: the one free trial per family (R-SCH-6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kabinet.auth.principal import Principal
from kabinet.context import EventContext, event_context
from kabinet.money import Money
from scheduling.domain import errors
from scheduling.domain.access import require_branch_admin
from scheduling.domain.events import MembershipStarted
from scheduling.domain.model import Lesson, Participant, ParticipantReason, Trial, utcnow
from scheduling.service.common import caller_scope, get_group, get_lesson, get_student
from scheduling.service.groups import membership_event, start_membership
from scheduling.service.lessons import ensure_students_free, replayed_lesson
from scheduling.service.publishing import participant_added, participant_removed
from scheduling.service.unit_of_work import SchedulingUnitOfWork

FREE = Money(Decimal(0))


async def claim_trial(uow: SchedulingUnitOfWork, family_id: str, student_id: str, lesson_id: str | None, source: str,
                      now: datetime) -> None:
    if not await uow.trials.claim(Trial(family_id, student_id, lesson_id, source, now)):
        raise errors.TrialAlreadyUsed(
            "This family has already had its free trial lesson (one per family, for any of its children).",
            field="studentId")


@dataclass(frozen=True)
class RecordTrial:
    lesson_id: str
    student_id: str
    add_to_group: bool = False
    idempotency_key: str | None = None
    now: datetime | None = None


async def record_trial(cmd: RecordTrial, uow: SchedulingUnitOfWork, p: Principal) -> Lesson:
    """Put a student in a lesson as the family's free trial; optionally make them a member of its group."""
    claim = await uow.idempotency.claim(caller_scope(p), cmd.idempotency_key, "recordTrial",
                                            {"l": cmd.lesson_id, "s": cmd.student_id, "g": cmd.add_to_group})
    if claim.replayed:
        return await replayed_lesson(uow, claim.result)
    now, student_id, add_to_group = cmd.now or utcnow(), cmd.student_id, cmd.add_to_group
    lesson = await get_lesson(uow, cmd.lesson_id, p, lock=not add_to_group)
    require_branch_admin(p, lesson.branch_id)
    group = None
    if add_to_group:
        if lesson.group_id is None:
            raise errors.WrongLessonType("This lesson belongs to no group.", field="addToGroup")
        # Joining takes the rows addGroupMember takes, in its order: the group's, then its lessons' from this one
        # on (this one among them), and only then the child's timetable. This lesson's row first, then the
        # group's, waited in a cycle with a join to the group (a deadlock); the child's turn before the lessons'
        # rows, with a booking of one of them for the child.
        group = await get_group(uow, lesson.group_id, p, lock=True)
        await uow.lessons.of_group_between(group.id, lesson.local_date, None, lock=True)
        lesson = await get_lesson(uow, cmd.lesson_id, p, lock=True)  # as it is now (held already: no wait)
    lesson.ensure_open(now)
    student = await get_student(uow, student_id, p)
    await ensure_students_free(uow, [student.id], lesson)
    await claim_trial(uow, student.family_id, student.id, lesson.id, "recorded", now)
    part = Participant(student.id, student.family_id, ParticipantReason.TRIAL, FREE)
    lesson.add(part)
    await uow.lessons.add_participant(lesson.id, part)
    if lesson.published:
        uow.publish(participant_added(lesson, part))
    if group is not None:
        m = await start_membership(uow, p, group, student.id, lesson.local_date, None, ParticipantReason.MEMBER)
        uow.publish(membership_event(MembershipStarted, m))
    await uow.idempotency.store(claim, lesson.id)
    await uow.commit()
    return lesson


async def first_attendances_count_as_trials(uow: SchedulingUnitOfWork, marks: Sequence[tuple[str, str, EventContext]],
                                            now: datetime) -> list[str]:
    """Students newly added to a group: the first attended lesson there is the family's trial, if unused. ``marks``
    are (lesson, student, the mark's event context) in the order they came; the students whose participation
    became the trial are returned.

    The participation turns into a free trial one (billing sees it removed as member, added as trial), published
    in the context of its mark. Set-wise for a sheet's marks: each lesson is read (and locked) once, the families'
    used trials asked in one statement; the claim itself stays per family and race-free (its primary key)."""
    repo = uow.lessons
    lessons: dict[str, Lesson | None] = {}
    candidates: list[tuple[Lesson, Participant, EventContext]] = []
    for lesson_id, student_id, context in marks:
        if lesson_id not in lessons:
            lessons[lesson_id] = await repo.get(lesson_id, lock=True)
        lesson = lessons[lesson_id]
        if lesson is None or lesson.group_id is None:
            continue
        part = lesson.participant(student_id)
        if part is not None and part.reason is ParticipantReason.MEMBER:
            candidates.append((lesson, part, context))
    if not candidates:
        return []
    used = set(await uow.trials.of_families(sorted({part.family_id for _, part, _ in candidates})))
    turned: list[str] = []
    for lesson, part, context in candidates:
        if part.family_id in used:
            continue
        assert lesson.group_id is not None
        if await repo.was_in_group_lesson_before(lesson.group_id, part.student_id, lesson.starts_at):
            continue  # not the first lesson of a newly added student
        if not await uow.trials.claim(Trial(part.family_id, part.student_id, lesson.id, "attendance", now)):
            continue
        trial = Participant(part.student_id, part.family_id, ParticipantReason.TRIAL, FREE, part.booking_id)
        used.add(part.family_id)
        await repo.update_participant(lesson.id, trial)
        if lesson.published:
            with event_context(context.correlation_id, context.causation_id):
                uow.publish(participant_removed(lesson, part))
                uow.publish(participant_added(lesson, trial))
        turned.append(part.student_id)
    return turned
