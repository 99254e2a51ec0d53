"""Notifications, guardians' notification preferences and the lessons' students they are resolved from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import notification_preferences, notifications, notify_lessons
from identity.domain.notifications import (
    TELEGRAM_BY_DEFAULT,
    WEB_PUSH_BY_DEFAULT,
    About,
    Channel,
    Kind,
    Notification,
    Preferences,
    Status,
)
from kabinet.db.any_of import any_of
from kabinet.db.bulk import BulkInsert
from kabinet.db.dialect import dialect_of, insert_for

n_ = notifications.c


def _kinds(text: str) -> frozenset[Kind]:
    known = {k.value for k in Kind}
    return frozenset(Kind(k) for k in text.split(",") if k in known)


def _hhmm(t: time | None) -> str | None:
    return None if t is None else t.strftime("%H:%M")


def _time(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


# The kinds of version 1: what preferences saved before `known_kinds` existed chose among.
VERSION_1_KINDS = frozenset({Kind.LESSON_SCHEDULED, Kind.LESSON_MOVED, Kind.LESSON_CANCELLED, Kind.LESSON_CHARGED,
                             Kind.PAYMENT_RECEIVED, Kind.LOW_BALANCE, Kind.SUBSCRIPTION_ENDED, Kind.GRADE_POSTED,
                             Kind.HOMEWORK_ASSIGNED})


def _preferences(r: Row[Any]) -> Preferences:
    telegram = TELEGRAM_BY_DEFAULT if r.telegram_kinds is None else _kinds(r.telegram_kinds)
    web_push = WEB_PUSH_BY_DEFAULT if r.web_push_kinds is None else _kinds(r.web_push_kinds)
    known = VERSION_1_KINDS if r.known_kinds is None else _kinds(r.known_kinds)
    return Preferences.saved(r.guardian_id, r.language, _kinds(r.cabinet_kinds), _kinds(r.email_kinds),
                             _kinds(r.sms_kinds), _time(r.quiet_from), _time(r.quiet_to), telegram, known,
                             web_push)


def _notification(r: Row[Any]) -> Notification:
    return Notification(r.id, r.event_id, Kind(r.kind), r.guardian_id, r.family_id, Channel(r.channel), r.language,
                        r.subject, r.text, r.branch_id, r.created_at, Status(r.status), r.attempts,
                        r.next_attempt_at, r.sent_at, r.reason, r.read_at, r.address,
                        About(tuple(r.student_ids.split(",")) if r.student_ids else (), r.lesson_id, r.lead_id,
                              r.question_id))


def _row(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "event_id": n.event_id, "kind": n.kind.value, "guardian_id": n.guardian_id,
            "family_id": n.family_id, "channel": n.channel.value, "language": n.language, "address": n.address,
            "subject": n.subject, "text": n.text, "branch_id": n.branch_id, "status": n.status.value,
            "attempts": n.attempts, "next_attempt_at": n.next_attempt_at, "sent_at": n.sent_at, "reason": n.reason,
            "read_at": n.read_at, "created_at": n.created_at, "student_ids": ",".join(n.about.student_ids),
            "lesson_id": n.about.lesson_id, "lead_id": n.about.lead_id, "question_id": n.about.question_id}


# One constant statement whatever the number of rows (a multi-row VALUES is compiled anew for every row count:
# it was 15 % of identity's CPU under the cabinet bench's load).
_ADD = BulkInsert(notifications, ("id", "event_id", "kind", "guardian_id", "family_id", "channel", "language",
                                  "address", "subject", "text", "branch_id", "status", "attempts",
                                  "next_attempt_at", "sent_at", "reason", "read_at", "created_at", "student_ids",
                                  "lesson_id", "lead_id", "question_id"),
                  lambda stmt: stmt.on_conflict_do_nothing().returning(n_.id))
_REMEMBER = BulkInsert(notify_lessons, ("lesson_id", "student_id", "branch_id", "starts_at", "ends_at"),
                       lambda stmt: stmt.on_conflict_do_nothing())


class SqlNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, rows: Sequence[Notification]) -> int:
        if not rows:
            return 0
        # Key order: two transactions recording for the same guardians lock in one order.
        ordered = sorted(rows, key=lambda n: (n.event_id, n.kind.value, n.guardian_id, n.channel.value))
        mapped = [_row(n) for n in ordered]
        result = await _ADD.execute(self.session, {name: [r[name] for r in mapped] for name in _ADD.names})
        return 0 if result is None else len(result.all())

    async def preferences(self, guardian_ids: Sequence[str]) -> dict[str, Preferences]:
        rows = (await self.session.execute(select(notification_preferences).where(
            any_of(notification_preferences.c.guardian_id, guardian_ids)))).all()
        found = {r.guardian_id: _preferences(r) for r in rows}
        return {g: found.get(g) or Preferences(g) for g in guardian_ids}

    async def save_preferences(self, p: Preferences, now: datetime) -> None:
        values = {"language": p.language, "cabinet_kinds": ",".join(sorted(p.cabinet)),
                  "email_kinds": ",".join(sorted(p.email)), "sms_kinds": ",".join(sorted(p.sms)),
                  "quiet_from": _hhmm(p.quiet_from), "quiet_to": _hhmm(p.quiet_to), "updated_at": now,
                  "telegram_kinds": ",".join(sorted(p.telegram)),
                  "web_push_kinds": ",".join(sorted(p.web_push)), "known_kinds": ",".join(sorted(Kind))}
        stmt = insert_for(self.session, notification_preferences).values(guardian_id=p.guardian_id, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["guardian_id"], set_=values))

    async def remember_lesson(self, lesson_id: str, student_ids: Sequence[str], branch_id: str | None,
                              starts_at: datetime | None, ends_at: datetime | None) -> None:
        students = sorted(set(student_ids))
        await _REMEMBER.execute(self.session, {"lesson_id": [lesson_id] * len(students), "student_id": students,
                                               "branch_id": [branch_id] * len(students),
                                               "starts_at": [starts_at] * len(students),
                                               "ends_at": [ends_at] * len(students)})

    async def move_lesson(self, lesson_id: str, starts_at: datetime, ends_at: datetime) -> None:
        await self.session.execute(update(notify_lessons).where(notify_lessons.c.lesson_id == lesson_id)
                                   .values(starts_at=starts_at, ends_at=ends_at))

    async def forget_student(self, lesson_id: str, student_id: str) -> None:
        await self.session.execute(delete(notify_lessons).where(notify_lessons.c.lesson_id == lesson_id,
                                                                notify_lessons.c.student_id == student_id))

    async def lesson_students(self, lesson_id: str) -> tuple[list[str], datetime | None]:
        rows = (await self.session.execute(select(notify_lessons).where(notify_lessons.c.lesson_id == lesson_id)
                                           .order_by(notify_lessons.c.student_id))).all()
        return [r.student_id for r in rows], next((r.starts_at for r in rows if r.starts_at), None)

    async def of_guardian(self, guardian_id: str, channel: Channel, before: tuple[datetime, str] | None,
                          limit: int) -> list[Notification]:
        stmt = select(notifications).where(n_.guardian_id == guardian_id, n_.channel == channel.value)
        if before is not None:
            at, last_id = before
            stmt = stmt.where(or_(n_.created_at < at, and_(n_.created_at == at, n_.id < last_id)))
        rows = (await self.session.execute(stmt.order_by(n_.created_at.desc(), n_.id.desc()).limit(limit))).all()
        return [_notification(r) for r in rows]

    async def unread(self, guardian_id: str, channel: Channel) -> int:
        return int((await self.session.execute(select(func.count()).select_from(notifications).where(
            n_.guardian_id == guardian_id, n_.channel == channel.value, n_.read_at.is_(None)))).scalar_one())

    async def mark_read(self, guardian_id: str, ids: Sequence[str] | None, now: datetime) -> int:
        stmt = update(notifications).where(n_.guardian_id == guardian_id, n_.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(any_of(n_.id, ids))
        result = await self.session.execute(stmt.values(read_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Notification]:
        stmt = (select(notifications).where(n_.status == Status.PENDING.value, n_.next_attempt_at <= now)
                .order_by(n_.next_attempt_at, n_.id).limit(limit))
        if dialect_of(self.session) == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)  # another sender skips the rows this one takes
        taken = [_notification(r) for r in (await self.session.execute(stmt)).all()]
        for n in taken:
            n.attempts += 1
            n.next_attempt_at = now + lease
            await self.session.execute(update(notifications).where(n_.id == n.id).values(
                attempts=n.attempts, next_attempt_at=n.next_attempt_at))
        return taken

    async def delete_old(self, before: datetime, limit: int) -> int:
        done = or_(and_(n_.channel == Channel.CABINET.value, n_.read_at < before),
                   and_(n_.channel != Channel.CABINET.value, n_.status == Status.SENT.value, n_.sent_at < before))
        # Read or sent before ``before`` means created before it too: the created_at index finds the candidates.
        oldest = select(n_.id).where(n_.created_at < before, done).order_by(n_.created_at, n_.id).limit(limit)
        ids = [r.id for r in (await self.session.execute(oldest)).all()]
        if not ids:
            return 0
        result = await self.session.execute(delete(notifications).where(any_of(n_.id, ids)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_lessons_ended(self, before: datetime, limit: int) -> int:
        l_ = notify_lessons.c
        # One statement (row values in a subquery: PostgreSQL and SQLite alike); the ends_at index finds the batch.
        oldest = (select(l_.lesson_id, l_.student_id).where(l_.ends_at < before)
                  .order_by(l_.ends_at, l_.lesson_id, l_.student_id).limit(limit))
        result = await self.session.execute(delete(notify_lessons).where(
            tuple_(l_.lesson_id, l_.student_id).in_(oldest)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def save_delivery(self, n: Notification) -> bool:
        result = await self.session.execute(update(notifications).where(
            n_.id == n.id, n_.attempts == n.attempts, n_.status == Status.PENDING.value).values(
            status=n.status.value, next_attempt_at=n.next_attempt_at, sent_at=n.sent_at, reason=n.reason))
        return bool(getattr(result, "rowcount", 0))
