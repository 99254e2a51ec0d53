"""Issue #6, points 1-5, through the gateway's /graphql with all four services on PostgreSQL + RabbitMQ.

One stack per module (a stack costs seconds to start): the school, its families and March 2027 are made once
through identity's and scheduling's real mutations; the lessons reach learning by scheduling's events. Group A
(Mon/Wed) has Masha (family 1) and Kolya (family 2); group B (Tue/Thu, another teacher) has Dima (family 3).
Masha's and Kolya's sheets of the first eight A lessons are saved in the fixture, so every test reads the same
marks; tests that write use lessons nobody else reads (A[8], A[9]). Learning's read clock is moved into the
month where a view depends on "now".
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from identity.domain.model import StaffRole
from identity.service import org
from kabinet.auth import Principal, Role
from kabinet.testing.stack import GraphQLClient
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-learngw", role=Role.OWNER)
CREATE_BRANCH = """mutation($i: CreateBranchInput!) { createBranch(input: $i) { branch { id } errors { code } } }"""
REGISTER_CLIENT = """mutation($i: RegisterClientInput!) { registerClient(input: $i) {
  family { id students { id firstName } } errors { field code message } } }"""
CREATE_GROUP = """mutation($i: CreateGroupInput!) { createGroup(input: $i) { group { id } errors { code message } } }"""
ADD_RULE = """mutation($i: AddRecurringLessonInput!) { addRecurringLesson(input: $i) {
  recurringLesson { id } errors { code message } } }"""
ADD_MEMBER = """mutation($g: ID!, $s: ID!) { addGroupMember(groupId: $g, studentId: $s, from: "2027-03-01") {
  membership { id } errors { code message } } }"""
GENERATE = """mutation($b: ID!) { generateMonth(branchId: $b, month: "2027-03") { created errors { code } } }"""
PUBLISH = """mutation($b: ID!) { publishMonth(branchId: $b, month: "2027-03") { published errors { code } } }"""
FAMILY_LESSONS = """query($f: ID!) { family(id: $f) { lessons(from: "2027-03-01T00:00:00Z",
  to: "2027-04-01T00:00:00Z", first: 100) { edges { node { id startsAt endsAt lessonType groupId } } } } }"""
MAKEUP = """mutation($l: ID!, $s: ID!) { addMakeupParticipant(lessonId: $l, studentId: $s) {
  lesson { id } errors { code message } } }"""
TRIAL = """mutation($l: ID!, $s: ID!) { recordTrial(lessonId: $l, studentId: $s) {
  lesson { id } errors { code message } } }"""
REPLACE = """mutation($l: ID!, $s: DateTime!, $e: DateTime!, $t: ID!) {
  moveLesson(lessonId: $l, startsAt: $s, endsAt: $e, teacherId: $t) { lessons { id } errors { code message } } }"""

ROW = "studentId reason onLesson attendance homeworkDone grade comment"
SAVE = ("mutation($i: SaveLessonSheetInput!) { saveLessonSheet(input: $i) { sheet { lessonId summary homework "
        "revision filled students { " + ROW + " } } errors { field code } } }")
SHEET = "query($l: ID!) { lessonSheet(lessonId: $l) { summary homework revision students { " + ROW + " } } }"
HISTORY = """query($l: ID!) { lessonSheet(lessonId: $l) { revision history { revision summary
  students { studentId attendance grade comment } } } }"""

# Masha's marks on A[0..7] (attendance, grade, homework done, comment); Kolya is present with a 5 everywhere.
MASHA = [("PRESENT", "5", None), ("LATE", "4", "YES"), ("ABSENT", None, None), ("PRESENT", "3", "PARTLY"),
         ("EXCUSED", None, None), ("PRESENT", "4", "NO"), ("ABSENT", None, "NO"), ("PRESENT", "2", "YES")]


def secret(who: str, i: int) -> str:
    return f"SECRET-{who}-{i}"


async def ok(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    got = await client.execute(query, variables)
    assert not got.get("errors"), got
    for value in got["data"].values():
        if isinstance(value, dict) and "errors" in value:
            assert value["errors"] == [], got
    return dict(got["data"])


def codes(got: dict[str, Any]) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in got.get("errors") or []}


@pytest.fixture(scope="module")
def gateway_stack(module_stack: StackHandle) -> StackHandle:
    return module_stack


@dataclasses.dataclass
class School:
    stack: StackHandle
    branch: str
    teacher_a: str
    teacher_b: str
    teacher_r: str
    fam1: str
    fam2: str
    fam3: str
    fam4: str
    masha: str
    petya: str
    kolya: str
    dima: str
    lena: str
    group_a: str
    group_b: str
    a: list[str]  # group A's lessons of March, earliest first
    b: list[str]

    @property
    def admin(self) -> GraphQLClient:
        return self.stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, staff_id="adm",
                                           branch_ids=frozenset({self.branch})))

    @property
    def other_admin(self) -> GraphQLClient:
        return self.stack.client(Principal(user_id="adm9", role=Role.BRANCH_ADMIN, staff_id="adm9",
                                           branch_ids=frozenset({"another-branch"})))

    def teacher_p(self, staff_id: str) -> Principal:
        return Principal(user_id=f"u-{staff_id}", role=Role.TEACHER, staff_id=staff_id,
                         branch_ids=frozenset({self.branch}))

    def teacher(self, staff_id: str) -> GraphQLClient:
        return self.stack.client(self.teacher_p(staff_id))

    @staticmethod
    def guardian_p(family: str, *students: str) -> Principal:
        return Principal(user_id=f"g-{family}", role=Role.GUARDIAN, family_id=family, student_ids=frozenset(students))

    def guardian(self, family: str, *students: str) -> GraphQLClient:
        return self.stack.client(self.guardian_p(family, *students))

    @property
    def g1(self) -> GraphQLClient:
        return self.guardian(self.fam1, self.masha, self.petya)

    @property
    def g2(self) -> GraphQLClient:
        return self.guardian(self.fam2, self.kolya)


async def _lessons(stack: StackHandle, admin: GraphQLClient, family: str, group: str) -> list[dict[str, Any]]:
    edges = (await ok(admin, FAMILY_LESSONS, {"f": family}))["family"]["lessons"]["edges"]
    return sorted((e["node"] for e in edges if e["node"]["groupId"] == group), key=lambda n: n["startsAt"])


@pytest.fixture(scope="module")
async def school(gateway_stack: StackHandle) -> School:
    stack = gateway_stack
    owner = stack.client(OWNER)
    branch = (await ok(owner, CREATE_BRANCH, {"i": {"name": "Center", "city": "Kazan", "timeZone": "Europe/Moscow",
                                                    "address": "Baumana 1"}}))["createBranch"]["branch"]["id"]
    ident = stack.runtime("identity")
    teachers = []
    for name in ("Olga", "Boris", "Rita"):
        async with ident.unit_of_work() as uow:
            t = await org.create_staff(org.CreateStaff(
                StaffRole.TEACHER, f"{name.lower()}-{uuid.uuid4().hex[:6]}@learngw.test", name, "Teacher",
                (branch,), "teacher-password-1"), uow, OWNER)
        teachers.append(t.id)
    admin = stack.client(Principal(user_id="adm", role=Role.BRANCH_ADMIN, staff_id="adm",
                                   branch_ids=frozenset({branch})))
    fams: list[tuple[str, dict[str, str]]] = []
    for phone, kids in (("+79005550001", ["Masha", "Petya"]), ("+79005550002", ["Kolya"]),
                        ("+79005550003", ["Dima"]), ("+79005550004", ["Lena"])):
        fam = (await ok(admin, REGISTER_CLIENT, {"i": {
            "phone": phone, "firstName": "Parent", "lastName": kids[0], "branchId": branch, "consentSigned": True,
            "students": [{"firstName": k, "lastName": "Test", "birthDate": "2015-04-01"} for k in kids]}})
               )["registerClient"]["family"]
        fams.append((fam["id"], {s["firstName"]: s["id"] for s in fam["students"]}))
    await stack.drain()
    groups = []
    for name, teacher, days in (("A", teachers[0], "MO,WE"), ("B", teachers[1], "TU,TH")):
        g = (await ok(admin, CREATE_GROUP, {"i": {"branchId": branch, "name": name, "teacherId": teacher,
                                                  "capacity": 8, "price": "1000"}}))["createGroup"]["group"]["id"]
        await ok(admin, ADD_RULE, {"i": {"groupId": g, "rrule": f"FREQ=WEEKLY;BYDAY={days}",
                                         "startTime": "17:00:00", "durationMinutes": 60,
                                         "validFrom": "2027-03-01"}})
        groups.append(g)
    (f1, k1), (f2, k2), (f3, k3), (f4, k4) = fams
    for g, sid in ((groups[0], k1["Masha"]), (groups[0], k2["Kolya"]), (groups[1], k3["Dima"])):
        await ok(admin, ADD_MEMBER, {"g": g, "s": sid})
    await ok(admin, GENERATE, {"b": branch})
    await ok(admin, PUBLISH, {"b": branch})
    await stack.drain()
    a = await _lessons(stack, admin, f1, groups[0])
    b = await _lessons(stack, admin, f3, groups[1])
    assert (len(a), len(b)) == (10, 9)  # March 2027: 5 Mondays + 5 Wednesdays; 5 Tuesdays + 4 Thursdays
    # A[8]: Dima comes to make up a missed lesson, Lena (a new family) for her free trial.
    await ok(admin, MAKEUP, {"l": a[8]["id"], "s": k3["Dima"]})
    await ok(admin, TRIAL, {"l": a[8]["id"], "s": k4["Lena"]})
    # A[9]: Rita replaces Olga.
    await ok(admin, REPLACE, {"l": a[9]["id"], "s": a[9]["startsAt"], "e": a[9]["endsAt"], "t": teachers[2]})
    # The March sheets may be filled now (learning's "opens before the start" window, widened).
    stack.runtime("learning").settings.sheet_open_before_start_min = 10 ** 7
    await stack.drain()
    s = School(stack, branch, teachers[0], teachers[1], teachers[2], f1, f2, f3, f4, k1["Masha"], k1["Petya"],
               k2["Kolya"], k3["Dima"], k4["Lena"], groups[0], groups[1], [x["id"] for x in a],
               [x["id"] for x in b])
    olga = s.teacher(s.teacher_a)
    for i, (att, grade, hw) in enumerate(MASHA):
        await ok(olga, SAVE, {"i": {"lessonId": s.a[i], "summary": f"Unit {i}", "homework": f"Exercise {i}",
                                    "idempotencyKey": f"fixture-{i}", "students": [
            {"studentId": s.masha, "attendance": att, "grade": grade, "homeworkDone": hw,
             "comment": secret("MASHA", i)},
            {"studentId": s.kolya, "attendance": "PRESENT", "grade": "5", "homeworkDone": "YES" if i else None,
             "comment": secret("KOLYA", i)}]}})
    # Group B: only its first lesson's sheet is saved.
    await ok(s.teacher(s.teacher_b), SAVE, {"i": {"lessonId": s.b[0], "summary": "B0", "homework": "B hw",
                                                  "idempotencyKey": "fixture-b0", "students": [
        {"studentId": s.dima, "attendance": "PRESENT", "grade": "4", "comment": secret("DIMA", 0)}]}})
    await stack.drain()
    return s


@pytest.fixture
def learning_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Learning's read clock, frozen at a moment of March 2027 (scheduling refuses changes to past lessons, so
    the month is in the future and learning is told it has come)."""
    import learning.schema.entities as learning_entities
    import learning.schema.queries as learning_queries

    def set_now(iso: str) -> None:
        at = datetime.fromisoformat(iso)
        monkeypatch.setattr(learning_queries, "_now", lambda: at)
        monkeypatch.setattr(learning_entities, "_now", lambda: at)

    yield set_now


