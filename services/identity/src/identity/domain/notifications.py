"""Notifications (R-NTF-1, R-NTF-2): what a guardian is told, on which channels, in which language, and when.

A notification is one message to one guardian on one channel about one event: (event id, guardian, channel) is
unique, so an event delivered twice records nothing new. In-cabinet ones are read in the cabinet; email and SMS
ones wait for the sender, which holds them during the guardian's quiet hours (in the branch's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kabinet.errors import InvalidInput


class Kind(StrEnum):
    LESSON_SCHEDULED = "lesson_scheduled"
    LESSON_MOVED = "lesson_moved"
    LESSON_CANCELLED = "lesson_cancelled"
    LESSON_CHARGED = "lesson_charged"
    PAYMENT_RECEIVED = "payment_received"
    LOW_BALANCE = "low_balance"
    SUBSCRIPTION_ENDED = "subscription_ended"
    GRADE_POSTED = "grade_posted"
    HOMEWORK_ASSIGNED = "homework_assigned"
    SUBSCRIPTION_ENDING = "subscription_ending"
    QUESTION_ANSWERED = "question_answered"
    # Staff's kinds (identity.service.notify_staff): told to the branch's admins, never to a family.
    LEAD_CREATED = "lead_created"
    QUESTION_ASKED = "question_asked"


class Channel(StrEnum):
    CABINET = "cabinet"
    EMAIL = "email"
    SMS = "sms"
    TELEGRAM = "telegram"  # the person's linked Telegram chat (identity.service.messenger)
    WEB_PUSH = "web_push"  # every browser the person subscribed (identity.service.web_push)


class Status(StrEnum):
    PENDING = "pending"  # waits for the sender (email, SMS)
    SENT = "sent"  # handed to the provider; in-cabinet ones are "sent" when recorded
    NOT_SENT = "not_sent"  # refused for a reason (an SMS cap, a region, no address): kept with the reason


LANGUAGES = ("ru", "en")

# What staff are told; a guardian's preferences list only the other kinds, a staff member's only these.
STAFF_KINDS = frozenset({Kind.LEAD_CREATED, Kind.QUESTION_ASKED})
FAMILY_KINDS = frozenset(Kind) - STAFF_KINDS

# Email by default only for what changes a family's plans or money at once: a published month charges and
# schedules 8 lessons a child in one go, and every lesson brings a grade and homework - as emails that would be
# dozens a month, so those stay in the cabinet until the guardian asks for them by email. A package ending soon
# is money due before the next lessons (as a low balance), once a package. An answer to a question changes neither
# by itself, and the family asked in the cabinet, where it shows.
EMAIL_BY_DEFAULT = frozenset({Kind.LESSON_MOVED, Kind.LESSON_CANCELLED, Kind.PAYMENT_RECEIVED, Kind.LOW_BALANCE,
                              Kind.SUBSCRIPTION_ENDING, Kind.SUBSCRIPTION_ENDED})
# Linking a Telegram chat is itself the choice to be told there: what goes by email by default, and staff's kinds.
TELEGRAM_BY_DEFAULT = EMAIL_BY_DEFAULT | STAFF_KINDS
# Turning on a browser's notifications is the same kind of choice: the same kinds.
WEB_PUSH_BY_DEFAULT = TELEGRAM_BY_DEFAULT


@dataclass(frozen=True)
class Preferences:
    """A person's choices (a guardian's, or a staff member's: ``guardian_id`` is the recipient's id); until they
    make them: every kind in the cabinet, EMAIL_BY_DEFAULT by email, no SMS, TELEGRAM_BY_DEFAULT in a linked chat."""

    guardian_id: str
    language: str | None = None  # None: the school's default language
    cabinet: frozenset[Kind] = frozenset(Kind)
    email: frozenset[Kind] = EMAIL_BY_DEFAULT
    sms: frozenset[Kind] = frozenset()  # SMS cost money: off until the guardian turns kinds on
    quiet_from: time | None = None
    quiet_to: time | None = None
    telegram: frozenset[Kind] = TELEGRAM_BY_DEFAULT
    web_push: frozenset[Kind] = WEB_PUSH_BY_DEFAULT

    @classmethod
    def saved(cls, guardian_id: str, language: str | None, cabinet: frozenset[Kind], email: frozenset[Kind],
              sms: frozenset[Kind], quiet_from: time | None, quiet_to: time | None, telegram: frozenset[Kind],
              known: frozenset[Kind], web_push: frozenset[Kind] = WEB_PUSH_BY_DEFAULT) -> Preferences:
        """Choices saved when only the ``known`` kinds existed: a kind added since was never offered, so it starts
        at its default on every channel (a package ending soon in the cabinet and by email) until they choose."""
        new, default = frozenset(Kind) - known, cls(guardian_id)
        return cls(guardian_id, language, cabinet | (default.cabinet & new), email | (default.email & new),
                   sms | (default.sms & new), quiet_from, quiet_to, telegram | (default.telegram & new),
                   web_push | (default.web_push & new))

    def kinds(self, channel: Channel) -> frozenset[Kind]:
        return {Channel.CABINET: self.cabinet, Channel.EMAIL: self.email, Channel.SMS: self.sms,
                Channel.TELEGRAM: self.telegram, Channel.WEB_PUSH: self.web_push}[channel]

    def changed(self, *, language: str | None, cabinet: frozenset[Kind], email: frozenset[Kind],
                sms: frozenset[Kind], quiet_from: time | None, quiet_to: time | None,
                telegram: frozenset[Kind] | None = None,
                web_push: frozenset[Kind] | None = None) -> Preferences:
        if language is not None and language not in LANGUAGES:
            raise InvalidInput(f"The language must be one of {', '.join(LANGUAGES)}.", field="language")
        if (quiet_from is None) != (quiet_to is None):
            raise InvalidInput("Quiet hours need both a start and an end.", field="quietFrom")
        if quiet_from is not None and quiet_from == quiet_to:
            raise InvalidInput("Quiet hours must not start and end at the same time.", field="quietTo")
        return replace(self, language=language, cabinet=cabinet, email=email, sms=sms, quiet_from=quiet_from,
                       quiet_to=quiet_to, telegram=self.telegram if telegram is None else telegram,
                       web_push=self.web_push if web_push is None else web_push)

    def quiet_until(self, now: datetime, time_zone: str) -> datetime | None:
        """When the quiet hours around ``now`` end (UTC), or None when ``now`` is outside them. The hours are the
        branch's local time; a span over midnight (22:00-08:00) is allowed."""
        if self.quiet_from is None or self.quiet_to is None:
            return None
        local = now.astimezone(ZoneInfo(time_zone))
        t = local.time().replace(tzinfo=None)
        start, end = self.quiet_from, self.quiet_to
        inside = start <= t < end if start < end else (t >= start or t < end)
        if not inside:
            return None
        end_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if end_at <= local:
            end_at += timedelta(days=1)
        return end_at.astimezone(now.tzinfo)


