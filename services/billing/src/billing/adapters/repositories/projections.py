"""Billing's copies of other services' data: students, staff, branches, lessons and participants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import branches, lesson_participants, lessons, staff, students, subscriptions
from billing.domain.records import Branch, Lesson, Participant, Student
from kabinet.db.any_of import any_of
from kabinet.db.bulk import COPY_FROM, BulkCopy, BulkInsert
from kabinet.db.dialect import insert_for
from kabinet.db.locks import take_turns

_LESSON_FIELDS = tuple(f.name for f in fields(Lesson))
_UPSERT_LESSONS = BulkInsert(lessons, _LESSON_FIELDS, lambda stmt: stmt.on_conflict_do_update(
    index_elements=["id"], set_={c.name: stmt.excluded[c.name] for c in lessons.columns
                                 if c.name not in ("id", "cancelled")}))
_PARTICIPANT_COLUMNS = ("lesson_id", "student_id", "family_id", "price", "currency", "reason", "removed")
_UPSERT_PARTICIPANTS = BulkInsert(
    lesson_participants, _PARTICIPANT_COLUMNS,
    lambda stmt: stmt.on_conflict_do_update(index_elements=["lesson_id", "student_id"], set_={
        "family_id": stmt.excluded.family_id, "price": stmt.excluded.price, "currency": stmt.excluded.currency,
        "reason": stmt.excluded.reason, "removed": False}))
_COPY_PARTICIPANTS = BulkCopy(lesson_participants, _PARTICIPANT_COLUMNS)  # from COPY_FROM (upsert_participants)

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_STUDENTS_BY_IDS = select(students).where(any_of(students.c.id, bindparam("ids")))
_FAMILY_BRANCHES = select(students.c.branch_id).where(students.c.family_id == bindparam("family_id"),
                                                      students.c.branch_id.is_not(None))
_FAMILIES_BRANCHES = select(students.c.family_id, students.c.branch_id).where(
    any_of(students.c.family_id, bindparam("ids")), students.c.branch_id.is_not(None))


class ProjectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None, name: str) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=branch_id,
                                                         display_name=name, erased=False)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": family_id, "branch_id": branch_id, "display_name": name}))

    async def upsert_staff(self, staff_id: str, name: str) -> None:
        stmt = insert_for(self.session, staff).values(id=staff_id, display_name=name)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"display_name": name}))

    async def erase_student(self, student_id: str) -> None:
        # Billing keeps the money records (legal duty) but drops the personal data it holds: the name.
        await self.session.execute(update(students).where(students.c.id == student_id)
                                   .values(display_name="", erased=True))

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name=name, time_zone=time_zone)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"name": name, "time_zone": time_zone}))

    async def ensure_branch(self, branch_id: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name="", time_zone="UTC")
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))

    async def branch(self, branch_id: str) -> Branch | None:
        return (await self.branches_by_ids([branch_id])).get(branch_id)

    async def set_branch_settings(self, branch_id: str, charge_on: str | None, burn: bool | None,
                                  makeup_charge: str | None = None) -> None:
        await self.ensure_branch(branch_id)
        values: dict[str, Any] = {}
        if makeup_charge is not None:
            values["makeup_charge"] = makeup_charge
        if charge_on is not None:
            values["charge_on"] = charge_on
        if burn is not None:
            values["burn_expired_lessons"] = burn
        if values:
            await self.session.execute(update(branches).where(branches.c.id == branch_id).values(**values))

    async def student(self, student_id: str) -> Student | None:
        return (await self.students_by_ids([student_id])).get(student_id)

    async def students_by_ids(self, ids: Sequence[str]) -> dict[str, Student]:
        rows = (await self.session.execute(_STUDENTS_BY_IDS, {"ids": list(ids)})).all()
        return {r.id: record(Student, r) for r in rows}

    async def family_had_trial(self, family_id: str) -> bool:
        """The family's free trial is used: a trial subscription sold to it, or a lesson taken as its trial.

        Its caller sells a trial when this says no: the family's trial turn (``take_turns``) is held from before
        the reads until commit, so two sales at once (two admins, two children, two keys) take turns and the
        second sees the first's subscription - before, both read none and the family got two free trials."""
        await take_turns(self.session, [("family_trial", family_id)])
        sold = select(subscriptions.c.id).where(subscriptions.c.family_id == family_id,
                                                subscriptions.c.trial.is_(True)).limit(1)
        taken = select(lesson_participants.c.lesson_id).where(
            lesson_participants.c.family_id == family_id, lesson_participants.c.reason == "trial",
            lesson_participants.c.removed.is_(False)).limit(1)
        return ((await self.session.execute(sold)).first() is not None
                or (await self.session.execute(taken)).first() is not None)

    async def family_branches(self, family_id: str) -> set[str]:
        rows = (await self.session.execute(_FAMILY_BRANCHES, {"family_id": family_id})).all()
        return {r.branch_id for r in rows}

    async def families_branches(self, family_ids: Sequence[str]) -> dict[str, set[str]]:
        rows = (await self.session.execute(_FAMILIES_BRANCHES, {"ids": list(family_ids)})).all()
        out: dict[str, set[str]] = {f: set() for f in family_ids}
        for r in rows:
            out[r.family_id].add(r.branch_id)
        return out

    # lessons
    async def upsert_lessons(self, new: Sequence[Lesson]) -> None:
        """Many lessons in one statement, in id order; an existing lesson keeps its cancelled flag."""
        if not new:
            return
        ordered = sorted(new, key=lambda lesson: lesson.id)
        columns: dict[str, list[Any]] = {f: [getattr(x, f) for x in ordered] for f in _LESSON_FIELDS}
        columns["cancelled"] = [False] * len(ordered)  # a new lesson is not cancelled; an existing one keeps its flag
        await _UPSERT_LESSONS.execute(self.session, columns)

    async def add_lesson_if_absent(self, lesson: Lesson) -> bool:
        """Insert the lesson unless it exists (never overwriting a scheduled lesson); False when it did.

        A transaction that inserted the same id and has not committed yet is waited for, so False means the
        lesson is there for this transaction's next statement."""
        stmt = insert_for(self.session, lessons).values({f: getattr(lesson, f) for f in _LESSON_FIELDS})
        return (await self.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["id"]).returning(lessons.c.id))).first() is not None

    async def makeup_places(self, lesson_ids: Sequence[str]) -> list[Participant]:
        """The lessons' make-up places (not removed): they come as participant.added, not in the roster."""
        p = lesson_participants
        rows = (await self.session.execute(select(p).where(any_of(p.c.lesson_id, lesson_ids), p.c.reason == "makeup",
                                                           p.c.removed.is_(False)))).all()
        return [record(Participant, r) for r in rows]

    async def lessons_by_ids(self, ids: Sequence[str]) -> dict[str, Lesson]:
        rows = (await self.session.execute(select(lessons).where(any_of(lessons.c.id, ids)))).all()
        return {r.id: record(Lesson, r) for r in rows}

    async def branches_by_ids(self, ids: Sequence[str]) -> dict[str, Branch]:
        rows = (await self.session.execute(select(branches).where(any_of(branches.c.id, ids)))).all()
        return {r.id: record(Branch, r) for r in rows}

    async def upsert_participants(self, participants: Sequence[Participant]) -> None:
        """Participants of one or many lessons in one statement, in key order; their attendance stays."""
        if not participants:
            return
        ordered = sorted(participants, key=lambda x: (x.lesson_id, x.student_id))
        # A published month's rosters are new rows: one COPY; if any is there already (a lesson published
        # again), nothing is written by it and the upsert below does them all.
        if len(ordered) >= COPY_FROM and await _COPY_PARTICIPANTS.execute_unless_conflict(self.session, [
                (x.lesson_id, x.student_id, x.family_id, x.price, x.currency, x.reason, False) for x in ordered]):
            return
        await _UPSERT_PARTICIPANTS.execute(self.session, {
            "lesson_id": [x.lesson_id for x in ordered], "student_id": [x.student_id for x in ordered],
            "family_id": [x.family_id for x in ordered], "price": [x.price for x in ordered],
            "currency": [x.currency for x in ordered], "reason": [x.reason for x in ordered],
            "removed": [False] * len(ordered)})

    async def lesson(self, lesson_id: str) -> Lesson | None:
        return (await self.lessons_by_ids([lesson_id])).get(lesson_id)

    async def reschedule_lesson(self, lesson_id: str, starts_at: datetime) -> None:
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(starts_at=starts_at))

    async def cancel_lesson(self, lesson_id: str) -> None:
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(cancelled=True))

    async def participant(self, lesson_id: str, student_id: str) -> Participant | None:
        p = lesson_participants
        row = (await self.session.execute(select(p).where(p.c.lesson_id == lesson_id,
                                                          p.c.student_id == student_id))).first()
        return record(Participant, row) if row is not None else None

    async def remove_participant(self, lesson_id: str, student_id: str) -> None:
        p = lesson_participants
        await self.session.execute(update(p).where(p.c.lesson_id == lesson_id, p.c.student_id == student_id)
                                   .values(removed=True))

    async def record_attendance(self, lesson_id: str, student_id: str, status: str, revision: int) -> bool:
        """Keep the latest revision only; False when this mark is older than one already applied."""
        p = lesson_participants
        row = (await self.session.execute(
            update(p).where(p.c.lesson_id == lesson_id, p.c.student_id == student_id,
                            p.c.attendance_revision < revision)
            .values(attendance_status=status, attendance_revision=revision).returning(p.c.lesson_id))).first()
        return row is not None