# -- 1. the lesson sheet ----------------------------------------------------------------------------------
async def test_sheet_saved_in_one_mutation_idempotent_and_edited_with_history(school: School) -> None:
    s, olga = school, school.teacher(school.teacher_a)
    lesson = s.a[8]
    before = await ok(olga, SHEET, {"l": lesson})
    reasons = {r["studentId"]: (r["reason"], r["attendance"]) for r in before["lessonSheet"]["students"]}
    # The make-up and the trial student are on the sheet with the members, unmarked yet.
    assert reasons == {s.masha: ("member", None), s.kolya: ("member", None), s.dima: ("makeup", None),
                       s.lena: ("trial", None)}
    rows = [{"studentId": s.masha, "attendance": "PRESENT", "grade": "5", "comment": "first"},
            {"studentId": s.kolya, "attendance": "LATE", "grade": "4"},
            {"studentId": s.dima, "attendance": "PRESENT", "grade": "3", "homeworkDone": "PARTLY"},
            {"studentId": s.lena, "attendance": "PRESENT"}]
    save = {"i": {"lessonId": lesson, "summary": "Colours", "homework": "Draw a rainbow", "students": rows,
                  "idempotencyKey": "phone-tap-1"}}
    first = (await ok(olga, SAVE, save))["saveLessonSheet"]["sheet"]
    assert (first["revision"], first["filled"], first["summary"]) == (1, True, "Colours")
    assert {r["studentId"]: (r["attendance"], r["grade"]) for r in first["students"]} == {
        s.masha: ("PRESENT", "5"), s.kolya: ("LATE", "4"), s.dima: ("PRESENT", "3"), s.lena: ("PRESENT", None)}
    await s.stack.drain()
    events = await outbox_types(s, lesson)

    again = (await ok(olga, SAVE, save))["saveLessonSheet"]["sheet"]
    assert again == first  # the same key and sheet: nothing changes, no new revision, no new event
    await s.stack.drain()
    assert await outbox_types(s, lesson) == events

    # Edited later (a new save): revision 2, and the history keeps both.
    rows[0] = {"studentId": s.masha, "attendance": "LATE", "grade": "4", "comment": "second"}
    edited = (await ok(olga, SAVE, {"i": {**save["i"], "students": rows, "idempotencyKey": "phone-tap-2",
                                          "expectedRevision": 1}}))["saveLessonSheet"]["sheet"]
    assert edited["revision"] == 2
    stale = await olga.execute(SAVE, {"i": {**save["i"], "idempotencyKey": "phone-tap-3", "expectedRevision": 1}})
    assert stale["data"]["saveLessonSheet"]["sheet"] is None
    assert stale["data"]["saveLessonSheet"]["errors"][0]["code"]
    history = (await ok(olga, HISTORY, {"l": lesson}))["lessonSheet"]
    assert history["revision"] == 2
    masha_rows = [[(r["attendance"], r["grade"], r["comment"]) for r in rev["students"] if r["studentId"] == s.masha]
                  for rev in history["history"]]
    assert [rev["revision"] for rev in history["history"]] == [1, 2]
    assert masha_rows == [[("PRESENT", "5", "first")], [("LATE", "4", "second")]]

    # Bad input is a typed error and nothing changes.
    bad = await olga.execute(SAVE, {"i": {**save["i"], "idempotencyKey": "bad", "students": [
        {"studentId": s.masha, "attendance": "PRESENT", "grade": "7"}]}})
    assert bad["data"]["saveLessonSheet"]["sheet"] is None
    assert bad["data"]["saveLessonSheet"]["errors"][0]["code"]
    assert (await ok(olga, SHEET, {"l": lesson}))["lessonSheet"]["revision"] == 2


