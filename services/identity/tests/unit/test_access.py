"""identity.domain.access: who sees which object, as pure functions (the schema calls them)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from identity.domain import access
from identity.domain.model import Staff, StaffRole, Student
from identity.domain.questions import Question
from kabinet.auth.principal import Principal, Role

KID = Student("s-1", "f-1", "Masha", "Petrova", date(2015, 3, 1), "b-1")
GUARDIAN = Principal(user_id="g-1", role=Role.GUARDIAN, family_id="f-1", student_ids=frozenset({"s-1"}),
                     branch_ids=frozenset({"b-1"}))
OTHER_GUARDIAN = Principal(user_id="g-2", role=Role.GUARDIAN, family_id="f-2")
ADMIN = Principal(user_id="a-1", role=Role.BRANCH_ADMIN, branch_ids=frozenset({"b-1"}), staff_id="a-1")
OTHER_ADMIN = Principal(user_id="a-2", role=Role.BRANCH_ADMIN, branch_ids=frozenset({"b-2"}), staff_id="a-2")
TEACHER = Principal(user_id="t-1", role=Role.TEACHER, branch_ids=frozenset({"b-1"}), staff_id="t-1")
OWNER = Principal(user_id="o", role=Role.OWNER, staff_id="o")
COLLEAGUE = Staff("t-9", StaffRole.TEACHER, "Olga", "T", "olga@school.test", ["b-1"])
NOW = datetime(2025, 6, 2, tzinfo=UTC)


def test_a_student_is_seen_by_the_family_the_branch_the_owner_and_only_their_own_teacher() -> None:
    assert access.sees_student(GUARDIAN, KID) and access.sees_student(ADMIN, KID) and access.sees_student(OWNER, KID)
    assert not access.sees_student(OTHER_GUARDIAN, KID) and not access.sees_student(OTHER_ADMIN, KID)
    assert access.needs_teaching(TEACHER) and not access.needs_teaching(ADMIN)
    assert not access.sees_student(TEACHER, KID)  # the same branch is not enough
    assert access.sees_student(TEACHER, KID, taught_by_caller=True)


def test_a_family_is_seen_by_its_guardians_and_the_branches_its_children_study_in() -> None:
    assert access.sees_family(GUARDIAN, "f-1", [KID]) and access.sees_family(ADMIN, "f-1", [KID])
    assert not access.sees_family(OTHER_ADMIN, "f-1", [KID]) and not access.sees_family(OTHER_GUARDIAN, "f-1", [KID])
    assert not access.sees_family(ADMIN, "f-1", [])  # no child in the branch: not the branch's client


def test_staff_and_their_contacts() -> None:
    assert access.sees_staff(TEACHER, COLLEAGUE) and access.sees_staff(ADMIN, COLLEAGUE)
    assert not access.sees_staff(OTHER_ADMIN, COLLEAGUE) and not access.sees_staff(GUARDIAN, COLLEAGUE)
    assert access.sees_staff_contact(ADMIN, COLLEAGUE) and not access.sees_staff_contact(TEACHER, COLLEAGUE)
    assert access.family_sees_teacher(GUARDIAN, teaches_the_family=True)
    assert not access.family_sees_teacher(GUARDIAN, teaches_the_family=False)
    assert not access.family_sees_teacher(ADMIN, teaches_the_family=True)


def test_a_childs_login_and_a_question() -> None:
    assert access.sees_student_login(GUARDIAN, "s-1", "f-1", "b-1")
    assert access.sees_student_login(ADMIN, "s-1", "f-1", "b-1")
    assert not access.sees_student_login(TEACHER, "s-1", "f-1", "b-1") and not access.sees_student_login(
        OTHER_GUARDIAN, "s-1", "f-1", None)
    child = Principal(user_id="u-s-1", role=Role.STUDENT, family_id="f-1", student_ids=frozenset({"s-1"}))
    assert access.sees_student_login(child, "s-1", "f-1", "b-1")  # its own
    assert not access.sees_student_login(child, "s-2", "f-1", "b-1")  # not a sibling's
    q = Question("q-1", "f-1", "b-1", "general", "When?", "g-1", NOW)
    assert access.sees_question(GUARDIAN, q) and access.sees_question(ADMIN, q) and access.sees_question(OWNER, q)
    assert not access.sees_question(OTHER_GUARDIAN, q) and not access.sees_question(TEACHER, q)
