"""Lesson events built from domain objects (payload shapes per docs/contracts-plan.md)."""

from __future__ import annotations

from kabinet.money import Money

from scheduling.domain.events import (
    LessonCancelled,
    LessonRescheduled,
    LessonScheduled,
    MoneyPayload,
    ParticipantAdded,
    ParticipantPayload,
    ParticipantRemoved,
)
from scheduling.domain.model import Lesson, Participant


def money_payload(m: Money) -> MoneyPayload:
    return MoneyPayload(amount=str(m.amount), currency=m.currency)


def lesson_scheduled(lesson: Lesson) -> LessonScheduled:
    return LessonScheduled(
        lesson_id=lesson.id, branch_id=lesson.branch_id, group_id=lesson.group_id, course_id=lesson.course_id,
        teacher_id=lesson.teacher_id, room_id=lesson.room_id, lesson_type=lesson.lesson_type,
        charged_by_default=lesson.charged_by_default, starts_at=lesson.starts_at.isoformat(),
        ends_at=lesson.ends_at.isoformat(), price=money_payload(lesson.price),
        participants=[ParticipantPayload(student_id=p.student_id, family_id=p.family_id, reason=p.reason.value,
                                         price=money_payload(p.price)) for p in lesson.participants],
    )


def lesson_rescheduled(lesson: Lesson) -> LessonRescheduled:
    return LessonRescheduled(lesson_id=lesson.id, branch_id=lesson.branch_id,
                             starts_at=lesson.starts_at.isoformat(), ends_at=lesson.ends_at.isoformat(),
                             teacher_id=lesson.teacher_id, room_id=lesson.room_id)


def lesson_cancelled(lesson: Lesson) -> LessonCancelled:
    return LessonCancelled(lesson_id=lesson.id, branch_id=lesson.branch_id, reason=lesson.cancel_reason or "")


def participant_added(lesson: Lesson, p: Participant) -> ParticipantAdded:
    return ParticipantAdded(
        lesson_id=lesson.id, branch_id=lesson.branch_id, group_id=lesson.group_id, course_id=lesson.course_id,
        teacher_id=lesson.teacher_id, lesson_type=lesson.lesson_type, charged_by_default=lesson.charged_by_default,
        starts_at=lesson.starts_at.isoformat(), ends_at=lesson.ends_at.isoformat(), student_id=p.student_id,
        family_id=p.family_id, reason=p.reason.value, price=money_payload(p.price))


def participant_removed(lesson: Lesson, p: Participant) -> ParticipantRemoved:
    return ParticipantRemoved(lesson_id=lesson.id, branch_id=lesson.branch_id, student_id=p.student_id,
                              family_id=p.family_id, reason=p.reason.value)
