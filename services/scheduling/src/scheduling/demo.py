"""Demo data for ``make run`` (called after identity's seed, once its events are applied): a course
catalogue, rooms, a custom lesson type, two groups per branch with the demo children as members, a weekly
trial lesson, and this month and the next generated and published (so billing charges them).

Everything goes through the use cases, so the events flow. Calling it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from kabinet.auth.principal import Principal, Role
from kabinet.runtime import ServiceRuntime
from scheduling.adapters.repositories import CatalogueRepository, GroupRepository, ProjectionRepository
from scheduling.adapters.tables import students
from scheduling.adapters.unit_of_work import SqlSchedulingUnitOfWork
from scheduling.domain.model import LessonKind
from scheduling.service import catalogue, generation, groups

SEEDER = Principal(user_id="demo-seeder", role=Role.OWNER)
COURSES = ("English A1", "English B1", "Chinese for kids")
# (course index, name, rrule, local start, minutes, price)
GROUPS = (
    (0, "Starters", "FREQ=WEEKLY;BYDAY=MO,WE", time(17, 0), 90, Decimal("1200.00")),
    (1, "Explorers", "FREQ=WEEKLY;BYDAY=TU,TH", time(18, 0), 90, Decimal("1400.00")),
)


@dataclass
class DemoScheduling:
    course_ids: list[str] = field(default_factory=list)
    group_ids: dict[str, list[str]] = field(default_factory=dict)  # branch id -> group ids
    lessons_published: int = 0


def _months(today: date) -> list[str]:
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return [f"{today:%Y-%m}", f"{nxt:%Y-%m}"]


def _uow(runtime: ServiceRuntime) -> SqlSchedulingUnitOfWork:
    return SqlSchedulingUnitOfWork(runtime.sessionmaker, runtime.spec.outbox, runtime.name,
                                   on_commit=runtime.relay.wake)


async def seed(runtime: ServiceRuntime, identity: Any = None, today: date | None = None) -> DemoScheduling:
    today = today or date.today()
    demo = DemoScheduling()
    async with runtime.sessionmaker() as s:
        if await GroupRepository(s).list_groups():
            demo.course_ids = [c.id for c in await CatalogueRepository(s).courses()]
            for g in await GroupRepository(s).list_groups():
                demo.group_ids.setdefault(g.branch_id, []).append(g.id)
            return demo
    for name in COURSES:
        async with _uow(runtime) as uow:
            demo.course_ids.append((await catalogue.create_course(catalogue.CreateCourse(name), uow, SEEDER)).id)
    async with _uow(runtime) as uow:
        await catalogue.create_lesson_type(
            catalogue.CreateLessonType("Speaking club", LessonKind.GROUP, True), uow, SEEDER)

    branch_ids: dict[str, str] = dict(getattr(identity, "branch_ids", {}) or {})
    staff_ids: dict[str, str] = dict(getattr(identity, "staff_ids", {}) or {})
    teacher_emails: dict[str, list[str]] = dict(getattr(identity, "teacher_emails", {}) or {})
    from sqlalchemy import select

    for key, branch_id in branch_ids.items():
        async with runtime.sessionmaker() as s:
            if await ProjectionRepository(s).branch(branch_id) is None:
                continue  # identity's event has not arrived: nothing to schedule there yet
            kids = [r.id for r in await s.execute(select(students.c.id).where(students.c.branch_id == branch_id)
                                                  .order_by(students.c.id))]
        teachers = [staff_ids[e] for e in teacher_emails.get(key, []) if e in staff_ids]
        if not teachers:
            continue
        rooms = []
        for n in range(1, len(GROUPS) + 1):  # a room per group: every group lesson names its room, whatever the run
            async with _uow(runtime) as uow:
                rooms.append(await catalogue.create_room(catalogue.CreateRoom(branch_id, f"Room {n}", 12), uow, SEEDER))
        for i, (course, name, rrule, start, minutes, price) in enumerate(GROUPS):
            teacher = teachers[i % len(teachers)]
            async with _uow(runtime) as uow:
                group = await groups.create_group(groups.CreateGroup(
                    branch_id, name, teacher, 10, price, demo.course_ids[course], rooms[i].id),
                    uow, SEEDER)
            demo.group_ids.setdefault(branch_id, []).append(group.id)
            async with _uow(runtime) as uow:
                await groups.add_rule(groups.AddRule(rrule, start, minutes, today.replace(day=1), group_id=group.id),
                                      uow, SEEDER)
            for kid in kids[i::2]:
                async with _uow(runtime) as uow:
                    await groups.add_member(groups.AddMember(group.id, kid, today.replace(day=1)), uow, SEEDER)
        async with _uow(runtime) as uow:
            await groups.add_rule(groups.AddRule(
                "FREQ=WEEKLY;BYDAY=SA", time(12, 0), 45, today.replace(day=1), branch_id=branch_id,
                teacher_id=teachers[0], lesson_type="trial", price=Decimal(0), capacity=6), uow, SEEDER)
        for month in _months(today):
            async with _uow(runtime) as uow:
                await generation.generate_month(generation.GenerateMonth(branch_id, month), uow, SEEDER)
            async with _uow(runtime) as uow:
                demo.lessons_published += (await generation.publish_month(
                    generation.PublishMonth(branch_id, month), uow, SEEDER)).published
    return demo
