"""Support questions (R-CAB-2): a topic's response deadline turns a question into a task with a due time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from identity.domain.errors import QuestionClosed
from identity.domain.model import new_id, utcnow
from kabinet.errors import InvalidInput


@dataclass(frozen=True)
class Topic:
    code: str
    title: str
    # Exactly one of the two: hours on the clock, or working days (Mon-Fri in the branch's time zone).
    response_hours: int | None = None
    response_working_days: int | None = None
    branch_id: str | None = None  # None: the school-wide default for the topic

    def __post_init__(self) -> None:
        if (self.response_hours is None) == (self.response_working_days is None):
            raise InvalidInput("Give the response time in hours or in working days.", field="responseHours")
        if (self.response_hours or 0) < 0 or (self.response_working_days or 0) < 0:
            raise InvalidInput("The response time must not be negative.", field="responseHours")

    def due_at(self, asked_at: datetime, time_zone: str) -> datetime:
        if self.response_hours is not None:
            return asked_at + timedelta(hours=self.response_hours)
        return add_working_days(asked_at, self.response_working_days or 0, time_zone)


def add_working_days(start: datetime, days: int, time_zone: str) -> datetime:
    """The same local time ``days`` working days later; a question asked at a weekend starts on Monday."""
    tz = ZoneInfo(time_zone)
    local = start.astimezone(tz)
    while local.weekday() >= 5:
        local = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.astimezone(start.tzinfo)


DEFAULT_TOPICS = (
    Topic("billing", "Payments and balance", response_working_days=1),
    Topic("schedule", "Schedule and make-ups", response_hours=4),
    Topic("general", "Other questions", response_working_days=2),
)


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass
class Question:
    id: str
    family_id: str
    branch_id: str
    topic: str
    text: str
    asked_by: str
    due_at: datetime
    student_id: str | None = None
    status: QuestionStatus = QuestionStatus.OPEN
    asked_at: datetime = field(default_factory=utcnow)
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def ask(cls, family_id: str, branch_id: str, topic: Topic, text: str, asked_by: str,
            student_id: str | None, time_zone: str, now: datetime) -> Question:
        body = text.strip()
        if not body or len(body) > 4000:
            raise InvalidInput("Write the question (up to 4000 characters).", field="text")
        return cls(new_id(), family_id, branch_id, topic.code, body, asked_by, topic.due_at(now, time_zone),
                   student_id, asked_at=now)

    def answer_with(self, text: str, staff_id: str, now: datetime) -> None:
        if self.status is QuestionStatus.CLOSED:
            raise QuestionClosed()
        body = text.strip()
        if not body:
            raise InvalidInput("Write the answer.", field="answer")
        self.answer, self.answered_by, self.answered_at = body, staff_id, now
        self.status = QuestionStatus.ANSWERED

    def close(self, now: datetime) -> None:
        if self.status is QuestionStatus.CLOSED:
            raise QuestionClosed()
        self.status, self.closed_at = QuestionStatus.CLOSED, now

    def overdue(self, now: datetime) -> bool:
        return self.status is QuestionStatus.OPEN and now > self.due_at