# -- 2. who may do what -----------------------------------------------------------------------------------
async def test_replacing_teacher_and_admin_write_another_groups_teacher_sees_nothing(school: School) -> None:
    s = school
    lesson = s.a[9]  # Rita replaces Olga on it
    row = [{"studentId": s.masha, "attendance": "PRESENT"}, {"studentId": s.kolya, "attendance": "ABSENT"}]
    by_rita = await ok(s.teacher(s.teacher_r), SAVE, {"i": {"lessonId": lesson, "summary": "by Rita",
                                                           "students": row, "idempotencyKey": "rita"}})
    assert by_rita["saveLessonSheet"]["sheet"]["revision"] == 1
    by_admin = await ok(s.admin, SAVE, {"i": {"lessonId": lesson, "summary": "fixed by admin", "students": row,
                                             "idempotencyKey": "admin"}})
    assert by_admin["saveLessonSheet"]["sheet"]["revision"] == 2

    boris = s.teacher(s.teacher_b)
    refused = await boris.execute(SAVE, {"i": {"lessonId": s.a[0], "summary": "hijack", "students": [
        {"studentId": s.masha, "attendance": "ABSENT"}], "idempotencyKey": "boris"}})
    assert codes(refused) == {"FORBIDDEN"}, refused
    assert "FORBIDDEN" in codes(await s.other_admin.execute(SAVE, {"i": {
        "lessonId": s.a[0], "summary": "x", "students": [], "idempotencyKey": "x"}}))
    assert "FORBIDDEN" in codes(await s.g1.execute(SAVE, {"i": {
        "lessonId": s.a[0], "summary": "x", "students": [], "idempotencyKey": "g"}}))
    assert (await ok(s.admin, SHEET, {"l": s.a[0]}))["lessonSheet"]["summary"] == "Unit 0"  # nothing changed

    seen = await boris.execute(SHEET, {"l": s.a[0]})
    assert codes(seen) == {"FORBIDDEN"} and seen["data"] in (None, {"lessonSheet": None}), seen
    journal = await boris.execute("""query($g: ID!) { groupJournal(groupId: $g) { lessons { lessonId }
      students { studentId cells { grade attendance } } } }""", {"g": s.group_a})
    assert "SECRET" not in json.dumps(journal)
    assert not journal.get("data") or journal["data"]["groupJournal"] is None or \
        journal["data"]["groupJournal"]["lessons"] == []


