"""Projections of other services' data, kept from their events: lessons and their participants (scheduling),
students and their families (identity). Learning never calls another service at request time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for
from learning.adapters.rows import lesson_from_row, participant_from_row
from learning.adapters.tables import lesson_participants, lessons, students
from learning.domain.model import Lesson, Participant

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_PARTICIPANTS_OF = select(lesson_participants).where(any_of(lesson_participants.c.lesson_id, bindparam("ids")))
_LESSONS_BY_IDS = select(lessons).where(any_of(lessons.c.id, bindparam("ids")))
# One lesson with its participants, a row each (one row with NULLs when it has none): one round trip, not two.
_LESSON = (select(lessons, lesson_participants.c.student_id, lesson_participants.c.family_id,
                  lesson_participants.c.reason, lesson_participants.c.active)
           .select_from(lessons.outerjoin(lesson_participants, lesson_participants.c.lesson_id == lessons.c.id))
           .where(lessons.c.id == bindparam("id")))
_later = lessons.alias("later")
# The group's next lesson (not cancelled): where a homework set on this lesson is due.
_NEXT_IN_GROUP = (select(_later.c.id).where(_later.c.group_id == lessons.c.group_id,
                                            _later.c.starts_at > lessons.c.starts_at, _later.c.cancelled.is_(False))
                  .order_by(_later.c.starts_at).limit(1).scalar_subquery())
# A save's read: locks the lesson's row only (serialises concurrent saves of one sheet; no-op on SQLite), with the
# group's next lesson, which ``next_in_group`` then answers without a statement.
_LESSON_FOR_UPDATE = _LESSON.add_columns(_NEXT_IN_GROUP.label("next_in_group")).with_for_update(of=lessons)


async def participants_of(session: AsyncSession, lesson_ids: Sequence[str]) -> dict[str, dict[str, Participant]]:
    out: dict[str, dict[str, Participant]] = {}
    if not lesson_ids:
        return out
    rows = (await session.execute(_PARTICIPANTS_OF, {"ids": list(lesson_ids)})).all()
    for r in rows:
        out.setdefault(r.lesson_id, {})[r.student_id] = participant_from_row(r)
    return out


async def lessons_by_ids(session: AsyncSession, ids: Sequence[str]) -> dict[str, Lesson]:
    rows = (await session.execute(_LESSONS_BY_IDS, {"ids": list(ids)})).all()
    parts = await participants_of(session, [r.id for r in rows])
    return {r.id: lesson_from_row(r, parts.get(r.id, {})) for r in rows}


def _lesson_start(lesson_id: str) -> object:
    return select(lessons.c.starts_at).where(lessons.c.id == lesson_id).scalar_subquery()


class SqlProjections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # (group, after) -> the group's next lesson, as the locked read of a lesson of the group found it.
        self._next_in_group: dict[tuple[str, datetime], str | None] = {}

    async def upsert_lesson(self, lesson: Lesson, event_at: datetime) -> None:
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
        moved = await self.session.execute(
            update(lessons).where(lessons.c.id == lesson.id, lessons.c.event_at < event_at)
            .values(teacher_id=lesson.teacher_id, starts_at=lesson.starts_at, ends_at=lesson.ends_at,
                    event_at=event_at))
        if moved.rowcount:  # type: ignore[attr-defined]
            await self._sync_starts(lesson.id)

    async def upsert_participants(self, lesson_id: str, participants: Sequence[Participant],
                                  event_at: datetime) -> None:
        if not participants:
            return
        start = _lesson_start(lesson_id)
        stmt = insert_for(self.session, lesson_participants).values([  # in key order: one lock order
            dict(lesson_id=lesson_id, student_id=p.student_id, family_id=p.family_id, reason=p.reason,
                 active=p.active, event_at=event_at, starts_at=start)
            for p in sorted(participants, key=lambda p: p.student_id)])
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["lesson_id", "student_id"],
            set_={"family_id": stmt.excluded.family_id, "reason": stmt.excluded.reason,
                  "active": stmt.excluded.active, "event_at": stmt.excluded.event_at,
                  "starts_at": stmt.excluded.starts_at},
            where=lesson_participants.c.event_at <= stmt.excluded.event_at))

    async def _sync_starts(self, lesson_id: str) -> None:
        """The participants' copy of the lesson's start follows the lesson."""
        await self.session.execute(update(lesson_participants).where(lesson_participants.c.lesson_id == lesson_id)
                                   .values(starts_at=_lesson_start(lesson_id)))

    async def lesson_exists(self, lesson_id: str) -> bool:
        return (await self.session.execute(select(lessons.c.id).where(lessons.c.id == lesson_id))).first() is not None

    async def reschedule(self, lesson_id: str, branch_id: str, starts_at: datetime, ends_at: datetime,
                         teacher_id: str, event_at: datetime) -> None:
        moved = await self.session.execute(
            update(lessons).where(lessons.c.id == lesson_id, lessons.c.event_at <= event_at)
            .values(branch_id=branch_id, starts_at=starts_at, ends_at=ends_at, teacher_id=teacher_id,
                    event_at=event_at))
        if moved.rowcount:  # type: ignore[attr-defined]
            await self._sync_starts(lesson_id)

    async def cancel(self, lesson_id: str) -> None:
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(cancelled=True))

    async def lesson(self, lesson_id: str, *, for_update: bool = False) -> Lesson | None:
        rows = (await self.session.execute(_LESSON_FOR_UPDATE if for_update else _LESSON, {"id": lesson_id})).all()
        if not rows:
            return None
        r = rows[0]
        if for_update and r.group_id is not None:
            self._next_in_group[r.group_id, r.starts_at] = r.next_in_group
        return lesson_from_row(r, {r.student_id: participant_from_row(r) for r in rows if r.student_id is not None})

    async def next_in_group(self, group_id: str, after: datetime) -> str | None:
        if (group_id, after) in self._next_in_group:  # read with the lesson, in this transaction
            return self._next_in_group[group_id, after]
        row = (await self.session.execute(
            select(lessons.c.id).where(lessons.c.group_id == group_id, lessons.c.starts_at > after,
                                       lessons.c.cancelled.is_(False))
            .order_by(lessons.c.starts_at).limit(1))).first()
        return row.id if row else None

    async def branches_of_course(self, course_id: str) -> set[str]:
        return set((await self.session.execute(
            select(lessons.c.branch_id).where(lessons.c.course_id == course_id).distinct())).scalars())

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=branch_id,
                                                         erased=False)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": stmt.excluded.family_id, "branch_id": stmt.excluded.branch_id}))

    async def erase_student(self, student_id: str) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=None, branch_id=None, erased=True)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": None, "erased": True}))
        await self.session.execute(update(lesson_participants).where(lesson_participants.c.student_id == student_id)
                                   .values(family_id=None))
