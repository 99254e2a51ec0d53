"""Authorization matrix: every root Query and Mutation field × guardian/teacher/branch admin/owner × own/foreign
(and anonymous). The fields are read from the schema itself, so a new field without a row here fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scheduling_testkit import (
    ADD_MEMBER,
    GENERATE,
    OWNER,
    PUBLISH,
    Env,
    World,
    add_rule,
    create_group,
    create_room,
    lessons_of,
    make_world,
    ok,
)

from kabinet.auth import Principal, Role
from scheduling.schema.schema import schema

pytestmark = pytest.mark.integration

Y, N = True, False
ADMIN_OF_BRANCH = {"guardian": (N, N), "teacher": (N, N), "admin": (Y, N), "owner": (Y, Y)}
SCHOOL_ADMIN = {"guardian": (N, N), "teacher": (N, N), "admin": (Y, Y), "owner": (Y, Y)}
FAMILY_OR_ADMIN = {"guardian": (Y, N), "teacher": (N, N), "admin": (Y, N), "owner": (Y, Y)}
WHO_SEES_STUDENT = {"guardian": (Y, N), "teacher": (Y, N), "admin": (Y, N), "owner": (Y, Y)}
# A feed of a student carries all of the student's lessons: the family and its branch, not a teacher.
BRANCH_STAFF = {"guardian": (N, N), "teacher": (Y, N), "admin": (Y, N), "owner": (Y, Y)}
SIGNED_IN = {"guardian": (Y, Y), "teacher": (Y, Y), "admin": (Y, Y), "owner": (Y, Y)}
STAFF = {"guardian": (N, N), "teacher": (Y, Y), "admin": (Y, Y), "owner": (Y, Y)}


@dataclass
class Target:
    """The ids of one branch's data; 'own' is the caller's branch, 'foreign' another one."""

    world: World
    group: str
    lesson: str
    room: str
    membership: str
    slot: str
    booking: str
    feed: str
    private_lesson: str  # a booked individual lesson: not on offer, so only its people see it

    @property
    def student(self) -> str:
        return self.world.students(0)[0]

    @property
    def branch(self) -> str:
        return self.world.branch_id

    @property
    def teacher(self) -> str:
        return self.world.teachers[0]


def soon(h: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=h)).replace(microsecond=0).isoformat()


# field -> (operation, variables(target), expectations)
RANGE = {"from": "2027-01-01T00:00:00Z", "to": "2027-12-01T00:00:00Z"}
CASES: dict[str, tuple[str, Any, dict[str, tuple[bool, bool]]]] = {
    # -- queries --
    "lesson": ("query($id: ID!) { lesson(id: $id) { id } }", lambda t: {"id": t.private_lesson},
               WHO_SEES_STUDENT),
    "lessons": ("query($f: LessonsFilter!) { lessons(filter: $f) { totalCount } }",
                lambda t: {"f": {**RANGE, "studentId": t.student}}, WHO_SEES_STUDENT),
    "lessonCalendar": ("query($f: LessonsFilter!) { lessonCalendar(filter: $f) { date } }",
                       lambda t: {"f": {**RANGE, "studentId": t.student}}, WHO_SEES_STUDENT),
    "bookableLessons": ("query($b: ID!) { bookableLessons(branchId: $b, from: \"2027-01-01T00:00:00Z\", "
                        "to: \"2027-12-01T00:00:00Z\") { id } }", lambda t: {"b": t.branch}, SIGNED_IN),
    "openSlots": ("query($b: ID!) { openSlots(branchId: $b, from: \"2026-01-01T00:00:00Z\", "
                  "to: \"2027-12-01T00:00:00Z\") { id } }", lambda t: {"b": t.branch}, SIGNED_IN),
    "groups": ("query($b: ID) { groups(branchId: $b) { id } }", lambda t: {"b": t.branch}, BRANCH_STAFF),
    "rooms": ("query($b: ID!) { rooms(branchId: $b) { id } }", lambda t: {"b": t.branch}, BRANCH_STAFF),
    "courses": ("{ courses { id } }", lambda t: {}, SIGNED_IN),
    "lessonTypes": ("{ lessonTypes { code } }", lambda t: {}, SIGNED_IN),
    # -- mutations --
    "createRoom": ("mutation($b: ID!) { createRoom(branchId: $b, name: \"R\") { errors { code } } }",
                   lambda t: {"b": t.branch}, ADMIN_OF_BRANCH),
    "createCourse": ("mutation { createCourse(name: \"English\") { errors { code } } }", lambda t: {}, SCHOOL_ADMIN),
    "createLessonType": ("mutation { createLessonType(name: \"Speaking club\", kind: GROUP, chargedByDefault: true) "
                         "{ errors { code } } }", lambda t: {}, SCHOOL_ADMIN),
    "setBookingPolicy": ("mutation($b: ID!) { setBookingPolicy(branchId: $b, noticeHours: 24, lateCancellation: "
                         "REFUSE) { errors { code } } }", lambda t: {"b": t.branch}, ADMIN_OF_BRANCH),
    "setSheetDeadline": ("mutation($b: ID!) { setSheetDeadline(branchId: $b, hours: 24) { errors { code } } }",
                         lambda t: {"b": t.branch}, ADMIN_OF_BRANCH),
    "createGroup": ("mutation($i: CreateGroupInput!) { createGroup(input: $i) { errors { code } } }",
                    lambda t: {"i": {"branchId": t.branch, "name": "G", "teacherId": t.teacher,
                                     "roomId": t.room, "capacity": 5, "price": "100"}}, ADMIN_OF_BRANCH),
    "addRecurringLesson": ("mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) "
                           "{ errors { code } } }",
                           lambda t: {"i": {"groupId": t.group, "rrule": "FREQ=WEEKLY;BYDAY=SU",
                                            "startTime": "08:00:00", "durationMinutes": 30,
                                            "validFrom": "2027-01-01", "teacherId": t.teacher,
                                            "roomId": t.room}}, ADMIN_OF_BRANCH),
    "addGroupMember": ("mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: \"2027-03-01\") "
                       "{ errors { code } } }", lambda t: {"g": t.group, "s": t.student}, ADMIN_OF_BRANCH),
    "endGroupMembership": ("mutation($m: ID!) { endGroupMembership(membershipId: $m, lastDay: \"2027-12-31\") "
                           "{ errors { code } } }", lambda t: {"m": t.membership}, ADMIN_OF_BRANCH),
    "transferGroupMember": ("mutation($m: ID!, $g: ID!) { transferGroupMember(membershipId: $m, toGroupId: $g, "
                            "from: \"2027-12-30\") { errors { code } } }",
                            lambda t: {"m": t.membership, "g": t.group}, ADMIN_OF_BRANCH),
    "generateMonth": ("mutation($b: ID!) { generateMonth(branchId: $b, month: \"2027-03\") { errors { code } } }",
                      lambda t: {"b": t.branch}, ADMIN_OF_BRANCH),
    "publishMonth": ("mutation($b: ID!) { publishMonth(branchId: $b, month: \"2027-03\") { errors { code } } }",
                     lambda t: {"b": t.branch}, ADMIN_OF_BRANCH),
    "createLesson": ("mutation($i: CreateLessonInput!) { createLesson(input: $i) { errors { code } } }",
                     lambda t: {"i": {"branchId": t.branch, "teacherId": t.teacher, "roomId": t.room,
                                      "lessonType": "individual", "startsAt": "2027-03-06T05:00:00Z",
                                      "endsAt": "2027-03-06T06:00:00Z", "price": "1"}}, ADMIN_OF_BRANCH),
    "moveLesson": ("mutation($l: ID!, $t: ID, $r: ID) { moveLesson(lessonId: $l, "
                   "startsAt: \"2027-03-07T05:00:00Z\", endsAt: \"2027-03-07T06:00:00Z\", teacherId: $t, "
                   "roomId: $r) { errors { code } } }", lambda t: {"l": t.lesson, "t": t.teacher, "r": t.room},
                   ADMIN_OF_BRANCH),
    "cancelLesson": ("mutation($l: ID!) { cancelLesson(lessonId: $l, reason: \"x\") { errors { code } } }",
                     lambda t: {"l": t.lesson}, ADMIN_OF_BRANCH),
    "addMakeupParticipant": ("mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) "
                             "{ errors { code } } }", lambda t: {"l": t.lesson, "s": t.student}, ADMIN_OF_BRANCH),
    "createParallelMakeup": ("mutation($l: ID!, $s: ID!) { createParallelMakeup(lessonId: $l, studentIds: [$s]) "
                             "{ errors { code } } }", lambda t: {"l": t.lesson, "s": t.student}, ADMIN_OF_BRANCH),
    "removeLessonParticipant": ("mutation($l: ID!, $s: ID!) { removeLessonParticipant(lessonId: $l, studentId: $s) "
                                "{ errors { code } } }", lambda t: {"l": t.lesson, "s": t.student}, ADMIN_OF_BRANCH),
    "setDraftLessonPrice": ('mutation($l: ID!) { setDraftLessonPrice(lessonId: $l, price: "1") { errors { code } } }',
                            lambda t: {"l": t.lesson}, ADMIN_OF_BRANCH),
    "recordTrial": ("mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) { errors { code } } }",
                    lambda t: {"l": t.lesson, "s": t.student}, ADMIN_OF_BRANCH),
    "openSlot": ("mutation($i: OpenSlotInput!) { openSlot(input: $i) { errors { code } } }",
                 lambda t: {"i": {"branchId": t.branch, "teacherId": t.teacher, "roomId": t.room,
                                  "startsAt": soon(500), "endsAt": soon(501), "lessonType": "individual",
                                  "price": "1"}}, ADMIN_OF_BRANCH),
    "bookSlot": ("mutation($x: ID!, $s: ID!) { bookSlot(slotId: $x, studentId: $s) { errors { code } } }",
                 lambda t: {"x": t.slot, "s": t.student}, FAMILY_OR_ADMIN),
    "closeSlot": ("mutation($x: ID!) { closeSlot(slotId: $x) { errors { code } } }",
                  lambda t: {"x": t.slot}, ADMIN_OF_BRANCH),
    "bookPlace": ("mutation($l: ID!, $s: ID!) { bookPlace(lessonId: $l, studentId: $s) { errors { code } } }",
                  lambda t: {"l": t.lesson, "s": t.student}, FAMILY_OR_ADMIN),
    "cancelBooking": ("mutation($b: ID!) { cancelBooking(bookingId: $b) { errors { code } } }",
                      lambda t: {"b": t.booking}, FAMILY_OR_ADMIN),
    "issueCalendarFeed": ("mutation($s: ID!) { issueCalendarFeed(studentId: $s) { errors { code } } }",
                          lambda t: {"s": t.student}, FAMILY_OR_ADMIN),
    "revokeCalendarFeed": ("mutation($f: ID!) { revokeCalendarFeed(feedId: $f) { errors { code } } }",
                           lambda t: {"f": t.feed}, FAMILY_OR_ADMIN),
}


def root_fields() -> set[str]:
    gql = schema._schema
    fields = set(gql.query_type.fields) | set(gql.mutation_type.fields if gql.mutation_type else {})
    return {f for f in fields if not f.startswith("_")}  # _service/_entities: federation plumbing


def test_every_root_field_has_a_rule_row() -> None:
    assert root_fields() == set(CASES), "add the new field to CASES with its access rule"


async def _target(env: Env) -> Target:
    w = await make_world(env, teachers=2, families=(1,))
    room = await create_room(env, w)
    group = await create_group(env, w, room_id=room)
    await add_rule(env, w, group, "FREQ=WEEKLY;BYDAY=TU", "12:00:00", 60, "2027-03-01")
    m = ok(await env.gql(w.admin, ADD_MEMBER, {"g": group, "s": w.students(0)[0], "f": "2027-03-01"}),
           "addGroupMember")["membership"]["id"]
    ok(await env.gql(w.admin, GENERATE, {"b": w.branch_id, "m": "2027-03"}), "generateMonth")
    ok(await env.gql(w.admin, PUBLISH, {"b": w.branch_id, "m": "2027-03"}), "publishMonth")
    lesson = (await lessons_of(env, w.admin, groupId=group))[0]["id"]
    slots = []
    for h in (300, 400):
        r = await env.gql(w.admin, "mutation($i: OpenSlotInput!) { openSlot(input: $i) { slot { id } } }",
                          {"i": {"branchId": w.branch_id, "teacherId": w.teachers[0], "startsAt": soon(h),
                                 "endsAt": soon(h + 1), "lessonType": "individual", "price": "1"}})
        slots.append(r["data"]["openSlot"]["slot"]["id"])
    guardian = w.guardian(w.family_ids[0])
    booking = ok(await env.gql(guardian, "mutation($x: ID!, $s: ID!) { bookSlot(slotId: $x, studentId: $s) "
                                         "{ booking { id lessonId } errors { code } } }",
                               {"x": slots[0], "s": w.students(0)[0]}), "bookSlot")["booking"]
    feed = ok(await env.gql(guardian, "mutation($s: ID!) { issueCalendarFeed(studentId: $s) { feed { id } "
                                      "errors { code } } }", {"s": w.students(0)[0]}),
              "issueCalendarFeed")["feed"]["id"]
    return Target(w, group, lesson, room, m, slots[1], booking["id"], feed, booking["lessonId"])


def _principal(role: str, own: Target) -> Principal:
    w = own.world
    return {"guardian": w.guardian(w.family_ids[0]), "teacher": w.teacher(0), "admin": w.admin, "owner": OWNER}[role]


def _outcome(result: dict[str, Any]) -> str:
    codes = {e.get("extensions", {}).get("code") for e in result.get("errors", [])}
    if "UNAUTHENTICATED" in codes:
        return "unauthenticated"
    if "FORBIDDEN" in codes:
        return "forbidden"
    assert not codes - {None}, result  # anything else (e.g. an internal error) fails the test
    return "allowed"


async def test_authorization_matrix(env: Env) -> None:
    own, foreign = await _target(env), await _target(env)
    failures: list[str] = []
    # Queries first, then mutations (those change state, but access is checked before any state rule).
    ordered = sorted(CASES, key=lambda f: CASES[f][0].startswith("mutation"))
    for field_name in ordered:
        op, variables, rules = CASES[field_name]
        got = _outcome(await env.gql(None, op, variables(own)))
        if got != "unauthenticated":
            failures.append(f"{field_name}: anonymous got {got}")
        for role in ("guardian", "teacher", "admin", "owner"):
            for target, allowed in ((own, rules[role][0]), (foreign, rules[role][1])):
                got = _outcome(await env.gql(_principal(role, own), op, variables(target)))
                want = "allowed" if allowed else "forbidden"
                if got != want:
                    which = "own" if target is own else "foreign"
                    failures.append(f"{field_name}: {role} × {which}: want {want}, got {got}")
    assert failures == []
    _ = Role


# -- every mutation × the callers who must be refused, and every ID argument swapped for another branch's ----------
def mutations() -> list[str]:
    gql = schema._schema
    assert gql.mutation_type is not None
    return sorted(f for f in gql.mutation_type.fields if not f.startswith("_"))


def _outsiders(own: Target, other: Target) -> dict[str, Principal]:
    """Callers with no business with ``own``'s data: an admin of another branch, a teacher of the branch who does
    not teach its lessons, a guardian of another family, and a student (another family's child's own login)."""
    w, o = own.world, other.world
    fam = o.family_ids[0]
    return {
        "admin of another branch": o.admin,
        "teacher not of the lesson": w.teacher(1),
        "guardian of another family": o.guardian(fam),
        "student": Principal(user_id=o.students(0)[0], role=Role.STUDENT, family_id=fam,
                             student_ids=frozenset({o.students(0)[0]}), branch_ids=frozenset({o.branch_id})),
    }


class _Mixed:
    """``own``'s ids, except the one named ``swap``, which is ``foreign``'s; records which ids a case reads."""

    def __init__(self, own: Target, foreign: Target, swap: str | None = None) -> None:
        self._own, self._foreign, self._swap, self.read = own, foreign, swap, set[str]()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._foreign if name == self._swap else self._own, name)


async def _refused_without_change(env: Env, principal: Principal, field_name: str, variables: dict[str, Any],
                                  failures: list[str], who: str, strict: bool) -> None:
    from kabinet.testing.snapshot import changes, snapshot
    from scheduling.adapters.tables import metadata

    before = await snapshot(env.runtime.sessionmaker, metadata)
    result = await env.gql(principal, CASES[field_name][0], variables)
    after = await snapshot(env.runtime.sessionmaker, metadata)
    got = _outcome_or_user_error(result, field_name)
    if got == "allowed" or (strict and got != "forbidden"):
        failures.append(f"{field_name}: {who}: want forbidden, got {got}")
    if diff := changes(before, after):
        failures.append(f"{field_name}: {who}: the database changed: {diff}")


def _outcome_or_user_error(result: dict[str, Any], field_name: str) -> str:
    got = _outcome(result)
    if got == "allowed" and ((result.get("data") or {}).get(field_name) or {}).get("errors"):
        return "refused with a typed error"
    return got


async def test_every_mutation_refuses_callers_outside_its_scope(env: Env) -> None:
    """Generated from the schema: a mutation missing from CASES fails ``test_every_root_field_has_a_rule_row``."""
    own, other = await _target(env), await _target(env)
    failures: list[str] = []
    for field_name in mutations():
        _, variables, rules = CASES[field_name]
        for who, principal in _outsiders(own, other).items():
            if who == "admin of another branch" and rules["admin"][1]:
                continue  # school-wide catalogue (courses, lesson types): any admin adds to it
            await _refused_without_change(env, principal, field_name, variables(own), failures, who, strict=True)
    assert failures == []


# Ids that are not the caller's scope but the use case's own rule: another branch's teacher or room is
# WRONG_BRANCH, a student not in the lesson is NOT_A_PARTICIPANT (the lesson, which is checked, names them).
TYPED_REFUSALS = {(m, x) for m in ("createGroup", "addRecurringLesson", "createLesson", "moveLesson", "openSlot")
                  for x in ("teacher", "room")} | {("removeLessonParticipant", "student")}


async def test_every_id_argument_is_checked_against_the_callers_branch(env: Env) -> None:
    """An admin of branch A with A's ids in every argument but one, which names branch B's data: refused, and
    nothing changes (R: every argument naming data is checked, not only the first one a use case looks at)."""
    own, foreign = await _target(env), await _target(env)
    failures: list[str] = []
    for field_name in mutations():
        _, variables, rules = CASES[field_name]
        if rules["admin"][1]:
            continue
        probe = _Mixed(own, foreign)
        variables(probe)
        for name in sorted(probe.read - {"world"}):
            await _refused_without_change(env, own.world.admin, field_name, variables(_Mixed(own, foreign, name)),
                                          failures, f"own admin, foreign {name}",
                                          strict=(field_name, name) not in TYPED_REFUSALS)
    assert failures == []
