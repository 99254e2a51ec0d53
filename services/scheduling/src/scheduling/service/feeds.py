"""Private iCalendar feeds per student and per teacher (R-SCH-8, R-SCH-9).

The URL carries a random 256-bit token; only its SHA-256 is stored, so the URL cannot be rebuilt from the
database. Revoking a feed makes its URL answer 404, like a token that never existed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from kabinet.auth.principal import Principal
from kabinet.auth.rules import ensure, require_authenticated
from kabinet.errors import NotFound
from scheduling.domain import errors
from scheduling.domain.access import may_own_teacher_feed
from scheduling.domain.model import Lesson, new_id, utcnow
from scheduling.service.common import get_student
from scheduling.service.unit_of_work import LessonFilter, SchedulingReads, SchedulingUnitOfWork


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssueFeed:
    student_id: str | None = None
    teacher_id: str | None = None


@dataclass(frozen=True)
class IssuedFeed:
    feed_id: str
    token: str  # shown once: only its hash is stored


async def issue_feed(cmd: IssueFeed, uow: SchedulingUnitOfWork, p: Principal) -> IssuedFeed:
    """A feed for a student (their family, themself, their branch's admins) or a teacher (themself,
    their branch's admins). A teacher's own feed is the one with their lessons: a student's feed carries all of
    that student's lessons, so a teacher does not get one."""
    student_id, teacher_id = cmd.student_id, cmd.teacher_id
    require_authenticated(p)
    if student_id:
        student = await get_student(uow, student_id, p)
        kind, owner = "student", student.id
    elif teacher_id:
        ensure(may_own_teacher_feed(p, await uow.projections.staff(teacher_id), teacher_id))
        kind, owner = "teacher", teacher_id
    else:
        raise NotFound(field="studentId")
    token = secrets.token_urlsafe(32)
    feed_id = new_id()
    await uow.feeds.add(feed_id, hash_token(token), kind, owner, utcnow())
    await uow.commit()
    return IssuedFeed(feed_id, token)


@dataclass(frozen=True)
class RevokeFeed:
    feed_id: str


async def revoke_feed(cmd: RevokeFeed, uow: SchedulingUnitOfWork, p: Principal) -> str:
    """The same people who may issue the feed may revoke it."""
    require_authenticated(p)
    feed_id = cmd.feed_id
    repo = uow.feeds
    feed = await repo.get(feed_id)
    if feed is None:
        raise errors.FeedNotFound(field="feedId")
    if feed.owner_kind == "student":
        await get_student(uow, feed.owner_id, p)
    else:
        ensure(may_own_teacher_feed(p, await uow.projections.staff(feed.owner_id), feed.owner_id))
    await repo.revoke(feed_id, utcnow())
    await uow.commit()
    return feed_id


async def render_feed(token: str, reads: SchedulingReads, now: datetime | None = None) -> bytes | None:
    """The feed's calendar (lessons from 30 days back to a year ahead), or None for an unknown/revoked token."""
    feed = await reads.feed(hash_token(token))
    if feed is None or feed.revoked:
        return None
    now = now or utcnow()
    student = feed.owner_kind == "student"
    # A student's feed is the family's: published lessons only. A teacher's shows their drafts too, TENTATIVE.
    f = LessonFilter(student_id=feed.owner_id if student else None,
                     teacher_id=feed.owner_id if feed.owner_kind == "teacher" else None,
                     starts_from=now - timedelta(days=30), starts_before=now + timedelta(days=366),
                     published_only=student)
    found = await reads.find_lessons(f, first=5000)
    courses = {c.id: c.name for c in await reads.courses()}
    types = {t.code: t.name for t in await reads.lesson_types()}
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
        ev.add("status", "CANCELLED" if not lesson.active else "CONFIRMED" if lesson.published else "TENTATIVE")
        cal.add_component(ev)
    return bytes(cal.to_ical())
