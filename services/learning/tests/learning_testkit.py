"""Test support: learning on real PostgreSQL + RabbitMQ, fed with scheduling's and identity's events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kabinet.auth import Principal, Role, SigningKey
from kabinet.events import Envelope
from kabinet.runtime import ServiceRuntime
from kabinet.testing.stack import GraphQLClient, eventually, token_for
from learning.adapters.tables import inbox

SHEET_FIELDS = """lessonId summary homework revision filled gradeScale
  students { studentId reason onLesson attendance homeworkDone grade comment }"""

SAVE = ("mutation($input: SaveLessonSheetInput!) { saveLessonSheet(input: $input) { sheet { " + SHEET_FIELDS
        + " } errors { field code message } } }")


def uid() -> str:
    return str(uuid.uuid4())


@dataclass
class Env:
    runtime: ServiceRuntime
    key: SigningKey
    client: GraphQLClient
    sent: int = 0
    ids: dict[str, str] = field(default_factory=dict)

    def as_(self, principal: Principal) -> GraphQLClient:
        return self.client.as_(token_for(self.key, principal))

    async def send(self, event_type: str, payload: dict[str, Any], occurred_at: datetime | None = None) -> None:
        env = Envelope(type=event_type, version=1, producer=event_type.split(".", maxsplit=1)[0], payload=payload,
                       occurred_at=occurred_at or datetime.now(UTC))
        await self.runtime.transport.publish(env)
        self.sent += 1

    async def settled(self) -> None:
        """Wait until learning handled every event sent so far."""
        async def done() -> bool:
            async with self.runtime.sessionmaker() as s:
                return bool((await s.execute(select(func.count()).select_from(inbox))).scalar_one() >= self.sent)

        await eventually(done)

    async def schedule(self, *, branch: str, teacher: str, starts_at: datetime, participants: list[tuple[str, str]],
                       group: str | None = None, course: str | None = None, lesson_type: str = "group",
                       lesson_id: str | None = None) -> str:
        lesson_id = lesson_id or uid()
        money = {"amount": "1000.00", "currency": "RUB"}
        await self.send("scheduling.lesson.scheduled", {
            "lesson_id": lesson_id, "branch_id": branch, "group_id": group, "course_id": course,
            "teacher_id": teacher, "room_id": None, "lesson_type": lesson_type, "charged_by_default": True,
            "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(minutes=60)).isoformat(),
            "price": money,
            "participants": [{"student_id": s, "family_id": f, "reason": "member", "price": money}
                             for s, f in participants]})
        return lesson_id

    async def save(self, who: Principal, lesson_id: str, students: list[dict[str, Any]], **extra: Any
                   ) -> dict[str, Any]:
        payload = {"lessonId": lesson_id, "summary": extra.pop("summary", "Past simple"),
                   "homework": extra.pop("homework", "Ex. 4 p. 12"), "students": students, **extra}
        result = await self.as_(who).execute(SAVE, {"input": payload})
        return result


def staff(role: Role, staff_id: str | None = None, branches: tuple[str, ...] = ()) -> Principal:
    return Principal(user_id=f"u-{staff_id or role.value}", role=role, staff_id=staff_id,
                     branch_ids=frozenset(branches))


def guardian(family_id: str) -> Principal:
    return Principal(user_id=f"g-{family_id}", role=Role.GUARDIAN, family_id=family_id)