async def test_guardian_reads_summary_homework_and_only_the_own_childs_marks(school: School) -> None:
    s = school
    sheet = (await ok(s.g1, SHEET, {"l": s.a[0]}))["lessonSheet"]
    assert (sheet["summary"], sheet["homework"]) == ("Unit 0", "Exercise 0")
    assert [(r["studentId"], r["grade"], r["comment"]) for r in sheet["students"]] == [
        (s.masha, "5", secret("MASHA", 0))]
    kolya_view = (await ok(s.g2, SHEET, {"l": s.a[0]}))["lessonSheet"]
    assert [(r["studentId"], r["grade"], r["comment"]) for r in kolya_view["students"]] == [
        (s.kolya, "5", secret("KOLYA", 0))]
    # The family of a child who is not on the lesson sees nothing of it.
    assert "FORBIDDEN" in codes(await s.guardian(s.fam3, s.dima).execute(SHEET, {"l": s.a[0]}))


PATHS = {
    "sheet by id": ("query($l: ID!) { lessonSheet(lessonId: $l) { students { studentId grade comment } } }", "l"),
    "family's lessons -> Lesson.sheet": ("""query($f: ID!) { family(id: $f) { lessons(from: "2027-03-01T00:00:00Z",
      to: "2027-04-01T00:00:00Z", first: 100) { edges { node { id summary homework
      sheet { students { studentId grade comment } } } } } } }""", "f"),
    "family's students -> Student.pastLessons/progress": ("""query($f: ID!) { family(id: $f) { students { id
      pastLessons(first: 100) { edges { node { lessonId grade comment
        lesson { sheet { students { comment grade } } } } } }
      homework { text } progress(from: "2027-03-01T00:00:00Z", to: "2027-04-01T00:00:00Z") {
        current { averageGrade } } } } }""", "f"),
    "my family": ("""{ myFamily { students { id pastLessons(first: 100) { edges { node { grade comment
      lesson { sheet { students { comment } } } } } } } } }""", None),
    "group journal -> Lesson.sheet": ("""query($g: ID!) { groupJournal(groupId: $g) { lessons { lessonId
      lesson { sheet { students { comment } } } } students { cells { grade } student { pastLessons(first: 100) {
      edges { node { comment } } } } } } }""", "g"),
    "_entities Lesson": ("""query($r: [_Any!]!) { _entities(representations: $r) { ... on Lesson {
      summary sheet { students { comment grade } } } } }""", "lesson-reps"),
    "_entities Student": ("""query($r: [_Any!]!) { _entities(representations: $r) { ... on Student {
      pastLessons { edges { node { comment grade } } } homework { text } } } }""", "student-reps"),
}


