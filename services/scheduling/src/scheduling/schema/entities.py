"""Fields scheduling adds to identity's entities: a student's and a family's lessons, a teacher's lessons."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from kabinet.auth.principal import Role
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.entities import STUDENT_OWNER, StudentEntity
from scheduling.domain.model import StudentRef
from scheduling.schema.context import loaders, reads
from scheduling.schema.lesson_pages import lesson_page, student_lesson_page
from scheduling.schema.types import Booking, FamilyTrial, LessonConnection
from scheduling.service.common import sees_family_of, sees_student
from scheduling.service.views import LessonQuery

FromArg = Annotated[dt.datetime, strawberry.argument(name="from")]


def _owner_ref(s: Student) -> StudentRef | None:
    """The student as identity gave it (``@requires``): stands in until scheduling has projected it."""
    return StudentRef(str(s.id), str(s.family_id), s.branch_id and str(s.branch_id), "", "") if s.family_id else None


async def _check_student(info: Info[RequestContext, None], entity: Student) -> None:
    p = info.context.principal
    if p.role is Role.OWNER:
        return
    student = await loaders(info).student_by_id.load(str(entity.id))
    student = student or _owner_ref(entity)
    if student is None:
        raise Forbidden()
    if not await sees_student(p, student, reads(info)):
        raise Forbidden()


async def _upcoming_count(info: Info[RequestContext, None], entity: Student) -> int:
    loaders(info).want_upcoming_count(str(entity.id))  # before the check: counted with the projection it reads
    await _check_student(info, entity)
    return await loaders(info).upcoming_count_by_student.load(str(entity.id))


@strawberry.federation.type(keys=["id"], description="A student (identity owns it; scheduling adds lessons).")
class Student(StudentEntity):

    @strawberry.federation.field(requires=[STUDENT_OWNER],
                                 description="The student's lessons in a time range, as a list (paginated).")
    async def lessons(self, info: Info[RequestContext, None], from_: FromArg, to: dt.datetime,
                      first: int = 50, after: str | None = None) -> LessonConnection:
        return await student_lesson_page(info, str(self.id), from_, to, first, after, owner=_owner_ref(self))

    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "How many lessons still to come the child is on (R-CAB, R-SCH-7): published, not cancelled, not yet "
        "started (one in progress no longer counts), whatever put the child there: a group's membership, a "
        "booking, a make-up, a trial, an individual lesson. Counted with the family's other children in one "
        "statement."))
    async def upcoming_lessons_count(self, info: Info[RequestContext, None]) -> int:
        return await _upcoming_count(info, self)

    # Not marked @deprecated: the gateway's composition does not yet carry @deprecated into the API schema
    # (Apollo's does), and the two must agree (tests/composition).
    @strawberry.federation.field(requires=[STUDENT_OWNER], description=(
        "The same count as upcomingLessonsCount (every upcoming lesson, booked or not), kept for older clients: "
        "use upcomingLessonsCount."))
    async def booked_lessons_count(self, info: Info[RequestContext, None]) -> int:
        return await _upcoming_count(info, self)

    @strawberry.federation.field(requires=[STUDENT_OWNER], description="The child's active bookings.")
    async def bookings(self, info: Info[RequestContext, None]) -> list[Booking]:
        await _check_student(info, self)
        found = await loaders(info).bookings_by_student.load(str(self.id))
        return [Booking.from_model(b) for b in found]

    @classmethod
    def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID, familyId: str = "",
                          branchId: str | None = None) -> Student:
        # Each field checks access: identity decides who may see the student itself.
        return cls.from_representation(id, familyId, branchId)


@strawberry.federation.type(keys=["id"], description="A family (identity owns it; scheduling adds lessons).")
class Family:
    id: strawberry.ID

    @strawberry.field(description="Lessons of all the family's children in a time range.")
    async def lessons(self, info: Info[RequestContext, None], from_: FromArg, to: dt.datetime,
                      first: int = 50, after: str | None = None) -> LessonConnection:
        return await lesson_page(info, LessonQuery(from_, to, family_id=str(self.id)), first, after)

    @strawberry.field(description="The family's one free trial lesson, once used (R-SCH-6).")
    async def trial(self, info: Info[RequestContext, None]) -> FamilyTrial | None:
        if not await sees_family_of(info.context.principal, str(self.id), reads(info)):
            raise Forbidden()  # an admin of another branch included (issue #10)
        t = await loaders(info).trial_by_family.load(str(self.id))
        if t is None:
            return None
        return FamilyTrial(student_id=strawberry.ID(t.student_id),
                           lesson_id=strawberry.ID(t.lesson_id) if t.lesson_id else None, source=t.source,
                           used_at=t.used_at)

    @classmethod
    def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Family:
        return cls(id=id)


@strawberry.federation.type(keys=["id"], description="A staff member (identity owns it; scheduling adds lessons).")
class Staff:
    id: strawberry.ID

    @strawberry.field(description="A teacher's lessons in a time range (R-SCH-9).")
    async def lessons(self, info: Info[RequestContext, None], from_: FromArg, to: dt.datetime,
                      first: int = 50, after: str | None = None) -> LessonConnection:
        return await lesson_page(info, LessonQuery(from_, to, teacher_id=str(self.id)), first, after)

    @classmethod
    def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Staff:
        return cls(id=id)
