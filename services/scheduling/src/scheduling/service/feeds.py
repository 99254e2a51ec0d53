"""Private iCalendar feeds per student and per teacher (R-SCH-8, R-SCH-9).

The URL carries a random 256-bit token; only its SHA-256 is stored, so the URL cannot be rebuilt from the
database. Revoking a feed makes its URL answer 404, like a token that never existed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from kabinet.auth.principal import Principal, Role
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.db import UnitOfWork
from kabinet.errors import NotFound
from scheduling.adapters.repositories import (
    CatalogueRepository,
    FeedRepository,
    LessonFilter,
    LessonRepository,
    ProjectionRepository,
    StaffRef,
)
from scheduling.domain.model import Lesson, new_id, utcnow
from scheduling.service.common import get_student


class FeedNotFound(NotFound):
    code = "FEED_NOT_FOUND"
    message = "Calendar feed not found."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_own_teacher_feed(p: Principal, teacher: StaffRef | None, teacher_id: str) -> bool:
    """A teacher's feed: the teacher, an admin of a branch the teacher works in, the owner."""
    return (p.role is Role.OWNER or (p.role is Role.TEACHER and p.staff_id == teacher_id)
            or (p.role is Role.BRANCH_ADMIN and teacher is not None and bool(p.branch_ids & set(teacher.branch_ids))))


async def issue_feed(uow: UnitOfWork, p: Principal, *, student_id: str | None = None,
                     teacher_id: str | None = None) -> tuple[str, str]:
    """(feed id, token) for a student (their family, themself, their branch's admins) or a teacher (themself,
    their branch's admins). A teacher's own feed is the one with their lessons: a student's feed carries all of
    that student's lessons, so a teacher does not get one."""
    require_authenticated(p)
    if student_id:
        student = await get_student(uow, student_id, p)
        kind, owner = "student", student.id
    elif teacher_id:
        ensure(_may_own_teacher_feed(p, await ProjectionRepository(uow.session).staff(teacher_id), teacher_id))
        kind, owner = "teacher", teacher_id
    else:
        raise NotFound(field="studentId")
    token = secrets.token_urlsafe(32)
    feed_id = new_id()
    await FeedRepository(uow.session).add(feed_id, hash_token(token), kind, owner, utcnow())
    await uow.commit()
    return feed_id, token


async def revoke_feed(uow: UnitOfWork, p: Principal, feed_id: str) -> str:
    """The same people who may issue the feed may revoke it."""
    require_authenticated(p)
    repo = FeedRepository(uow.session)
    feed = await repo.get(feed_id)
    if feed is None:
        raise FeedNotFound(field="feedId")
    if feed.owner_kind == "student":
        await get_student(uow, feed.owner_id, p)
    else:
        ensure(_may_own_teacher_feed(p, await ProjectionRepository(uow.session).staff(feed.owner_id), feed.owner_id))
    await repo.revoke(feed_id, utcnow())
    await uow.commit()
    return feed_id


async def render_feed(uow: UnitOfWork, token: str, now: datetime | None = None) -> bytes | None:
    """The feed's calendar (lessons from 30 days back to a year ahead), or None for an unknown/revoked token."""
    feed = await FeedRepository(uow.session).by_hash(hash_token(token))
    if feed is None or feed.revoked:
        return None
    now = now or utcnow()
    f = LessonFilter(student_id=feed.owner_id if feed.owner_kind == "student" else None,
                     teacher_id=feed.owner_id if feed.owner_kind == "teacher" else None,
                     starts_from=now - timedelta(days=30), starts_before=now + timedelta(days=366))
    found = await LessonRepository(uow.session).find(f, first=5000)
    courses = {c.id: c.name for c in await CatalogueRepository(uow.session).courses()}
    types = {t.code: t.name for t in await CatalogueRepository(uow.session).lesson_types()}
    return to_ical(found, courses, types, now)


def to_ical(found: list[Lesson], courses: dict[str, str], types: dict[str, str], now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Kabinet//Scheduling//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Kabinet lessons")
    for lesson in found:
        ev = Event()
        ev.add("uid", f"{lesson.id}@kabinet")
        title = courses.get(lesson.course_id or "", "") or types.get(lesson.lesson_type, lesson.lesson_type)
        ev.add("summary", title)
        ev.add("dtstart", lesson.starts_at)
        ev.add("dtend", lesson.ends_at)
        ev.add("dtstamp", now)
        ev.add("status", "CANCELLED" if not lesson.active else "CONFIRMED")
        cal.add_component(ev)
    return bytes(cal.to_ical())