async def test_private_comment_never_reaches_another_family_or_another_groups_teacher(
        school: School, learning_now: Callable[[str], None]) -> None:
    """Every gateway path that can carry a comment, as a classmate's family, another group's family and another
    group's teacher. The gateway does not expose `_entities` to clients, so those are sent to learning's own
    subgraph exactly as the gateway's entity fetches are (the caller's token, a batch of representations)."""
    s = school
    learning_now("2027-04-15T12:00:00+00:00")
    masha_secrets = [secret("MASHA", i) for i in range(len(MASHA))]

    def variables(var: str | None, family: str) -> dict[str, Any]:
        by_var: dict[str, dict[str, Any]] = {"l": {"l": s.a[0]}, "f": {"f": family}, "g": {"g": s.group_a},
                "lesson-reps": {"r": [{"__typename": "Lesson", "id": x} for x in s.a[:8]]},
                "student-reps": {"r": [{"__typename": "Student", "id": s.masha}]}}
        return by_var.get(var or "", {})

    readers = {"guardian of the classmate": (s.guardian_p(s.fam2, s.kolya), s.fam2),
               "guardian of another group": (s.guardian_p(s.fam3, s.dima), s.fam3),
               "teacher of another group": (s.teacher_p(s.teacher_b), s.fam1)}
    for who, (principal, family) in readers.items():
        gateway = s.stack.client(principal)
        for path, (query, var) in PATHS.items():
            for fam in {family, s.fam1}:  # the reader's own family's ids, then Masha's
                got = await gateway.execute(query, variables(var, fam))
                text = json.dumps(got)
                assert not any(x in text for x in masha_secrets), (who, path, text)
                assert "Traceback" not in text
                if path.startswith("_entities"):
                    assert codes(got) == {"GRAPHQL_VALIDATION_FAILED"}, got  # not part of the public graph
                    sub = json.dumps(await s.stack.service_client("learning", principal).execute(
                        query, variables(var, fam)))
                    assert not any(x in sub for x in masha_secrets), (who, path, sub)
    # The same paths do carry the comment to those who may read it (so the checks above are not vacuous).
    own = json.dumps(await s.g1.execute(PATHS["my family"][0]))
    assert all(x in own for x in masha_secrets) and secret("KOLYA", 0) not in own
    admin = json.dumps(await s.admin.execute(PATHS["family's lessons -> Lesson.sheet"][0], {"f": s.fam1}))
    assert all(x in admin for x in masha_secrets)
    olga = s.teacher_p(s.teacher_a)
    journal = json.dumps(await s.stack.client(olga).execute(*(PATHS["group journal -> Lesson.sheet"][0],
                                                              variables("g", s.fam1))))
    assert all(x in journal for x in masha_secrets)
    for path in ("_entities Lesson", "_entities Student"):
        query, var = PATHS[path]
        got = json.dumps(await s.stack.service_client("learning", olga).execute(query, variables(var, s.fam1)))
        assert all(x in got for x in masha_secrets), (path, got)


