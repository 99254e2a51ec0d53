"""Keeping lessons' rosters in step with memberships, with conflict and capacity checks."""

from __future__ import annotations

from datetime import date

from scheduling.domain.model import Group, Lesson, Membership, Participant, ParticipantReason, check_student_free
from scheduling.service.publishing import participant_added, participant_removed
from scheduling.service.unit_of_work import SchedulingUnitOfWork


def member_participant(m: Membership, lesson: Lesson) -> Participant:
    return Participant(m.student_id, m.family_id, m.reason, lesson.price)


async def enrol_in_lessons(uow: SchedulingUnitOfWork, group: Group, m: Membership) -> list[Lesson]:
    """Add the member to the group's scheduled lessons in the membership period (published ones get events)."""
    repo = uow.lessons
    found = await repo.of_group_between(group.id, m.starts_on, m.ends_on, lock=True)
    if found:
        # The member's timetable, held until commit after the lessons' row locks (as ensure_students_free): a
        # lesson or booking for the child at one of these times, at once, waits and then sees the new places.
        await repo.take_turns((), (), [m.student_id])
        busy = (await repo.busy_students([m.student_id], found[0].starts_at, found[-1].ends_at)).get(m.student_id, [])
        names = await repo.labels(busy)
        branch = await uow.projections.branch(group.branch_id)
        for lesson in found:
            if lesson.participant(m.student_id) is not None:
                continue
            check_student_free(m.student_id, lesson.starts_at, lesson.ends_at, busy, except_lesson=lesson.id,
                               tz=branch.tz if branch else None, names=names)
    added: list[tuple[str, Participant]] = []
    for lesson in found:
        if lesson.participant(m.student_id) is not None:
            continue
        p = member_participant(m, lesson)
        lesson.add(p)  # capacity
        added.append((lesson.id, p))
        if lesson.published:
            uow.publish(participant_added(lesson, p))
    await repo.add_participants(added)
    return found


async def withdraw_from_lessons(uow: SchedulingUnitOfWork, group_id: str, student_id: str, after: date) -> int:
    """Remove a member from the group's lessons after their last day (trial/booking places stay)."""
    repo = uow.lessons
    removed = 0
    for lesson in await repo.of_group_between(group_id, after, None):
        if lesson.local_date <= after:
            continue
        p = lesson.participant(student_id)
        if p is None or p.reason not in (ParticipantReason.MEMBER, ParticipantReason.MAKEUP) or p.booking_id:
            continue
        await repo.remove_participant(lesson.id, student_id)
        if lesson.published:
            uow.publish(participant_removed(lesson, p))
        removed += 1
    return removed
