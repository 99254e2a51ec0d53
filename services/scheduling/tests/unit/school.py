"""A small school in memory for the use-case tests: one branch in Moscow, a teacher, an admin, two families."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from scheduling_memory import MemoryStore

from kabinet.auth.principal import Principal, Role
from scheduling.domain.model import Group, Lesson, StaffRef, StudentRef
from scheduling.service import generation, groups, lessons

C = TypeVar("C")
R = TypeVar("R")

BRANCH = "b1"
OTHER_BRANCH = "b2"
TEACHER = "t1"
TEACHER_2 = "t2"
OWNER = Principal(user_id="owner", role=Role.OWNER)
ADMIN = Principal(user_id="admin", role=Role.BRANCH_ADMIN, branch_ids=frozenset({BRANCH}), staff_id="a1")
OTHER_ADMIN = Principal(user_id="admin2", role=Role.BRANCH_ADMIN, branch_ids=frozenset({OTHER_BRANCH}),
                        staff_id="a2")
# Two families: Ivanovs (Masha, Petya) and Smirnovs (Olya).
MASHA, PETYA, OLYA = "s-masha", "s-petya", "s-olya"
IVANOVS, SMIRNOVS = "f-ivanov", "f-smirnov"
IVANOV_GUARDIAN = Principal(user_id="g-ivanov", role=Role.GUARDIAN, family_id=IVANOVS,
                            student_ids=frozenset({MASHA, PETYA}))
SMIRNOV_GUARDIAN = Principal(user_id="g-smirnov", role=Role.GUARDIAN, family_id=SMIRNOVS,
                             student_ids=frozenset({OLYA}))
JUNE = "2027-06"
# 2027-06-07 is a Monday; 17:00 in Moscow (UTC+3) is 14:00 UTC.
MONDAY = date(2027, 6, 7)
BEFORE_JUNE = datetime(2027, 5, 20, tzinfo=UTC)


@dataclass
class School:
    store: MemoryStore = field(default_factory=MemoryStore)

    async def run(self, use_case: Any, cmd: Any, principal: Principal = ADMIN) -> Any:
        """A use case in a unit of work of its own, as the GraphQL mutations run it."""
        async with self.store.uow() as uow:
            return await use_case(cmd, uow, principal)

    async def setup(self) -> School:
        async with self.store.uow() as uow:
            await uow.projections.upsert_branch(BRANCH, "Centre", "Europe/Moscow")
            await uow.projections.upsert_branch(OTHER_BRANCH, "North", "Europe/Moscow")
            await uow.projections.upsert_staff(StaffRef(TEACHER, "teacher", (BRANCH,), "Olga", "Smirnova"))
            await uow.projections.upsert_staff(StaffRef(TEACHER_2, "teacher", (BRANCH,), "Ivan", "Petrov"))
            for sid, fid in ((MASHA, IVANOVS), (PETYA, IVANOVS), (OLYA, SMIRNOVS)):
                await uow.projections.upsert_student(StudentRef(sid, fid, BRANCH, sid.removeprefix("s-"), "K"))
            await uow.commit()
        return self

    async def group(self, name: str = "Starters", *, teacher: str = TEACHER, capacity: int = 10,
                    rrule: str = "FREQ=WEEKLY;BYDAY=MO", start: time = time(17, 0), minutes: int = 90,
                    members: tuple[str, ...] = ()) -> Group:
        g: Group = await self.run(groups.create_group, groups.CreateGroup(
            BRANCH, name, teacher, capacity, Decimal("1200.00")))
        await self.run(groups.add_rule, groups.AddRule(rrule, start, minutes, date(2027, 6, 1), group_id=g.id))
        for sid in members:
            await self.run(groups.add_member, groups.AddMember(g.id, sid, date(2027, 6, 1)))
        return g

    async def generate(self, month: str = JUNE, **kw: Any) -> generation.GenerationResult:
        result: generation.GenerationResult = await self.run(
            generation.generate_month, generation.GenerateMonth(BRANCH, month, **kw))
        return result

    async def publish(self, month: str = JUNE) -> generation.PublicationResult:
        result: generation.PublicationResult = await self.run(
            generation.publish_month, generation.PublishMonth(BRANCH, month))
        return result

    async def lessons_of(self, group: Group) -> list[Lesson]:
        async with self.store.uow() as uow:
            return await uow.lessons.of_group_between(group.id, date(2027, 6, 1), date(2027, 6, 30))

    async def lesson(self, lesson_id: str) -> Lesson:
        async with self.store.uow() as uow:
            found = await uow.lessons.get(lesson_id)
        assert found is not None
        return found

    async def one_off(self, starts_at: datetime, *, kind: str = "individual", students: tuple[str, ...] = (),
                      teacher: str = TEACHER, bookable: bool = False, capacity: int | None = None,
                      key: str | None = None, principal: Principal = ADMIN) -> Lesson:
        from datetime import timedelta

        lesson: Lesson = await self.run(lessons.create_lesson, lessons.CreateLesson(
            BRANCH, teacher, kind, starts_at, starts_at + timedelta(hours=1), Decimal("900.00"),
            capacity=capacity, student_ids=students, bookable=bookable, idempotency_key=key), principal)
        return lesson
