"""Learning's event handlers on the in-memory unit of work: scheduling's lesson events build the lesson
projection (an older, redelivered event never undoes a newer one), identity's student events the families, and
erasure drops the comments everywhere. No database, no broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from learning_memory import MemoryUnitOfWork

from kabinet.auth import Principal, Role
from kabinet.events import Envelope
from learning.domain.model import Attendance, MarkDraft, SheetDraft
from learning.service.handlers import HANDLERS, LessonNotYetKnown
from learning.service.sheets import SaveSheet, save_sheet

T0 = datetime(2027, 3, 1, 9, tzinfo=UTC)
START = datetime(2027, 3, 3, 15, tzinfo=UTC)


async def deliver(uow: MemoryUnitOfWork, event_type: str, payload: dict[str, Any], at: datetime = T0) -> None:
    """As the kit's consumer does: the handler in a transaction, committed after it."""
    envelope = Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0], payload=payload,
                        occurred_at=at)
    await HANDLERS.handle(uow.begin(), [envelope])
    await uow.commit()


def scheduled(lesson_id: str = "L1", starts_at: datetime = START, **kw: Any) -> dict[str, Any]:
    return {"lesson_id": lesson_id, "branch_id": "B1", "group_id": "G1", "course_id": "C1", "teacher_id": "T1",
            "lesson_type": "group", "charged_by_default": True, "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "participants": [{"student_id": "S1", "family_id": "F1", "reason": "member"}], **kw}


async def test_a_scheduled_lesson_is_projected_with_its_participants() -> None:
    uow = MemoryUnitOfWork()
    await deliver(uow, "scheduling.lesson.scheduled", scheduled())
    lesson = await uow.begin().projections.lesson("L1")
    assert lesson is not None
    assert (lesson.branch_id, lesson.teacher_id, lesson.original_teacher_id, lesson.starts_at) == (
        "B1", "T1", "T1", START)
    assert {s: (p.family_id, p.reason, p.active) for s, p in lesson.participants.items()} == {
        "S1": ("F1", "member", True)}


async def test_a_reschedule_moves_the_lesson_and_an_older_redelivery_does_not_undo_it() -> None:
    uow = MemoryUnitOfWork()
    await deliver(uow, "scheduling.lesson.scheduled", scheduled())
    moved = START + timedelta(days=1)
    await deliver(uow, "scheduling.lesson.rescheduled", {
        "lesson_id": "L1", "branch_id": "B1", "starts_at": moved.isoformat(),
        "ends_at": (moved + timedelta(hours=1)).isoformat(), "teacher_id": "T2"}, T0 + timedelta(hours=2))
    await deliver(uow, "scheduling.lesson.scheduled", scheduled(), T0 + timedelta(hours=1))  # redelivered, older
    lesson = await uow.begin().projections.lesson("L1")
    assert lesson is not None
    assert (lesson.starts_at, lesson.teacher_id, lesson.original_teacher_id) == (moved, "T2", "T1")
    assert lesson.teachers() == {"T1", "T2"}


async def test_events_about_an_unknown_lesson_are_retried() -> None:
    uow = MemoryUnitOfWork()
    for event_type, payload in (
            ("scheduling.lesson.rescheduled", {"lesson_id": "L?", "branch_id": "B1", "teacher_id": "T1",
                                               "starts_at": START.isoformat(), "ends_at": START.isoformat()}),
            ("scheduling.lesson.cancelled", {"lesson_id": "L?", "branch_id": "B1"}),
            ("scheduling.participant.removed", {"lesson_id": "L?", "branch_id": "B1", "student_id": "S1"})):
        with pytest.raises(LessonNotYetKnown):
            await deliver(uow, event_type, payload)
    assert uow.committed_store.lessons == {}


async def test_cancellation_is_final_and_participants_come_and_go() -> None:
    uow = MemoryUnitOfWork()
    await deliver(uow, "scheduling.lesson.scheduled", scheduled())
    makeup = {k: v for k, v in scheduled().items() if k != "participants"}
    await deliver(uow, "scheduling.participant.added", {**makeup, "student_id": "S9", "family_id": "F9",
                                                         "reason": "makeup"}, T0 + timedelta(minutes=1))
    await deliver(uow, "scheduling.participant.removed", {"lesson_id": "L1", "branch_id": "B1", "student_id": "S1",
                                                           "family_id": "F1"}, T0 + timedelta(minutes=2))
    lesson = await uow.begin().projections.lesson("L1")
    assert lesson is not None
    assert {s: (p.reason, p.active) for s, p in lesson.participants.items()} == {
        "S1": ("member", False), "S9": ("makeup", True)}
    await deliver(uow, "scheduling.lesson.cancelled", {"lesson_id": "L1", "branch_id": "B1"}, T0)
    await deliver(uow, "scheduling.lesson.scheduled", scheduled(), T0 + timedelta(hours=5))
    cancelled = await uow.begin().projections.lesson("L1")
    assert cancelled is not None and cancelled.cancelled  # final, whatever the order of the events


async def test_an_erased_student_loses_family_and_comments_but_keeps_attendance() -> None:
    uow = MemoryUnitOfWork()
    await deliver(uow, "identity.student.registered", {"student_id": "S1", "family_id": "F1", "branch_id": "B1"})
    await deliver(uow, "scheduling.lesson.scheduled", scheduled(starts_at=T0))
    owner = Principal(user_id="o", role=Role.OWNER)
    for revision_comment in ("first", "second"):
        await save_sheet(SaveSheet(SheetDraft("L1", "Topic", "", (
            MarkDraft("S1", Attendance.PRESENT, None, "5", revision_comment),)), T0 + timedelta(hours=2)),
            uow.begin(), owner)
    assert uow.committed_store.students["S1"] == ("F1", "B1", False)
    await deliver(uow, "identity.student.erased", {"student_id": "S1", "family_id": "F1"})
    store = uow.committed_store
    assert store.students["S1"][0] is None and store.students["S1"][2] is True
    assert store.lessons["L1"].participants["S1"].family_id is None
    mark = store.sheets["L1"].marks["S1"]
    assert mark.comment is None and mark.attendance is Attendance.PRESENT and mark.grade is not None
    assert [m["comment"] for r in store.revisions["L1"] for m in r.snapshot["marks"]] == [None, None]


def test_every_consumed_event_has_a_handler() -> None:
    assert sorted(HANDLERS) == sorted([
        "identity.student.erased.v1", "identity.student.registered.v1", "identity.student.updated.v1",
        "scheduling.lesson.cancelled.v1", "scheduling.lesson.rescheduled.v1", "scheduling.lesson.scheduled.v1",
        "scheduling.participant.added.v1", "scheduling.participant.removed.v1"])
