"""Every Query and Mutation field of learning, and every field it adds to Lesson and Student, has an access rule
here: a new field without one fails this test. Private comments never leak through any path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from learning_testkit import Env, guardian, staff, uid

from kabinet.auth import Principal, Role
from learning.schema.schema import schema

B1 = "00000000-0000-4000-8000-0000000000b1"
C1 = "00000000-0000-4000-8000-0000000000c1"
G1 = "00000000-0000-4000-8000-0000000000a1"
T1_ID = "00000000-0000-4000-8000-0000000000d1"

F_OWN, F_OTHER, F_CLASSMATE = "fam-own", "fam-other", "fam-classmate"
S_OWN, S_OTHER = "00000000-0000-4000-8000-00000000005a", "00000000-0000-4000-8000-00000000005b"

ROLES: dict[str, Principal | None] = {
    "anonymous": None,
    "guardian": guardian(F_OWN),
    "other_guardian": guardian(F_OTHER),  # no child on the lesson
    "student": Principal(user_id="s", role=Role.STUDENT, family_id=F_OWN, student_ids=frozenset({S_OWN})),
    # A sibling's own account: a student reads only their own lessons, whatever family the token names.
    "sibling": Principal(user_id="s2", role=Role.STUDENT, family_id=F_OWN,
                         student_ids=frozenset({"00000000-0000-4000-8000-00000000005c"})),
    # A guardian whose token names no family: never matches a participant without one.
    "guardian_without_family": Principal(user_id="g0", role=Role.GUARDIAN),
    "teacher": staff(Role.TEACHER, T1_ID, (B1,)),
    "other_teacher": staff(Role.TEACHER, "t-9", ("b9",)),
    "admin": staff(Role.BRANCH_ADMIN, "a-1", (B1,)),
    "other_admin": staff(Role.BRANCH_ADMIN, "a-9", ("b9",)),
    "owner": Principal(user_id="o", role=Role.OWNER),
}
FAMILY = {"guardian", "student"}
STAFF = {"teacher", "other_teacher", "admin", "other_admin", "owner"}
LESSON_READERS = FAMILY | {"teacher", "admin", "owner"}
SHEET_WRITERS = {"teacher", "admin", "owner"}

ENT = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on %s { %s } } }'
# field -> (operation, roles allowed; everyone else gets FORBIDDEN, anonymous UNAUTHENTICATED)
RULES: dict[str, tuple[str, set[str]]] = {
    "Query.lessonSheet": ('query { lessonSheet(lessonId: "$L") { summary students { comment grade } } }',
                          LESSON_READERS),
    "Query.groupJournal": (
        f'query {{ groupJournal(groupId: "{G1}") {{ students {{ studentId cells {{ grade }} }} }} }}', STAFF),
    "Query.studentsAtRisk": ("query { studentsAtRisk { studentId } }", STAFF),
    "Query.unfilledSheets": ("query { unfilledSheets { id } }", STAFF),
    "Query.riskThresholds": (f'query {{ riskThresholds(branchId: "{B1}") {{ windowDays }} }}',
                             {"teacher", "admin", "owner"}),
    "Mutation.saveLessonSheet": (
        'mutation { saveLessonSheet(input: {lessonId: "$L", summary: "s", idempotencyKey: "$ROLE", students: ['
        '{studentId: "00000000-0000-4000-8000-00000000005a", attendance: PRESENT, comment: "SECRET-OWN"}, '
        '{studentId: "00000000-0000-4000-8000-00000000005b", attendance: PRESENT, comment: "SECRET-OTHER"}]}) '
        '{ sheet { students { comment } } errors { code } } }', SHEET_WRITERS),
    "Mutation.setCourseGradeScale": (
        f'mutation {{ setCourseGradeScale(courseId: "{C1}", gradeScale: FIVE_POINT) {{ errors {{ code }} }} }}',
        {"admin", "owner"}),
    "Mutation.setRiskThresholds": (
        f'mutation {{ setRiskThresholds(input: {{branchId: "{B1}", minAttendancePercent: 50, minGradePercent: 50}}) '
        '{ errors { code } } }', {"admin", "owner"}),
    "Lesson.sheet": (ENT % ("Lesson", "sheet { students { comment } history { students { comment } } }"),
                     SHEET_WRITERS),
    "Lesson.summary": (ENT % ("Lesson", "summary"), LESSON_READERS),
    "Lesson.homework": (ENT % ("Lesson", "homework"), LESSON_READERS),
    "Student.pastLessons": (ENT % ("Student", "pastLessons { edges { node { comment grade } } }"),
                            FAMILY | STAFF),
    "Student.homework": (ENT % ("Student", "homework { text }"), FAMILY | STAFF),
    "Student.progress": (ENT % ("Student", "progress { current { averageGrade } }"), FAMILY | STAFF),
}
# Who may see which child's comment: staff of the lesson see both, a family only its own child's.
SEES_OWN_SECRET = FAMILY | SHEET_WRITERS
SEES_OTHER_SECRET = SHEET_WRITERS


def schema_fields() -> set[str]:
    gql = schema._schema
    out = set()
    for type_name in ("Query", "Mutation", "Lesson", "Student"):
        t = gql.get_type(type_name)
        # familyId/branchId of Student are identity's (@external, what the gateway sends for @requires).
        out |= {f"{type_name}.{name}" for name in t.fields
                if not name.startswith("_") and name != "id" and not (type_name == "Student"
                                                                        and name in ("familyId", "branchId"))}
    return out


def test_every_field_has_a_rule() -> None:
    assert schema_fields() == set(RULES), "add the new field's access rule to RULES"


async def test_authorization_matrix(env: Env) -> None:
    lesson = await env.schedule(branch=B1, teacher=T1_ID, group=G1, course=C1,
                                starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(S_OWN, F_OWN), (S_OTHER, F_CLASSMATE)])
    await env.settled()
    seeded = await env.save(ROLES["owner"], lesson, [
        {"studentId": S_OWN, "attendance": "PRESENT", "grade": "5", "comment": "SECRET-OWN"},
        {"studentId": S_OTHER, "attendance": "PRESENT", "grade": "3", "comment": "SECRET-OTHER"}], homework="read")
    assert seeded["data"]["saveLessonSheet"]["errors"] == []
    failures = []
    for field, (op, allowed) in RULES.items():
        entity = "Student" if field.startswith("Student.") else "Lesson"
        rep = {"__typename": entity, "id": S_OWN if entity == "Student" else lesson}
        for role, principal in ROLES.items():
            query = op.replace("$L", lesson).replace("$ROLE", role + uid())
            client = env.as_(principal) if principal else env.client
            res = await client.execute(query, {"r": [rep]} if "_entities" in query else None)
            text = json.dumps(res)
            codes = [e.get("extensions", {}).get("code") for e in res.get("errors", [])]
            expected = "ok" if role in allowed else "UNAUTHENTICATED" if principal is None else "FORBIDDEN"
            got = "ok" if not codes else codes[0]
            if got != expected:
                failures.append(f"{field} as {role}: expected {expected}, got {got}: {text[:300]}")
            if "SECRET-OWN" in text and role not in SEES_OWN_SECRET:
                failures.append(f"{field} as {role}: leaked the own child's comment")
            if "SECRET-OTHER" in text and role not in SEES_OTHER_SECRET:
                failures.append(f"{field} as {role}: leaked another child's comment")
            assert "Traceback" not in text
    assert not failures, "\n".join(failures)


async def test_every_mutation_refuses_callers_outside_its_scope(env: Env) -> None:
    """Every mutation of the schema (a new one without a RULES row fails ``test_every_field_has_a_rule``) × an
    admin of another branch, a teacher not of the lesson, a guardian of another family, and a student: refused,
    and learning's database is unchanged."""
    from kabinet.testing.snapshot import changes, snapshot
    from learning.adapters.tables import metadata

    lesson = await env.schedule(branch="b1", teacher="t-1", group="g1", course="c1",
                                starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(S_OWN, F_OWN), (S_OTHER, F_CLASSMATE)])
    await env.settled()
    outsiders = {name: ROLES[name] for name in ("other_admin", "other_teacher", "other_guardian", "student")}
    gql = schema._schema
    assert gql.mutation_type is not None
    failures = []
    for name in sorted(gql.mutation_type.fields):
        op, allowed = RULES[f"Mutation.{name}"]
        for role, principal in outsiders.items():
            assert role not in allowed, (name, role)
            query = op.replace("$L", lesson).replace("$ROLE", role + uid())
            before = await snapshot(env.runtime.sessionmaker, metadata)
            res = await env.as_(principal).execute(query)  # type: ignore[arg-type]
            after = await snapshot(env.runtime.sessionmaker, metadata)
            codes = {e.get("extensions", {}).get("code") for e in res.get("errors", [])}
            if "FORBIDDEN" not in codes:
                failures.append(f"{name} as {role}: not refused: {res}")
            if diff := changes(before, after):
                failures.append(f"{name} as {role}: the database changed: {diff}")
    assert not failures, "\n".join(failures)
