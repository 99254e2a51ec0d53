"""Use case: save a lesson's whole sheet in one idempotent operation (R-LRN-1, R-LRN-2, R-LRN-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kabinet.auth.principal import Principal
from kabinet.auth.rules import ensure, hides_missing, require_authenticated
from kabinet.errors import Forbidden
from learning.domain.access import can_write_sheet
from learning.domain.errors import LessonNotFound, StaleRevision
from learning.domain.events import AttendanceMarked, GradePosted, HomeworkAssigned, LessonConducted
from learning.domain.grades import DEFAULT_SCALE, GradeScale
from learning.domain.model import Lesson, Sheet, SheetChange, SheetDraft, record_sheet
from learning.service.unit_of_work import LearningUnitOfWork


@dataclass(frozen=True)
class SaveSheet:
    draft: SheetDraft
    now: datetime
    idempotency_key: str | None = None
    # The revision the phone started from: a save over someone else's newer revision is refused.
    expected_revision: int | None = None
    # A sheet may be filled from this long before the lesson starts.
    open_before: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class SheetSaved:
    sheet: Sheet
    changed: bool  # False: the same sheet again, or a retry of a save that already happened
    replayed: bool = False  # a retry with an idempotency key already used for this very sheet
    # The lesson (with its participants) and the course's scale the save read under the lesson's lock: with the
    # sheet, what the mutation answers with, without reading them again.
    lesson: Lesson | None = None
    scale: GradeScale = DEFAULT_SCALE


def lesson_scope(lesson_id: str) -> str:
    """Idempotency keys of sheet saves are per lesson (a teacher's and an admin's phones retry the same save)."""
    return f"lesson:{lesson_id}"


async def save_sheet(cmd: SaveSheet, uow: LearningUnitOfWork, principal: Principal) -> SheetSaved:
    require_authenticated(principal)
    lesson = await uow.projections.lesson(cmd.draft.lesson_id, for_update=True)
    if lesson is None:
        # Unknown is answered as not yours (staff of another branch learnt that a lesson existed); the owner may
        # still hear that it is not known yet (it may be on its way from scheduling).
        if hides_missing(principal):
            raise Forbidden()
        raise LessonNotFound(field="lessonId")
    ensure(can_write_sheet(principal, lesson))
    current = await uow.sheets.get(lesson.id)
    claim = await uow.sheet_keys.claim(lesson_scope(lesson.id), cmd.idempotency_key, "save_sheet", cmd.draft)
    scale = (await uow.settings.scales([lesson.course_id]))[lesson.course_id]
    if claim.replayed:
        assert current is not None
        return SheetSaved(current, changed=False, replayed=True, lesson=lesson, scale=scale)  # a retry: no change
    if cmd.expected_revision is not None and cmd.expected_revision != (current.revision if current else 0):
        raise StaleRevision(field="expectedRevision")
    change = record_sheet(lesson, current, cmd.draft, scale, now=cmd.now,
                          by=principal.staff_id or principal.user_id, open_before=cmd.open_before)
    if change.changed:
        await uow.sheets.save(change.after, current)
        await _publish(uow, lesson, change, cmd.now)
    await uow.sheet_keys.store(claim, change.after.revision)
    await uow.commit()
    return SheetSaved(change.after, changed=change.changed, lesson=lesson, scale=scale)


async def _publish(uow: LearningUnitOfWork, lesson: Lesson, change: SheetChange, now: datetime) -> None:
    sheet = change.after
    for m in change.changed_attendance:
        p = lesson.participants.get(m.student_id)
        uow.publish(AttendanceMarked(lesson_id=lesson.id, branch_id=lesson.branch_id, student_id=m.student_id,
                                     family_id=p.family_id if p else None, status=m.attendance.value,
                                     lesson_type=lesson.lesson_type, revision=sheet.revision, marked_at=now))
    for m in change.posted_grades:
        assert m.grade is not None
        p = lesson.participants.get(m.student_id)
        uow.publish(GradePosted(lesson_id=lesson.id, student_id=m.student_id, family_id=p.family_id if p else None,
                                grade=m.grade.display(), scale=m.grade.scale.value))
    if change.homework_assigned:
        due = await uow.projections.next_in_group(lesson.group_id, lesson.starts_at) if lesson.group_id else None
        uow.publish(HomeworkAssigned(lesson_id=lesson.id, group_id=lesson.group_id, text=sheet.homework,
                                     due_lesson_id=due, student_ids=sorted(lesson.participants)))
    if change.conducted_now:
        uow.publish(LessonConducted(lesson_id=lesson.id, branch_id=lesson.branch_id, teacher_id=lesson.teacher_id,
                                    conducted_at=now))
