"""The access rules are pure functions over the principal and the objects (domain/access.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from kabinet.auth.principal import Principal, Role
from kabinet.money import Money
from scheduling.domain.access import (
    can_act_for,
    can_name_lesson,
    can_see_lesson,
    can_see_student,
    may_list_lessons_of,
    may_own_teacher_feed,
    sees_family,
    works_in_branch,
)
from scheduling.domain.model import Group, Lesson, LessonKind, Participant, ParticipantReason, StaffRef, StudentRef

OWNER = Principal(user_id="o", role=Role.OWNER)
ADMIN = Principal(user_id="a", role=Role.BRANCH_ADMIN, branch_ids=frozenset({"b1"}), staff_id="a")
TEACHER = Principal(user_id="t", role=Role.TEACHER, branch_ids=frozenset({"b1"}), staff_id="t1")
GUARDIAN = Principal(user_id="g", role=Role.GUARDIAN, family_id="f1", student_ids=frozenset({"s1"}))
CHILD = Principal(user_id="c", role=Role.STUDENT, family_id="f1", student_ids=frozenset({"s1"}))
MASHA = StudentRef("s1", "f1", "b1", "Masha", "K")
OTHER = StudentRef("s2", "f2", "b2", "Olya", "S")


def _lesson(*students: StudentRef, bookable: bool = False, published: bool = True) -> Lesson:
    at = datetime(2027, 6, 7, 14, tzinfo=UTC)
    return Lesson(id="l1", branch_id="b1", teacher_id="t1", lesson_type="group", kind=LessonKind.GROUP,
                  charged_by_default=True, starts_at=at, ends_at=at.replace(hour=15), price=Money(Decimal(1)),
                  local_date=date(2027, 6, 7), bookable=bookable, published=published,
                  participants=[Participant(s.id, s.family_id, ParticipantReason.MEMBER, Money(Decimal(1)))
                                for s in students])


def test_lessons_by_role() -> None:
    mine, theirs = _lesson(MASHA), _lesson(OTHER)
    assert [can_see_lesson(p, mine) for p in (OWNER, ADMIN, TEACHER, GUARDIAN, CHILD)] == [True] * 5
    assert [can_see_lesson(p, theirs) for p in (GUARDIAN, CHILD)] == [False, False]
    assert can_name_lesson(GUARDIAN, _lesson(OTHER, bookable=True))  # a lesson on offer: a family books from it


def test_a_draft_is_staffs_until_published() -> None:
    draft = _lesson(MASHA, bookable=True, published=False)
    assert [can_see_lesson(p, draft) for p in (OWNER, ADMIN, TEACHER, GUARDIAN, CHILD)] == [True] * 3 + [False] * 2
    # Named by a family's write, it reaches the use case, which refuses it with its own code (NOT_BOOKABLE).
    assert can_name_lesson(GUARDIAN, draft)


def test_students_and_families() -> None:
    assert can_act_for(GUARDIAN, MASHA) and not can_act_for(GUARDIAN, OTHER)
    assert can_act_for(ADMIN, MASHA) and not can_act_for(ADMIN, OTHER) and not can_act_for(TEACHER, MASHA)
    assert can_see_student(TEACHER, MASHA, teaches=True) and not can_see_student(TEACHER, MASHA)
    assert sees_family(ADMIN, "f1", {"b1"}) and not sees_family(ADMIN, "f2", {"b2"})


def test_views_feeds_and_branches() -> None:
    group = Group("g1", "b1", None, "t1", None, "Starters", 10, Money(Decimal(1)))
    assert may_list_lessons_of(TEACHER, group=group) and may_list_lessons_of(TEACHER, teacher_id="t1")
    assert not may_list_lessons_of(TEACHER, teacher_id="t2") and not may_list_lessons_of(GUARDIAN, family_id="f2")
    assert not may_list_lessons_of(ADMIN, branch_id="b2")
    assert may_own_teacher_feed(ADMIN, StaffRef("t1", "teacher", ("b1",), "O", "S"), "t1")
    assert not may_own_teacher_feed(GUARDIAN, None, "t1")
    assert works_in_branch(TEACHER, "b1") and not works_in_branch(TEACHER, "b2") and works_in_branch(OWNER, "b9")
