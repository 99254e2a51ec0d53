"""Lesson events built from domain objects (payload shapes per docs/contracts-plan.md)."""

from __future__ import annotations

from kabinet.events import EventContract, MoneyPayload
from kabinet.money import Money
from scheduling.domain.events import (
    LessonCancelled,
    LessonRescheduled,
    LessonScheduled,
    ParticipantAdded,
    ParticipantRemoved,
)
from scheduling.domain.model import BUILTIN_TYPES, Lesson, Participant, ParticipantReason

MAKEUP_CHARGED = next(t.charged_by_default for t in BUILTIN_TYPES if t.code == "makeup")


MAKEUP = "makeup"


def _is_makeup_place(lesson: Lesson, p: Participant) -> bool:
    """A make-up place in a lesson of another type (a group's lesson, say)."""
    return p.reason is ParticipantReason.MAKEUP and lesson.lesson_type != MAKEUP


def schedule_events(lesson: Lesson) -> list[EventContract]:
    """The events that put a lesson on the published schedule.

    Make-up places in a lesson of another type go out as their own participant.added with the make-up lesson
    type (R-SCH-5: billing leaves them uncharged unless the subscription covers make-ups); everyone else is in
    the lesson.scheduled roster.
    """
    makeups = [p for p in lesson.participants if _is_makeup_place(lesson, p)]
    return [lesson_scheduled(lesson), *(participant_added(lesson, p) for p in makeups)]


def lesson_scheduled(lesson: Lesson) -> LessonScheduled:
    # One validation of the whole payload (the roster as plain dicts): a model per participant and per price
    # was 22 validations a lesson, a third of publishing a month's CPU.
    return LessonScheduled.model_validate({
        "lesson_id": lesson.id, "branch_id": lesson.branch_id, "group_id": lesson.group_id,
        "course_id": lesson.course_id, "teacher_id": lesson.teacher_id, "room_id": lesson.room_id,
        "lesson_type": lesson.lesson_type, "charged_by_default": lesson.charged_by_default,
        "starts_at": lesson.starts_at.isoformat(), "ends_at": lesson.ends_at.isoformat(),
        "price": _money(lesson.price),
        "participants": [{"student_id": p.student_id, "family_id": p.family_id, "reason": p.reason.value,
                          "price": _money(p.price)}
                         for p in lesson.participants if not _is_makeup_place(lesson, p)],
    })


def _money(money: Money) -> dict[str, object]:
    """A MoneyPayload's fields, validated with the event that holds it."""
    return {"amount": money.amount, "currency": money.currency}


def lesson_rescheduled(lesson: Lesson) -> LessonRescheduled:
    return LessonRescheduled(lesson_id=lesson.id, branch_id=lesson.branch_id,
                             starts_at=lesson.starts_at.isoformat(), ends_at=lesson.ends_at.isoformat(),
                             teacher_id=lesson.teacher_id, room_id=lesson.room_id)


def lesson_cancelled(lesson: Lesson) -> LessonCancelled:
    return LessonCancelled(lesson_id=lesson.id, branch_id=lesson.branch_id, reason=lesson.cancel_reason or "")


def participant_added(lesson: Lesson, p: Participant) -> ParticipantAdded:
    makeup = _is_makeup_place(lesson, p)
    return ParticipantAdded(
        lesson_id=lesson.id, branch_id=lesson.branch_id, group_id=lesson.group_id, course_id=lesson.course_id,
        teacher_id=lesson.teacher_id, lesson_type=MAKEUP if makeup else lesson.lesson_type,
        charged_by_default=MAKEUP_CHARGED if makeup else lesson.charged_by_default,
        starts_at=lesson.starts_at.isoformat(), ends_at=lesson.ends_at.isoformat(), student_id=p.student_id,
        family_id=p.family_id, reason=p.reason.value, price=MoneyPayload.of(p.price))


def participant_removed(lesson: Lesson, p: Participant) -> ParticipantRemoved:
    return ParticipantRemoved(lesson_id=lesson.id, branch_id=lesson.branch_id, student_id=p.student_id,
                              family_id=p.family_id, reason=p.reason.value)
