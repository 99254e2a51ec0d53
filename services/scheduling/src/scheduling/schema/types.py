"""Scheduling's GraphQL types. Lesson and Group are entities it owns; Student, Family and Staff gain fields."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from kabinet.auth.principal import Role
from kabinet.auth.rules import require_authenticated
from kabinet.errors import Forbidden
from kabinet.graphql.context import RequestContext
from kabinet.graphql.types import Money, PageInfo
from scheduling.domain import model
from scheduling.domain.access import can_see_lesson, published_for
from scheduling.schema.context import loaders
from scheduling.schema.errors import ErrorCode, UserError


@strawberry.enum(description="How a lesson's roster works.")
class LessonKind(Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    TRIAL = "trial"
    MAKEUP = "makeup"


@strawberry.enum(description="Why a student is in a lesson.")
class ParticipantReason(Enum):
    MEMBER = "member"
    MAKEUP = "makeup"
    TRIAL = "trial"
    BOOKING = "booking"


@strawberry.enum(description="One lesson, or it and every later lesson of the same regular schedule.")
class LessonScope(Enum):
    THIS = "this"
    FOLLOWING = "following"


@strawberry.enum
class LateCancellation(Enum):
    REFUSE = "refuse"
    CHARGE = "charge"


@strawberry.type(description="A lesson type: built-in (individual, group, trial, make-up) or the school's own.")
class LessonType:
    code: str
    name: str
    kind: LessonKind
    charged_by_default: bool
    builtin: bool

    @classmethod
    def from_model(cls, t: model.LessonType) -> LessonType:
        return cls(code=t.code, name=t.name, kind=LessonKind(t.kind.value), charged_by_default=t.charged_by_default,
                   builtin=t.builtin)


@strawberry.type(description="A room of a branch.")
class Room:
    id: strawberry.ID
    branch_id: strawberry.ID
    name: str
    capacity: int | None

    @classmethod
    def from_model(cls, r: model.Room) -> Room:
        return cls(id=strawberry.ID(r.id), branch_id=strawberry.ID(r.branch_id), name=r.name, capacity=r.capacity)


@strawberry.type(description="A lesson's room as the lesson's readers see it (its name, not the branch's room list).")
class LessonRoom:
    id: strawberry.ID
    name: str


@strawberry.type(description="A course or subject.")
class Course:
    id: strawberry.ID
    name: str

    @classmethod
    def from_model(cls, c: model.Course) -> Course:
        return cls(id=strawberry.ID(c.id), name=c.name)


@strawberry.type(description="A student in a lesson, and what they are charged for it.")
class LessonParticipant:
    student_id: strawberry.ID
    family_id: strawberry.ID
    reason: ParticipantReason
    price: Money


def _visible_participants(info: Info[RequestContext, None], lesson_teacher: str, branch_id: str,
                          found: list[model.Participant]) -> list[model.Participant]:
    """Staff of the lesson see its roster; a family sees only its own children in it."""
    p = info.context.principal
    if p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and branch_id in p.branch_ids) or (
            p.role is Role.TEACHER and p.staff_id == lesson_teacher):
        return found
    if p.role is Role.GUARDIAN:
        return [x for x in found if x.family_id == p.family_id]
    if p.role is Role.STUDENT:
        return [x for x in found if x.student_id in p.student_ids]
    return []


@strawberry.federation.type(keys=["id"], description="A lesson: when, who teaches, where, what it costs.")
class Lesson:
    id: strawberry.ID
    branch_id: strawberry.ID
    group_id: strawberry.ID | None
    course_id: strawberry.ID | None
    teacher_id: strawberry.ID
    room_id: strawberry.ID | None
    lesson_type: str
    kind: LessonKind
    charged_by_default: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_date: dt.date = strawberry.field(description="The lesson's date in its branch's time zone.")
    price: Money
    status: str = strawberry.field(description="scheduled, conducted (its sheet was saved), missed (no sheet "
                                               "within the branch's limit) or cancelled.")
    published: bool
    bookable: bool
    capacity: int | None
    cancel_reason: str | None
    parallel_of: strawberry.ID | None

    @strawberry.field(description="Free places; null when unlimited.")
    async def places_left(self, info: Info[RequestContext, None]) -> int | None:
        found = await loaders(info).participants_by_lesson.load(str(self.id))
        if self.kind is LessonKind.INDIVIDUAL:
            return max(0, 1 - len(found))
        return None if self.capacity is None else max(0, self.capacity - len(found))

    @strawberry.field(description="Who is in the lesson (families see only their own children).")
    async def participants(self, info: Info[RequestContext, None]) -> list[LessonParticipant]:
        found = await loaders(info).participants_by_lesson.load(str(self.id))
        return [LessonParticipant(student_id=strawberry.ID(x.student_id), family_id=strawberry.ID(x.family_id),
                                  reason=ParticipantReason(x.reason.value), price=Money.from_value(x.price))
                for x in _visible_participants(info, str(self.teacher_id), str(self.branch_id), found)]

    @strawberry.field(description="The lesson's room; whoever may see the lesson may see its room's name.")
    async def room(self, info: Info[RequestContext, None]) -> LessonRoom | None:
        if self.room_id is None:
            return None
        r = await loaders(info).room_by_id.load(str(self.room_id))
        return LessonRoom(id=strawberry.ID(r.id), name=r.name) if r else None

    @strawberry.field(description="Until when a family may cancel its booking of this lesson by the branch's policy: "
                                  "the start minus the notice hours when late cancellations are refused, the start "
                                  "when they are allowed and charged (cancelling after startsAt minus the notice "
                                  "hours is then late). Null when the lesson is not scheduled.")
    async def cancellable_until(self, info: Info[RequestContext, None]) -> dt.datetime | None:
        if self.status != model.LessonStatus.SCHEDULED.value:
            return None
        branch = await loaders(info).branch_by_id.load(str(self.branch_id))
        if branch is None:
            return None
        return model.cancellable_until(self.starts_at, branch)

    @strawberry.field(description="The lesson's group, if it is a group's lesson.")
    async def group(self, info: Info[RequestContext, None]) -> Group | None:
        if self.group_id is None:
            return None
        g = await loaders(info).group_by_id.load(str(self.group_id))
        return Group.from_model(g) if g else None

    @classmethod
    def from_model(cls, x: model.Lesson) -> Lesson:
        return cls(
            id=strawberry.ID(x.id), branch_id=strawberry.ID(x.branch_id),
            group_id=strawberry.ID(x.group_id) if x.group_id else None,
            course_id=strawberry.ID(x.course_id) if x.course_id else None, teacher_id=strawberry.ID(x.teacher_id),
            room_id=strawberry.ID(x.room_id) if x.room_id else None, lesson_type=x.lesson_type,
            kind=LessonKind(x.kind.value), charged_by_default=x.charged_by_default, starts_at=x.starts_at,
            ends_at=x.ends_at, local_date=x.local_date, price=Money.from_value(x.price), status=x.status.value,
            published=x.published, bookable=x.bookable, capacity=x.capacity, cancel_reason=x.cancel_reason,
            parallel_of=strawberry.ID(x.parallel_of) if x.parallel_of else None)

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Lesson | None:
        lesson = await loaders(info).lesson_by_id.load(str(id))
        if lesson is None:
            return None
        if not can_see_lesson(info.context.principal, lesson):
            raise Forbidden()
        return cls.from_model(lesson)


@strawberry.type(description="A student's membership of a group for a period (history is kept).")
class GroupMembership:
    id: strawberry.ID
    group_id: strawberry.ID
    student_id: strawberry.ID
    family_id: strawberry.ID
    starts_on: dt.date
    ends_on: dt.date | None
    reason: ParticipantReason
    transferred_to: strawberry.ID | None

    @classmethod
    def from_model(cls, m: model.Membership) -> GroupMembership:
        return cls(id=strawberry.ID(m.id), group_id=strawberry.ID(m.group_id), student_id=strawberry.ID(m.student_id),
                   family_id=strawberry.ID(m.family_id), starts_on=m.starts_on, ends_on=m.ends_on,
                   reason=ParticipantReason(m.reason.value),
                   transferred_to=strawberry.ID(m.transferred_to) if m.transferred_to else None)


@strawberry.federation.type(keys=["id"], description="A group: a teacher, a room, members, a regular schedule.")
class Group:
    id: strawberry.ID
    branch_id: strawberry.ID
    course_id: strawberry.ID | None
    teacher_id: strawberry.ID
    room_id: strawberry.ID | None
    name: str
    capacity: int
    price: Money

    @strawberry.field(description="Memberships (past, current and future); staff only.")
    async def memberships(self, info: Info[RequestContext, None]) -> list[GroupMembership]:
        p = info.context.principal
        if not (p.role is Role.OWNER or (p.role is Role.BRANCH_ADMIN and str(self.branch_id) in p.branch_ids)
                or (p.role is Role.TEACHER and p.staff_id == str(self.teacher_id))):
            return []
        found = await loaders(info).memberships_by_group.load(str(self.id))
        return [GroupMembership.from_model(m) for m in found]

    @classmethod
    def from_model(cls, g: model.Group) -> Group:
        return cls(id=strawberry.ID(g.id), branch_id=strawberry.ID(g.branch_id),
                   course_id=strawberry.ID(g.course_id) if g.course_id else None,
                   teacher_id=strawberry.ID(g.teacher_id), room_id=strawberry.ID(g.room_id) if g.room_id else None,
                   name=g.name, capacity=g.capacity, price=Money.from_value(g.price))

    @classmethod
    async def resolve_reference(cls, info: Info[RequestContext, None], id: strawberry.ID) -> Group | None:
        require_authenticated(info.context.principal)  # a group's offer is public to the school's users
        g = await loaders(info).group_by_id.load(str(id))
        return cls.from_model(g) if g else None


@strawberry.type(description="A regular lesson rule (iCalendar RRULE in the branch's local time).")
class RecurringLesson:
    id: strawberry.ID
    group_id: strawberry.ID | None
    rrule: str
    start_time: dt.time
    duration_minutes: int
    valid_from: dt.date
    valid_until: dt.date | None
    skip_dates: list[dt.date]
    lesson_type: str


@strawberry.type(description="A window in a teacher's week that families can book.")
class AvailabilitySlot:
    id: strawberry.ID
    branch_id: strawberry.ID
    teacher_id: strawberry.ID
    lesson_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    price: Money
    booked: bool
    closed: bool = strawberry.field(description="Closed by the branch (closeSlot): no longer offered.")

    @classmethod
    def from_model(cls, s: model.AvailabilitySlot) -> AvailabilitySlot:
        return cls(id=strawberry.ID(s.id), branch_id=strawberry.ID(s.branch_id), teacher_id=strawberry.ID(s.teacher_id),
                   lesson_type=s.lesson_type, starts_at=s.starts_at, ends_at=s.ends_at,
                   price=Money.from_value(s.price), booked=s.lesson_id is not None, closed=s.closed_at is not None)


@strawberry.type(description="A family's booking of a lesson for a child.")
class Booking:
    id: strawberry.ID
    lesson_id: strawberry.ID
    student_id: strawberry.ID
    status: str
    late: bool
    created_at: dt.datetime

    @strawberry.field
    async def lesson(self, info: Info[RequestContext, None]) -> Lesson | None:
        x = await loaders(info).lesson_by_id.load(str(self.lesson_id))
        # The booking is the caller's (or their branch's), so is its lesson - but a draft is staff's alone.
        return Lesson.from_model(x) if x and published_for(info.context.principal, x) else None

    @classmethod
    def from_model(cls, b: model.Booking) -> Booking:
        return cls(id=strawberry.ID(b.id), lesson_id=strawberry.ID(b.lesson_id), student_id=strawberry.ID(b.student_id),
                   status=b.status.value, late=b.late, created_at=b.created_at)


@strawberry.type
class LessonEdge:
    cursor: str
    node: Lesson


@strawberry.type(description="A page of lessons in start order.")
class LessonConnection:
    edges: list[LessonEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="One day of a calendar view, in the requested time zone.")
class CalendarDay:
    date: dt.date
    lessons: list[Lesson]


@strawberry.type(description="The family's one free trial, once used.")
class FamilyTrial:
    student_id: strawberry.ID
    lesson_id: strawberry.ID | None
    source: str
    used_at: dt.datetime


@strawberry.type(description="A branch's booking rule: free cancellation until noticeHours before a lesson.")
class BookingPolicy:
    branch_id: strawberry.ID
    notice_hours: int
    late_cancellation: LateCancellation


@strawberry.type(description="A private calendar URL (treat it like a password; revoke it if it leaks).")
class CalendarFeed:
    id: strawberry.ID
    url: str | None


# -- payloads -------------------------------------------------------------------------------------
@strawberry.type
class RoomPayload:
    room: Room | None
    errors: list[UserError]


@strawberry.type
class CoursePayload:
    course: Course | None
    errors: list[UserError]


@strawberry.type
class LessonTypePayload:
    lesson_type: LessonType | None
    errors: list[UserError]


@strawberry.type
class GroupPayload:
    group: Group | None
    errors: list[UserError]


@strawberry.type
class RecurringLessonPayload:
    recurring_lesson: RecurringLesson | None
    errors: list[UserError]


@strawberry.type
class MembershipPayload:
    membership: GroupMembership | None
    errors: list[UserError]


@strawberry.type
class GenerationConflict:
    local_date: dt.date = strawberry.field(description="The occurrence's date in the branch's time zone.")
    group_id: strawberry.ID | None
    rule_id: strawberry.ID
    code: str = strawberry.field(graphql_type=ErrorCode,
                                 description="TEACHER_CONFLICT, ROOM_CONFLICT, SLOT_CONFLICT (an open slot: "
                                             "close it first) or STUDENT_CONFLICT.")
    message: str = strawberry.field(description="Names the other lesson (group, course, teacher), its time and "
                                                "the branch's zone.")


@strawberry.type
class GenerateMonthPayload:
    created: int
    existing: int
    errors: list[UserError]
    conflicts: list[GenerationConflict] = strawberry.field(
        default_factory=list, description="Occurrences not created because they clash; the rest were created.")


@strawberry.type
class PublishMonthPayload:
    published: int
    participants: int
    errors: list[UserError]


@strawberry.type
class LessonPayload:
    lesson: Lesson | None
    errors: list[UserError]


@strawberry.type
class LessonsPayload:
    lessons: list[Lesson]
    errors: list[UserError]


@strawberry.type
class SlotPayload:
    slot: AvailabilitySlot | None
    errors: list[UserError]


@strawberry.type
class BookingPayload:
    booking: Booking | None
    errors: list[UserError]


@strawberry.type
class SheetDeadlinePayload:
    hours: int | None = strawberry.field(description="Hours after a lesson's end before it counts as missed.")
    errors: list[UserError]


@strawberry.type
class BookingPolicyPayload:
    policy: BookingPolicy | None
    errors: list[UserError]


@strawberry.type
class CalendarFeedPayload:
    feed: CalendarFeed | None
    errors: list[UserError]