# -- 3. for families --------------------------------------------------------------------------------------
PAST = """query($f: ID!) { family(id: $f) { students { id pastLessons(first: 100) { totalCount edges { node {
  lessonId summary homework attendance homeworkDone grade comment } } }
  homework { lessonId text status result dueLessonId } } } }"""
PROGRESS = """query($f: ID!) { family(id: $f) { students { id progress(from: "2027-03-15T00:00:00+03:00",
  to: "2027-03-29T00:00:00+03:00") { current { lessons attended attendanceRate averageGrade averageGradePercent
  homeworkCompletion grades } previous { lessons attended attendanceRate averageGrade homeworkCompletion grades }
  trend { attendanceRate averageGrade homeworkCompletion } } } } }"""


async def test_family_sees_past_lessons_homework_and_progress(school: School,
                                                              learning_now: Callable[[str], None]) -> None:
    s = school
    learning_now("2027-03-26T12:00:00+00:00")  # after A[7] (Mar 24), before A[8] (Mar 29)
    kids = {k["id"]: k for k in (await ok(s.g1, PAST, {"f": s.fam1}))["family"]["students"]}
    masha = kids[s.masha]
    nodes = [e["node"] for e in masha["pastLessons"]["edges"]]
    assert masha["pastLessons"]["totalCount"] == 8
    assert [n["lessonId"] for n in nodes] == list(reversed(s.a[:8]))  # newest first
    assert [(n["attendance"], n["grade"], n["homeworkDone"]) for n in reversed(nodes)] == list(MASHA)
    assert {(n["summary"], n["homework"], n["comment"]) for n in nodes} == {
        (f"Unit {i}", f"Exercise {i}", secret("MASHA", i)) for i in range(8)}
    assert kids[s.petya]["pastLessons"]["totalCount"] == 0

    # Homework of A[i] is checked on A[i+1]: YES/PARTLY -> done, NO -> missed, not marked -> open.
    hw = {h["lessonId"]: (h["status"], h["result"]) for h in masha["homework"]}
    expected = {s.a[i]: (("OPEN", None) if MASHA[i + 1][2] is None else
                         ("MISSED", "NO") if MASHA[i + 1][2] == "NO" else ("DONE", MASHA[i + 1][2]))
                for i in range(7)}
    expected[s.a[7]] = ("OPEN", None)  # due on A[8], where Masha's homework is not checked
    assert {k: v for k, v in hw.items() if k in s.a[:8]} == expected
    done = await ok(s.g1, """query($f: ID!) { family(id: $f) { students { id homework(status: DONE) { lessonId }
      } } }""", {"f": s.fam1})
    done_ids = {h["lessonId"] for k in done["family"]["students"] if k["id"] == s.masha for h in k["homework"]}
    assert done_ids == {s.a[0], s.a[2], s.a[6]}  # checked YES, PARTLY, YES on the next lesson

    # Progress over [Mar 15, Mar 29) = A[4..7] against [Mar 1, Mar 15) = A[0..3], by hand:
    #   previous: P, L(4, yes), A, P(3, partly) + P(5): attendance 3/4; grades 5,4,3 -> 4.0; homework 1, .5 -> .75
    #   current:  E, P(4, no), A(no), P(2, yes): attendance 2/3 (excused left out); grades 4,2 -> 3.0 (60 %);
    #             homework 0, 0, 1 -> 1/3
    prog = {k["id"]: k["progress"] for k in (await ok(s.g1, PROGRESS, {"f": s.fam1}))["family"]["students"]}
    [course] = prog[s.masha]
    assert course["current"] == {"lessons": 4, "attended": 2, "attendanceRate": pytest.approx(2 / 3, abs=1e-4),
                                 "averageGrade": 3.0, "averageGradePercent": 60.0,
                                 "homeworkCompletion": pytest.approx(1 / 3, abs=1e-4), "grades": 2}
    assert course["previous"] == {"lessons": 4, "attended": 3, "attendanceRate": 0.75, "averageGrade": 4.0,
                                  "homeworkCompletion": 0.75, "grades": 3}
    assert course["trend"] == {"attendanceRate": pytest.approx(2 / 3 - 0.75, abs=1e-3), "averageGrade": -1.0,
                               "homeworkCompletion": pytest.approx(1 / 3 - 0.75, abs=1e-3)}
    assert prog[s.petya] == []


