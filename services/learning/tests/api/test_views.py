"""Family views (past lessons, homework, progress with trend) and staff views (journal, at risk, unfilled)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from learning_testkit import Env, guardian, staff, uid

from kabinet.auth import Principal, Role

B1 = "00000000-0000-4000-8000-0000000000b1"
C1 = "00000000-0000-4000-8000-0000000000c1"
G1 = "00000000-0000-4000-8000-0000000000a1"
T1_ID = "00000000-0000-4000-8000-0000000000d1"
T9_ID = "00000000-0000-4000-8000-0000000000d9"

STUDENT = """query($r: [_Any!]!, $from: DateTime, $to: DateTime) { _entities(representations: $r) { ... on Student {
  id
  pastLessons(first: 10) { totalCount edges { node {
    lessonId summary homework attendance homeworkDone grade comment } } }
  homework { lessonId text status result dueLessonId }
  progress(from: $from, to: $to) { courseId gradeScale
    current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion }
    previous { attendanceRate averageGrade homeworkCompletion }
    trend { attendanceRate averageGrade homeworkCompletion } } } } }"""


async def test_family_sees_results_homework_and_progress(env: Env) -> None:
    f1, f2, s1, s2, t = uid(), uid(), uid(), uid(), T1_ID
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=30)
    teacher = staff(Role.TEACHER, t)
    # current period: PRESENT 5 hw YES, LATE 4 hw PARTLY, ABSENT; previous period: PRESENT 3 hw NO
    plan = [(start - timedelta(days=10), "PRESENT", "NO", "3"), (start + timedelta(days=5), "PRESENT", "YES", "5"),
            (start + timedelta(days=12), "LATE", "PARTLY", "4"), (start + timedelta(days=20), "ABSENT", None, None)]
    lessons = []
    for when, *_ in plan:
        lessons.append(await env.schedule(branch=B1, teacher=t, group=G1, course=C1, starts_at=when,
                                          participants=[(s1, f1), (s2, f2)]))
    await env.settled()
    for i, (lesson, (_, att, hw, grade)) in enumerate(zip(lessons, plan, strict=True)):
        row = {"studentId": s1, "attendance": att, "homeworkDone": hw, "grade": grade, "comment": f"note-{i}"}
        other = {"studentId": s2, "attendance": "PRESENT", "grade": "2", "comment": "SECRET-S2"}
        res = await env.save(teacher, lesson, [row, other], homework=f"hw-{i}", summary=f"sum-{i}")
        assert res["data"]["saveLessonSheet"]["errors"] == [], res

    got = await env.as_(guardian(f1)).execute(STUDENT, {"r": [{"__typename": "Student", "id": s1}],
                                                        "from": start.isoformat(), "to": end.isoformat()})
    assert "errors" not in got, got
    st = got["data"]["_entities"][0]
    assert "SECRET" not in json.dumps(got)
    assert st["pastLessons"]["totalCount"] == 4
    newest = st["pastLessons"]["edges"][0]["node"]
    assert newest == {"lessonId": lessons[3], "summary": "sum-3", "homework": "hw-3", "attendance": "ABSENT",
                      "homeworkDone": None, "grade": None, "comment": "note-3"}
    hw_status = {h["lessonId"]: (h["status"], h["result"]) for h in st["homework"]}
    assert hw_status == {lessons[0]: ("DONE", "YES"), lessons[1]: ("DONE", "PARTLY"), lessons[2]: ("OPEN", None),
                  lessons[3]: ("OPEN", None)}
    [p] = st["progress"]
    # hand-computed: attended 2 of 3 = 0.6667; grades 5, 4 -> 4.5 (90 %); homework (1 + 0.5) / 2 = 0.75
    assert p["current"] == {"lessons": 3, "attended": 2, "attendanceRate": 0.6667, "averageGrade": 4.5,
                            "averageGradePercent": 90.0, "homeworkCompletion": 0.75}
    assert p["previous"] == {"attendanceRate": 1.0, "averageGrade": 3.0, "homeworkCompletion": 0.0}
    assert p["trend"] == {"attendanceRate": -0.3333, "averageGrade": 1.5, "homeworkCompletion": 0.75}
    assert (p["courseId"], p["gradeScale"]) == (C1, "FIVE_POINT")

    # another family, another group's teacher: nothing
    denied = await env.as_(guardian(f2)).execute(STUDENT, {"r": [{"__typename": "Student", "id": s1}]})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN" and "note-" not in json.dumps(denied)
    stranger = await env.as_(staff(Role.TEACHER, T9_ID)).execute(
        STUDENT, {"r": [{"__typename": "Student", "id": s1}]})
    assert stranger["data"]["_entities"][0]["pastLessons"]["totalCount"] == 0
    assert stranger["data"]["_entities"][0]["progress"] == [] and "note-" not in json.dumps(stranger)


async def test_staff_journal_at_risk_and_unfilled(env: Env) -> None:
    t, b = T1_ID, B1
    students = [(uid(), uid()) for _ in range(3)]
    now = datetime.now(UTC)
    lessons = [await env.schedule(branch=b, teacher=t, group=G1, course=C1, starts_at=now - timedelta(days=d),
                                  participants=students) for d in (6, 4, 2)]
    other = await env.schedule(branch=b, teacher=T9_ID, group="g9", starts_at=now - timedelta(days=1),
                               participants=[(uid(), uid())])
    await env.settled()
    teacher = staff(Role.TEACHER, t)
    unfilled = await env.as_(teacher).execute("{ unfilledSheets { id } }")
    assert {x["id"] for x in unfilled["data"]["unfilledSheets"]} == set(lessons)
    (a, _), (bb, _), (c, _) = students
    for lesson in lessons[:2]:
        await env.save(teacher, lesson, [{"studentId": a, "attendance": "PRESENT", "grade": "5"},
                                         {"studentId": bb, "attendance": "ABSENT"},
                                         {"studentId": c, "attendance": "PRESENT", "grade": "2"}])
    # a sheet with someone unmarked is still unfilled
    await env.save(teacher, lessons[2], [{"studentId": a, "attendance": "PRESENT"}])
    unfilled = await env.as_(teacher).execute("{ unfilledSheets { id sheet { filled } } }")
    assert unfilled["data"]["unfilledSheets"] == [{"id": lessons[2], "sheet": {"filled": True}}]
    admin = staff(Role.BRANCH_ADMIN, "adm", (b,))
    unfilled = await env.as_(admin).execute("{ unfilledSheets { id } }")
    assert {x["id"] for x in unfilled["data"]["unfilledSheets"]} == {lessons[2], other}

    j = await env.as_(teacher).execute(
        f'query {{ groupJournal(groupId: "{G1}") {{ lessons {{ lessonId filled }} '
        'students { studentId cells { lessonId attendance grade onLesson } } } }')
    journal = j["data"]["groupJournal"]
    assert [x["lessonId"] for x in journal["lessons"]] == lessons
    rows = {r["studentId"]: r["cells"] for r in journal["students"]}
    assert [c_["attendance"] for c_ in rows[bb]] == ["ABSENT", "ABSENT", None]
    assert [c_["grade"] for c_ in rows[c]] == ["2", "2", None]
    nothing = await env.as_(staff(Role.TEACHER, T9_ID)).execute(
        f'query {{ groupJournal(groupId: "{G1}") {{ lessons {{ lessonId }} students {{ studentId }} }} }}')
    assert nothing["data"]["groupJournal"] == {"lessons": [], "students": []}

    # thresholds set by the branch admin; b: attendance 0 (below 70 %), c: grades 2/5 = 40 % (below 60 %)
    res = await env.as_(admin).execute(
        f'mutation {{ setRiskThresholds(input: {{branchId: "{B1}", minAttendancePercent: 70, minGradePercent: 60,'
        ' windowDays: 30}) { thresholds { windowDays } errors { code } } }')
    assert res["data"]["setRiskThresholds"]["errors"] == []
    risk = await env.as_(admin).execute(
        f'{{ studentsAtRisk(branchId: "{B1}") {{ studentId reasons '
        'metrics { attendanceRate averageGradePercent } } }')
    found = {r["studentId"]: r for r in risk["data"]["studentsAtRisk"]}
    assert set(found) == {bb, c}
    assert found[bb]["reasons"] == ["LOW_ATTENDANCE"] and found[bb]["metrics"]["attendanceRate"] == 0.0
    assert found[c]["reasons"] == ["LOW_GRADES"] and found[c]["metrics"]["averageGradePercent"] == 40.0
    bad = await env.as_(admin).execute(
        f'mutation {{ setRiskThresholds(input: {{branchId: "{B1}", minAttendancePercent: 170, minGradePercent: 60}})'
        ' { errors { code field } } }')
    assert bad["data"]["setRiskThresholds"]["errors"] == [
        {"code": "INVALID_THRESHOLD", "field": "minAttendancePercent"}]
    family = await env.as_(guardian(students[0][1])).execute('{ studentsAtRisk { studentId } }')
    assert family["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # a course on a 10-point scale
    owner = Principal(user_id="o", role=Role.OWNER)
    res = await env.as_(owner).execute(f'mutation {{ setCourseGradeScale(courseId: "{C1}", gradeScale: TEN_POINT)'
                                       ' { gradeScale errors { code } } }')
    assert res["data"]["setCourseGradeScale"] == {"gradeScale": "TEN_POINT", "errors": []}
    ok = await env.save(teacher, lessons[2], [{"studentId": bb, "attendance": "PRESENT", "grade": "9"}])
    assert ok["data"]["saveLessonSheet"]["errors"] == [] and ok["data"]["saveLessonSheet"]["sheet"][
        "gradeScale"] == "TEN_POINT"


async def test_erasure_removes_comments(env: Env) -> None:
    f, s = uid(), uid()
    lesson = await env.schedule(branch=B1, teacher="t", starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(s, f)])
    await env.settled()
    await env.save(staff(Role.TEACHER, "t"), lesson, [{"studentId": s, "attendance": "PRESENT", "comment": "PII"}])
    await env.send("identity.student.erased", {"student_id": s, "family_id": f})
    await env.settled()
    got = await env.as_(Principal(user_id="o", role=Role.OWNER)).execute(
        'query($id: ID!) { lessonSheet(lessonId: $id) { students { attendance comment } '
        'history { students { comment } } } }', {"id": lesson})
    assert "PII" not in json.dumps(got) and got["data"]["lessonSheet"]["students"][0]["attendance"] == "PRESENT"


async def test_a_students_family_is_identitys_when_known_else_the_lessons(env: Env) -> None:
    """The cabinet's past lessons and homework check the family identity gave learning (read with the lessons);
    for a student identity has not told learning of, the family the lessons carry. A family the student has
    left sees nothing, with or without lessons in the window."""
    old, new, s, t = uid(), uid(), uid(), uid()
    lesson = await env.schedule(branch=B1, teacher="t", group=G1, starts_at=datetime.now(UTC) - timedelta(days=2),
                                participants=[(s, old), (t, old)])
    await env.settled()
    await env.save(staff(Role.TEACHER, "t"), lesson, [{"studentId": s, "attendance": "PRESENT", "grade": "5"},
                                                       {"studentId": t, "attendance": "PRESENT"}], homework="Read")
    await env.send("identity.student.updated", {"student_id": s, "family_id": new})  # moved to another family
    await env.settled()
    query = ('query($r: [_Any!]!) { _entities(representations: $r) { ... on Student { pastLessons(first: 5) { '
             'edges { node { lessonId grade } } } homework { lessonId } } } }')

    async def read(family: str, student: str) -> dict[str, object]:
        rep = {"__typename": "Student", "id": student, "familyId": family}
        return await env.as_(guardian(family)).execute(query, {"r": [rep]})

    mine = await read(new, s)
    assert "errors" not in mine, mine
    entity = mine["data"]["_entities"][0]  # type: ignore[index]
    assert [e["node"]["lessonId"] for e in entity["pastLessons"]["edges"]] == [lesson]
    assert [h["lessonId"] for h in entity["homework"]] == [lesson]
    left = await read(old, s)
    assert left["errors"][0]["extensions"]["code"] == "FORBIDDEN" and "Read" not in json.dumps(left)  # type: ignore[index]
    # t: identity never told learning of them; the lessons' family reads, another does not.
    assert "errors" not in await read(old, t)
    assert (await read(new, t))["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]
