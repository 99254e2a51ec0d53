"""The gateway's own subgraph: the `Subscription` root, composed into the supergraph like one more subgraph
(named `gateway`).

Each event type carries ids and references to the services' entities (`Family`, `Student`, `Lesson`, declared
here as stubs with a non-resolvable `@key`), so a client selects whatever the services add to them and the
planner fetches it per event - `balanceChanged(familyId:) { family { account { balance { amount } } } }` asks
billing for the account after each change. The resolvers only listen: the hub (`hub.py`) feeds them the events
the bus delivers, already filtered to the subscribed family or student; who may subscribe is checked before
(`service.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from gateway.subscriptions.hub import EventHub, HubEvent
from kabinet.graphql.types import Money

GATEWAY_SUBGRAPH = "gateway"


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Family:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Student:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)])
class Lesson:
    id: strawberry.ID


@strawberry.type(description="A family's balance changed (a payment, a charge, a refund, an adjustment).")
class BalanceChangeEvent:
    family_id: strawberry.ID
    balance: Money
    occurred_at: datetime

    @strawberry.field
    def family(self) -> Family:
        return Family(id=self.family_id)


@strawberry.type(
    description="A lesson of the student changed: scheduled, rescheduled, cancelled, or the student was added "
    "to it or removed from it."
)
class LessonChangeEvent:
    kind: str = strawberry.field(
        description="scheduled | rescheduled | cancelled | participant_added | participant_removed"
    )
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    occurred_at: datetime

    @strawberry.field
    def lesson(self) -> Lesson:
        return Lesson(id=self.lesson_id)

    @strawberry.field
    def student(self) -> Student:
        return Student(id=self.student_id)


@strawberry.type(description="A grade was posted for the student on a lesson.")
class GradePostedEvent:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    grade: str
    scale: str
    occurred_at: datetime

    @strawberry.field
    def lesson(self) -> Lesson:
        return Lesson(id=self.lesson_id)

    @strawberry.field
    def student(self) -> Student:
        return Student(id=self.student_id)


@strawberry.type(description="Homework was set on a lesson of the student.")
class HomeworkAssignedEvent:
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    text: str
    due_lesson_id: strawberry.ID | None
    occurred_at: datetime

    @strawberry.field
    def lesson(self) -> Lesson:
        return Lesson(id=self.lesson_id)


@strawberry.type(
    description="One event of a family's cabinet: exactly one field is set - its balance changed, or a grade was "
    "posted or homework set for one of its students."
)
class FamilyActivityEvent:
    balance: BalanceChangeEvent | None = None
    grade: GradePostedEvent | None = None
    homework: HomeworkAssignedEvent | None = None


def _hub(info: strawberry.Info) -> EventHub:
    hub = info.context["hub"]
    assert isinstance(hub, EventHub)
    return hub


def _money(raw: Any) -> Money:
    raw = raw if isinstance(raw, dict) else {}
    return Money(amount=Decimal(str(raw.get("amount", "0"))), currency=str(raw.get("currency", "")))


async def _listen(info: strawberry.Info, topic: str, key: str) -> AsyncGenerator[HubEvent, None]:
    hub = _hub(info)
    after = info.context.get("after")
    async for event in hub.listen(topic, key, info.context.get("lesson_probe"), after=after):
        # The root source reads it after each result: the event id the client may resume from.
        info.context["event_id"] = hub.event_id(event.seq) if event.seq else None
        yield event


async def _listen_each(info: strawberry.Info, subjects: list[tuple[str, str]]) -> AsyncGenerator[HubEvent, None]:
    """The events of several (topic, key) pairs as one stream, in the order they arrive: one task per hub
    listener feeds a queue. The queue is bounded like a listener's, so a slow client still makes the hub drop
    its oldest events rather than grow; the tasks end (and their listeners go) when the client unsubscribes."""
    hub = _hub(info)
    after = info.context.get("after")
    probe = info.context.get("lesson_probe")
    queue: asyncio.Queue[HubEvent] = asyncio.Queue(hub.queue_size)

    async def pump(topic: str, key: str) -> None:
        async for event in hub.listen(topic, key, probe, after=after):
            await queue.put(event)

    tasks = [asyncio.create_task(pump(topic, key)) for topic, key in subjects]
    try:
        while True:
            event = await queue.get()
            info.context["event_id"] = hub.event_id(event.seq) if event.seq else None
            yield event
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _balance_event(e: HubEvent) -> BalanceChangeEvent:
    return BalanceChangeEvent(
        family_id=strawberry.ID(e.key), balance=_money(e.payload.get("balance")), occurred_at=e.occurred_at
    )


def _grade_event(e: HubEvent) -> GradePostedEvent:
    return GradePostedEvent(
        lesson_id=strawberry.ID(str(e.payload.get("lesson_id", ""))),
        student_id=strawberry.ID(e.key),
        grade=str(e.payload.get("grade", "")),
        scale=str(e.payload.get("scale", "")),
        occurred_at=e.occurred_at,
    )


def _homework_event(e: HubEvent) -> HomeworkAssignedEvent:
    due = e.payload.get("due_lesson_id")
    return HomeworkAssignedEvent(
        lesson_id=strawberry.ID(str(e.payload.get("lesson_id", ""))),
        student_id=strawberry.ID(e.key),
        text=str(e.payload.get("text", "")),
        due_lesson_id=strawberry.ID(str(due)) if due else None,
        occurred_at=e.occurred_at,
    )


def _activity_event(e: HubEvent) -> FamilyActivityEvent:
    if e.topic == "balance":
        return FamilyActivityEvent(balance=_balance_event(e))
    if e.topic == "grade":
        return FamilyActivityEvent(grade=_grade_event(e))
    return FamilyActivityEvent(homework=_homework_event(e))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Balance changes of a family (its guardians, its branches' admins, owner).")
    async def balance_changed(
        self, info: strawberry.Info, family_id: strawberry.ID
    ) -> AsyncGenerator[BalanceChangeEvent, None]:
        async for e in _listen(info, "balance", str(family_id)):
            yield _balance_event(e)

    @strawberry.subscription(description="Changes to a student's lessons (the family, the student's staff).")
    async def lesson_changed(
        self, info: strawberry.Info, student_id: strawberry.ID
    ) -> AsyncGenerator[LessonChangeEvent, None]:
        async for e in _listen(info, "lesson", str(student_id)):
            yield LessonChangeEvent(
                kind=str(e.payload.get("kind", "")),
                lesson_id=strawberry.ID(str(e.payload.get("lesson_id", ""))),
                student_id=strawberry.ID(e.key),
                occurred_at=e.occurred_at,
            )

    @strawberry.subscription(description="Grades posted for a student.")
    async def grade_posted(
        self, info: strawberry.Info, student_id: strawberry.ID
    ) -> AsyncGenerator[GradePostedEvent, None]:
        async for e in _listen(info, "grade", str(student_id)):
            yield _grade_event(e)

    @strawberry.subscription(description="Homework set on a student's lessons.")
    async def homework_assigned(
        self, info: strawberry.Info, student_id: strawberry.ID
    ) -> AsyncGenerator[HomeworkAssignedEvent, None]:
        async for e in _listen(info, "homework", str(student_id)):
            yield _homework_event(e)

    @strawberry.subscription(
        description="Everything a family's cabinet follows, on one stream: the family's balance changes and its "
        "students' grades and homework (whoever may see the family)."
    )
    async def family_activity(
        self, info: strawberry.Info, family_id: strawberry.ID
    ) -> AsyncGenerator[FamilyActivityEvent, None]:
        # The family's students, found when the subscription was authorized (service.py).
        students = info.context.get("family_students") or ()
        subjects = [("balance", str(family_id))] + [(t, s) for s in students for t in ("grade", "homework")]
        async for e in _listen_each(info, subjects):
            yield _activity_event(e)


# Root field -> (hub topic, the argument naming the family or student, what kind of id it is).
SUBSCRIPTION_FIELDS: dict[str, tuple[str, str, str]] = {
    "balanceChanged": ("balance", "familyId", "family"),
    "lessonChanged": ("lesson", "studentId", "student"),
    "gradePosted": ("grade", "studentId", "student"),
    "homeworkAssigned": ("homework", "studentId", "student"),
    "familyActivity": ("activity", "familyId", "family"),
}


@lru_cache(maxsize=1)
def subscription_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(subscription=Subscription, types=[Family, Student, Lesson])


def subscription_sdl() -> str:
    return subscription_schema().as_str()
