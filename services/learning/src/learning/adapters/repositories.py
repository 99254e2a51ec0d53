"""Repositories: the lesson projection, sheets with their history, and settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.dialect import insert_for
from learning.adapters.tables import (
    course_settings,
    lesson_participants,
    lessons,
    risk_thresholds,
    sheet_marks,
    sheet_requests,
    sheet_revisions,
    sheets,
    students,
)
from learning.domain.grades import DEFAULT_SCALE, Grade, GradeScale
from learning.domain.model import Attendance, HomeworkDone, Lesson, Mark, Participant, Sheet
from learning.domain.progress import DEFAULT_THRESHOLDS, Thresholds


def lesson_from_row(r: Row[Any], participants: dict[str, Participant] | None = None) -> Lesson:
    return Lesson(id=r.id, branch_id=r.branch_id, teacher_id=r.teacher_id, starts_at=r.starts_at,
                  ends_at=r.ends_at, lesson_type=r.lesson_type, group_id=r.group_id, course_id=r.course_id,
                  charged_by_default=r.charged_by_default, original_teacher_id=r.original_teacher_id,
                  cancelled=r.cancelled, participants=participants or {})


def mark_from_row(r: Row[Any]) -> Mark:
    grade = Grade(r.grade, GradeScale(r.grade_scale)) if r.grade is not None and r.grade_scale else None
    return Mark(r.student_id, Attendance(r.attendance), HomeworkDone(r.homework_done) if r.homework_done else None,
                grade, r.comment)


class LessonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, lesson: Lesson, event_at: datetime) -> None:
        """Create or refresh the lesson unless a newer event already did (redeliveries come in any order)."""
        values = dict(id=lesson.id, branch_id=lesson.branch_id, group_id=lesson.group_id,
                      course_id=lesson.course_id, teacher_id=lesson.teacher_id,
                      original_teacher_id=lesson.original_teacher_id or lesson.teacher_id,
                      lesson_type=lesson.lesson_type, charged_by_default=lesson.charged_by_default,
                      starts_at=lesson.starts_at, ends_at=lesson.ends_at, cancelled=False, event_at=event_at)
        stmt = insert_for(self.session, lessons).values(**values)
        refreshed = {k: stmt.excluded[k] for k in ("branch_id", "group_id", "course_id", "lesson_type",
                                                    "charged_by_default")}
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_=refreshed))
        # Time and teacher move only forward in event time (a stale 'scheduled' must not undo a reschedule).
        await self.session.execute(
            update(lessons).where(lessons.c.id == lesson.id, lessons.c.event_at < event_at)
            .values(teacher_id=lesson.teacher_id, starts_at=lesson.starts_at, ends_at=lesson.ends_at,
                    event_at=event_at))

    async def upsert_participants(self, lesson_id: str, participants: Sequence[Participant],
                                  event_at: datetime) -> None:
        if not participants:
            return
        stmt = insert_for(self.session, lesson_participants).values([  # in key order: one lock order
            dict(lesson_id=lesson_id, student_id=p.student_id, family_id=p.family_id, reason=p.reason,
                 active=p.active, event_at=event_at) for p in sorted(participants, key=lambda p: p.student_id)])
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["lesson_id", "student_id"],
            set_={"family_id": stmt.excluded.family_id, "reason": stmt.excluded.reason,
                  "active": stmt.excluded.active, "event_at": stmt.excluded.event_at},
            where=lesson_participants.c.event_at <= stmt.excluded.event_at))

    async def exists(self, lesson_id: str) -> bool:
        return (await self.session.execute(select(lessons.c.id).where(lessons.c.id == lesson_id))).first() is not None

    async def reschedule(self, lesson_id: str, branch_id: str, starts_at: datetime, ends_at: datetime,
                         teacher_id: str, event_at: datetime) -> None:
        await self.session.execute(
            update(lessons).where(lessons.c.id == lesson_id, lessons.c.event_at <= event_at)
            .values(branch_id=branch_id, starts_at=starts_at, ends_at=ends_at, teacher_id=teacher_id,
                    event_at=event_at))

    async def cancel(self, lesson_id: str) -> None:
        # Cancellation is final whatever the event order.
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(cancelled=True))

    async def get(self, lesson_id: str, *, for_update: bool = False) -> Lesson | None:
        stmt = select(lessons).where(lessons.c.id == lesson_id)
        if for_update:
            stmt = stmt.with_for_update()  # serialises concurrent saves of one sheet (no-op on SQLite)
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        found = await self.participants_of([lesson_id])
        return lesson_from_row(row, found.get(lesson_id, {}))

    async def many(self, ids: Sequence[str]) -> dict[str, Lesson]:
        rows = (await self.session.execute(select(lessons).where(lessons.c.id.in_(ids)))).all()
        parts = await self.participants_of([r.id for r in rows])
        return {r.id: lesson_from_row(r, parts.get(r.id, {})) for r in rows}

    async def participants_of(self, lesson_ids: Sequence[str]) -> dict[str, dict[str, Participant]]:
        out: dict[str, dict[str, Participant]] = {}
        if not lesson_ids:
            return out
        rows = (await self.session.execute(
            select(lesson_participants).where(lesson_participants.c.lesson_id.in_(lesson_ids)))).all()
        for r in rows:
            out.setdefault(r.lesson_id, {})[r.student_id] = Participant(r.student_id, r.family_id, r.reason,
                                                                        r.active)
        return out

    async def next_in_group(self, group_id: str, after: datetime) -> str | None:
        row = (await self.session.execute(
            select(lessons.c.id).where(lessons.c.group_id == group_id, lessons.c.starts_at > after,
                                       lessons.c.cancelled.is_(False))
            .order_by(lessons.c.starts_at).limit(1))).first()
        return row.id if row else None


class StudentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, student_id: str, family_id: str, branch_id: str | None) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=branch_id,
                                                         erased=False)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": stmt.excluded.family_id, "branch_id": stmt.excluded.branch_id}))

    async def families_of(self, student_ids: Sequence[str]) -> dict[str, str | None]:
        """Student -> family, from identity's events, else from any lesson the student is on."""
        out: dict[str, str | None] = {}
        rows = (await self.session.execute(
            select(students.c.id, students.c.family_id).where(students.c.id.in_(student_ids)))).all()
        out.update({r.id: r.family_id for r in rows})
        missing = [s for s in student_ids if out.get(s) is None]
        if missing:
            prow = (await self.session.execute(
                select(lesson_participants.c.student_id, lesson_participants.c.family_id)
                .where(lesson_participants.c.student_id.in_(missing),
                       lesson_participants.c.family_id.is_not(None)).distinct())).all()
            out.update({r.student_id: r.family_id for r in prow})
        return out

    async def erase(self, student_id: str) -> None:
        """Identity erased the student: drop the free-text comments about them, everywhere they are kept.

        Attendance and grades stay under the (now unlinkable) id: they are what charges were made on.
        """
        stmt = insert_for(self.session, students).values(id=student_id, family_id=None, branch_id=None, erased=True)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": None, "erased": True}))
        await self.session.execute(update(sheet_marks).where(sheet_marks.c.student_id == student_id)
                                   .values(comment=None))
        await self.session.execute(update(lesson_participants).where(lesson_participants.c.student_id == student_id)
                                   .values(family_id=None))
        lesson_ids = select(sheet_marks.c.lesson_id).where(sheet_marks.c.student_id == student_id)
        rows = (await self.session.execute(
            select(sheet_revisions).where(sheet_revisions.c.lesson_id.in_(lesson_ids)))).all()
        for r in rows:
            snap = dict(r.snapshot)
            marks = [dict(m, comment=None) if m.get("student_id") == student_id else m for m in snap.get("marks", [])]
            if marks != snap.get("marks"):
                await self.session.execute(
                    update(sheet_revisions).where(sheet_revisions.c.lesson_id == r.lesson_id,
                                                  sheet_revisions.c.revision == r.revision)
                    .values(snapshot={**snap, "marks": marks}))


class SheetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_lessons(self, lesson_ids: Sequence[str]) -> dict[str, Sheet]:
        if not lesson_ids:
            return {}
        rows = (await self.session.execute(select(sheets).where(sheets.c.lesson_id.in_(lesson_ids)))).all()
        found = {r.lesson_id: Sheet(r.lesson_id, r.summary, r.homework, r.revision, {}, r.conducted, r.updated_at,
                                    r.updated_by) for r in rows}
        if found:
            mrows = (await self.session.execute(
                select(sheet_marks).where(sheet_marks.c.lesson_id.in_(list(found))))).all()
            for m in mrows:
                found[m.lesson_id].marks[m.student_id] = mark_from_row(m)
        return found

    async def get(self, lesson_id: str) -> Sheet | None:
        return (await self.by_lessons([lesson_id])).get(lesson_id)

    async def save(self, sheet: Sheet, previous: Sheet | None) -> None:
        assert sheet.updated_at is not None
        values = dict(summary=sheet.summary, homework=sheet.homework, revision=sheet.revision,
                      conducted=sheet.conducted, updated_at=sheet.updated_at, updated_by=sheet.updated_by)
        if previous is None:
            await self.session.execute(sheets.insert().values(lesson_id=sheet.lesson_id, **values))
        else:
            await self.session.execute(update(sheets).where(sheets.c.lesson_id == sheet.lesson_id).values(**values))
        changed = [m for sid, m in sheet.marks.items() if previous is None or previous.marks.get(sid) != m]
        if changed:
            await self.session.execute(delete(sheet_marks).where(
                sheet_marks.c.lesson_id == sheet.lesson_id,
                sheet_marks.c.student_id.in_([m.student_id for m in changed])))
            await self.session.execute(sheet_marks.insert(), [
                dict(lesson_id=sheet.lesson_id, student_id=m.student_id, attendance=m.attendance.value,
                     homework_done=m.homework_done.value if m.homework_done else None,
                     grade=m.grade.value if m.grade else None, grade_scale=m.grade.scale.value if m.grade else None,
                     comment=m.comment) for m in changed])
        await self.session.execute(sheet_revisions.insert().values(
            lesson_id=sheet.lesson_id, revision=sheet.revision, saved_at=sheet.updated_at, saved_by=sheet.updated_by,
            snapshot=sheet.snapshot()))

    async def revisions(self, lesson_ids: Sequence[str]) -> dict[str, list[Row[Any]]]:
        rows = (await self.session.execute(
            select(sheet_revisions).where(sheet_revisions.c.lesson_id.in_(lesson_ids))
            .order_by(sheet_revisions.c.lesson_id, sheet_revisions.c.revision))).all()
        out: dict[str, list[Row[Any]]] = {}
        for r in rows:
            out.setdefault(r.lesson_id, []).append(r)
        return out

    async def request(self, lesson_id: str, key: str) -> Row[Any] | None:
        return (await self.session.execute(select(sheet_requests).where(
            and_(sheet_requests.c.lesson_id == lesson_id, sheet_requests.c.idempotency_key == key)))).first()

    async def add_request(self, lesson_id: str, key: str, request_hash: str, revision: int, at: datetime) -> None:
        await self.session.execute(sheet_requests.insert().values(
            lesson_id=lesson_id, idempotency_key=key, request_hash=request_hash, revision=revision, created_at=at))


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def scales(self, course_ids: Sequence[str | None]) -> dict[str | None, GradeScale]:
        ids = [c for c in course_ids if c]
        out: dict[str | None, GradeScale] = {c: DEFAULT_SCALE for c in course_ids}
        if ids:
            rows = (await self.session.execute(
                select(course_settings).where(course_settings.c.course_id.in_(ids)))).all()
            out.update({r.course_id: GradeScale(r.grade_scale) for r in rows})
        return out

    async def set_scale(self, course_id: str, scale: GradeScale, at: datetime) -> None:
        stmt = insert_for(self.session, course_settings).values(course_id=course_id, grade_scale=scale.value,
                                                                updated_at=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["course_id"], set_={"grade_scale": stmt.excluded.grade_scale,
                                                "updated_at": stmt.excluded.updated_at}))

    async def thresholds(self, branch_ids: Sequence[str]) -> dict[str, Thresholds]:
        out = {b: DEFAULT_THRESHOLDS for b in branch_ids}
        if branch_ids:
            rows = (await self.session.execute(
                select(risk_thresholds).where(risk_thresholds.c.branch_id.in_(branch_ids)))).all()
            out.update({r.branch_id: Thresholds(r.min_attendance_percent, r.min_grade_percent, r.window_days)
                        for r in rows})
        return out

    async def set_thresholds(self, branch_id: str, t: Thresholds, at: datetime) -> None:
        stmt = insert_for(self.session, risk_thresholds).values(
            branch_id=branch_id, min_attendance_percent=t.min_attendance_percent,
            min_grade_percent=t.min_grade_percent, window_days=t.window_days, updated_at=at)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["branch_id"],
            set_={k: stmt.excluded[k] for k in ("min_attendance_percent", "min_grade_percent", "window_days",
                                                "updated_at")}))