# -- 4. for staff -----------------------------------------------------------------------------------------
JOURNAL = """query($g: ID!) { groupJournal(groupId: $g, from: "2027-03-01T00:00:00Z", to: "2027-03-27T00:00:00Z") {
  lessons { lessonId filled } students { studentId cells { lessonId onLesson attendance grade homeworkDone } } } }"""
AT_RISK = """query($b: ID!) { studentsAtRisk(branchId: $b) { studentId reasons
  metrics { attendanceRate averageGradePercent } } }"""
THRESHOLDS = """mutation($b: ID!) { setRiskThresholds(input: {branchId: $b, minAttendancePercent: 80,
  minGradePercent: 75, windowDays: 30}) { thresholds { minAttendancePercent } errors { code } } }"""


async def test_staff_journal_students_at_risk_and_unfilled_sheets(school: School,
                                                                  learning_now: Callable[[str], None]) -> None:
    s = school
    for client in (s.teacher(s.teacher_a), s.admin):
        j = (await ok(client, JOURNAL, {"g": s.group_a}))["groupJournal"]
        assert [x["lessonId"] for x in j["lessons"]] == s.a[:8] and all(x["filled"] for x in j["lessons"])
        rows = {r["studentId"]: r["cells"] for r in j["students"]}
        assert set(rows) == {s.masha, s.kolya}
        assert [(c["attendance"], c["grade"], c["homeworkDone"]) for c in rows[s.masha]] == list(MASHA)
        assert [c["lessonId"] for c in rows[s.masha]] == s.a[:8]
        assert {(c["attendance"], c["grade"]) for c in rows[s.kolya]} == {("PRESENT", "5")}

    # At risk over the 30 days before Mar 26: Masha attended 5 of 7 counted (71.4 %) and averages
    # (5+4+3+4+2)/5 = 3.6 of 5 (72 %); Kolya is all present with 5s. The default thresholds (70 %, 60 %)
    # let her pass; the school's stricter ones (80 %, 75 %) flag both.
    learning_now("2027-03-26T12:00:00+00:00")
    assert [x["studentId"] for x in (await ok(s.admin, AT_RISK, {"b": s.branch}))["studentsAtRisk"]
            if x["studentId"] in (s.masha, s.kolya)] == []
    assert "FORBIDDEN" in codes(await s.teacher(s.teacher_a).execute(THRESHOLDS, {"b": s.branch}))
    await ok(s.admin, THRESHOLDS, {"b": s.branch})
    risky = {x["studentId"]: x for x in (await ok(s.admin, AT_RISK, {"b": s.branch}))["studentsAtRisk"]}
    assert set(risky) & {s.masha, s.kolya} == {s.masha}
    assert sorted(risky[s.masha]["reasons"]) == ["LOW_ATTENDANCE", "LOW_GRADES"]
    assert risky[s.masha]["metrics"] == {"attendanceRate": pytest.approx(5 / 7, abs=1e-4),
                                         "averageGradePercent": 72.0}
    # Boris (group B) sees nobody of group A; a guardian may not ask.
    boris_view = await ok(s.teacher(s.teacher_b), "{ studentsAtRisk { studentId } }")
    assert {x["studentId"] for x in boris_view["studentsAtRisk"]} & {s.masha, s.kolya} == set()
    assert "FORBIDDEN" in codes(await s.g1.execute(AT_RISK, {"b": s.branch}))

    # Unfilled on Mar 20 (lessons that ended): Olga filled all of hers; Boris only B[0] of
    # B[0..5] (Mar 2, 4, 9, 11, 16, 18).
    learning_now("2027-03-20T12:00:00+00:00")
    unfilled = "{ unfilledSheets(first: 100) { id } }"
    assert (await ok(s.teacher(s.teacher_a), unfilled))["unfilledSheets"] == []
    assert {x["id"] for x in (await ok(s.teacher(s.teacher_b), unfilled))["unfilledSheets"]} == set(s.b[1:6])
    by_admin = await ok(s.admin, "query($t: ID!) { unfilledSheets(teacherId: $t, first: 100) { id } }",
                        {"t": s.teacher_b})
    assert {x["id"] for x in by_admin["unfilledSheets"]} == set(s.b[1:6])
    assert "FORBIDDEN" in codes(await s.g1.execute(unfilled))