@dataclass(frozen=True)
class Recipient:
    """A guardian a notification may go to, with the addresses identity holds for them."""

    guardian_id: str
    family_id: str
    phone: str
    email: str | None  # only a confirmed email: nothing goes to an address the guardian has not proved


@dataclass(frozen=True)
class About:
    """What a notification is about, by id, so the cabinet opens that thing (docs/notifications.md): the students
    of the recipient's own family it names, and the lesson, lead or question where there is one. Only ids the
    recipient may read: a family's notice names its own children only, a staff notice no child at all."""

    student_ids: tuple[str, ...] = ()
    lesson_id: str | None = None
    lead_id: str | None = None
    question_id: str | None = None


NOTHING = About()  # a payment (the family's), and every row recorded before notifications named their subject


@dataclass
class Notification:
    id: str
    event_id: str
    kind: Kind
    guardian_id: str
    family_id: str
    channel: Channel
    language: str
    subject: str
    text: str
    branch_id: str | None
    created_at: datetime
    status: Status = Status.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    reason: str | None = None
    read_at: datetime | None = None
    address: str = field(default="")  # where it goes (a phone, an email); "" in the cabinet
    about: About = NOTHING


def backoff(attempts: int, base_s: float = 30.0, max_s: float = 3600.0) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: doubling, capped (an outage is waited out)."""
    return timedelta(seconds=min(max_s, base_s * 2 ** max(0, attempts - 1)))