# -- 5. events --------------------------------------------------------------------------------------------
async def outbox_types(s: School, lesson_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Learning's outbox rows about one lesson (type, payload), oldest first."""
    from learning.adapters.tables import outbox

    async with s.stack.runtime("learning").sessionmaker() as session:
        bodies = (await session.execute(select(outbox.c.body).order_by(outbox.c.seq))).scalars().all()
    out = []
    for body in bodies:
        env = json.loads(body)
        payload = env.get("payload") or {}
        if payload.get("lesson_id") == lesson_id:
            out.append((str(env.get("type")), payload))
    return out


async def test_grade_posted_and_homework_assigned_go_through_the_outbox(school: School) -> None:
    s = school
    events = await outbox_types(s, s.a[3])
    grades = sorted((p["student_id"], p["grade"], p["scale"]) for t, p in events if t == "learning.grade.posted")
    assert grades == sorted([(s.masha, "3", "five_point"), (s.kolya, "5", "five_point")])
    homework = [p for t, p in events if t == "learning.homework.assigned"]
    assert [(p["text"], p["group_id"], p["due_lesson_id"]) for p in homework] == [
        ("Exercise 3", s.group_a, s.a[4])]
    marked = {p["student_id"]: p for t, p in events if t == "learning.attendance.marked"}
    assert set(marked) == {s.masha, s.kolya}
    assert [t for t, _ in events].count("learning.lesson.conducted") == 1
    # No grade event for a student without a grade (Masha was absent on A[2]).
    assert [p["student_id"] for t, p in await outbox_types(s, s.a[2]) if t == "learning.grade.posted"] == [s.kolya]
