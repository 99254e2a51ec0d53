"""The lesson sheet through learning's /graphql on real PostgreSQL + RabbitMQ: events in, sheet saved once,
history kept, events out through the outbox, access rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from learning_testkit import SHEET_FIELDS, Env, guardian, staff, uid
from sqlalchemy import select

from kabinet.auth import Principal, Role
from learning.adapters.tables import outbox

B1 = "00000000-0000-4000-8000-0000000000b1"
C1 = "00000000-0000-4000-8000-0000000000c1"
G1 = "00000000-0000-4000-8000-0000000000a1"
T1_ID = "00000000-0000-4000-8000-0000000000d1"
T2_ID = "00000000-0000-4000-8000-0000000000d2"
T9_ID = "00000000-0000-4000-8000-0000000000d9"

T1, T2, T_OTHER = T1_ID, T2_ID, T9_ID


async def outbox_types(env: Env) -> list[str]:
    """What learning published, but what it announced for caches of applying scheduling's lessons."""
    async with env.runtime.sessionmaker() as s:
        return [r.routing_key for r in (await s.execute(select(outbox).order_by(outbox.c.seq))).all()
                if r.routing_key != "learning.events.applied.v1"]


async def test_sheet_saved_once_edited_with_history_and_events(env: Env) -> None:
    b, f1, f2, s1, s2, s3 = B1, uid(), uid(), uid(), uid(), uid()
    lesson = await env.schedule(branch=b, teacher=T1, group=G1, course=C1,
                                starts_at=datetime.now(UTC) - timedelta(hours=3), participants=[(s1, f1), (s2, f2)])
    nxt = await env.schedule(branch=b, teacher=T1, group=G1, course=C1,
                             starts_at=datetime.now(UTC) + timedelta(days=2), participants=[(s1, f1), (s2, f2)])
    # a make-up added later appears on the sheet
    await env.send("scheduling.participant.added", {
        "lesson_id": lesson, "branch_id": b, "group_id": G1, "course_id": C1, "teacher_id": T1,
        "lesson_type": "group", "charged_by_default": True,
        "starts_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "ends_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "student_id": s3, "family_id": f1,
        "reason": "makeup", "price": {"amount": "0.00", "currency": "RUB"}})
    await env.settled()
    teacher = staff(Role.TEACHER, T1, (b,))

    got = await env.as_(teacher).execute("query($id: ID!) { lessonSheet(lessonId: $id) { " + SHEET_FIELDS + " } }",
                                         {"id": lesson})
    roster = {r["studentId"]: r for r in got["data"]["lessonSheet"]["students"]}
    assert set(roster) == {s1, s2, s3} and roster[s3]["reason"] == "makeup"
    assert got["data"]["lessonSheet"]["revision"] == 0

    rows = [{"studentId": s1, "attendance": "PRESENT", "homeworkDone": "YES", "grade": "5", "comment": "Well done"},
            {"studentId": s2, "attendance": "ABSENT"},
            {"studentId": s3, "attendance": "LATE", "grade": "4"}]
    first = await env.save(teacher, lesson, rows, idempotencyKey="k1")
    assert first["data"]["saveLessonSheet"]["errors"] == [], first
    assert first["data"]["saveLessonSheet"]["sheet"]["revision"] == 1
    events = await outbox_types(env)
    assert sorted(events) == sorted(["learning.attendance.marked.v1"] * 3 + ["learning.grade.posted.v1"] * 2
                                    + ["learning.homework.assigned.v1", "learning.lesson.conducted.v1"])

    # the phone retries: same key, same sheet -> nothing changes, no new events
    again = await env.save(teacher, lesson, rows, idempotencyKey="k1")
    assert again["data"]["saveLessonSheet"]["sheet"]["revision"] == 1
    assert await outbox_types(env) == events
    reused = await env.save(teacher, lesson, rows[:1], idempotencyKey="k1", summary="other")
    assert reused["data"]["saveLessonSheet"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"

    # bad input: typed error, nothing changes
    bad = await env.save(teacher, lesson, [{"studentId": s1, "attendance": "PRESENT", "grade": "7"}])
    assert bad["data"]["saveLessonSheet"] == {"sheet": None, "errors": [
        {"field": "students.0.grade", "code": "INVALID_GRADE",
         "message": "The grade must be a whole number from 1 to 5."}]}
    stranger = await env.save(teacher, lesson, [{"studentId": uid(), "attendance": "PRESENT"}])
    assert stranger["data"]["saveLessonSheet"]["errors"][0]["code"] == "NOT_A_PARTICIPANT"
    stale = await env.save(teacher, lesson, rows, expectedRevision=0, summary="changed")
    assert stale["data"]["saveLessonSheet"]["errors"][0]["code"] == "STALE_REVISION"
    assert await outbox_types(env) == events

    # an edit: a new revision, and only what changed is published (s2 came after all)
    edit = await env.save(teacher, lesson, [{"studentId": s2, "attendance": "LATE"}], idempotencyKey="k2",
                          expectedRevision=1)
    assert edit["data"]["saveLessonSheet"]["sheet"]["revision"] == 2
    assert (await outbox_types(env))[len(events):] == ["learning.attendance.marked.v1"]
    async with env.runtime.sessionmaker() as s:
        last = json.loads((await s.execute(select(outbox.c.body).order_by(outbox.c.seq.desc()).limit(1))).scalar_one())
    assert last["payload"] | {"marked_at": None} == {
        "lesson_id": lesson, "branch_id": b, "student_id": s2, "family_id": f2, "status": "late",
        "lesson_type": "group", "revision": 2, "marked_at": None}
    hist = await env.as_(teacher).execute(
        "query($id: ID!) { lessonSheet(lessonId: $id) { history { revision savedBy students { studentId attendance } }"
        " } }", {"id": lesson})
    history = hist["data"]["lessonSheet"]["history"]
    assert [h["revision"] for h in history] == [1, 2] and history[0]["savedBy"] == T1
    assert {r["studentId"]: r["attendance"] for r in history[0]["students"]}[s2] == "ABSENT"

    # homework points at the group's next lesson
    async with env.runtime.sessionmaker() as s:
        bodies = [json.loads(b) for b in (await s.execute(select(outbox.c.body))).scalars()]
    hw = next(b for b in bodies if b["type"] == "learning.homework.assigned")
    assert hw["payload"]["due_lesson_id"] == nxt
    # Its students (the make-up too) are named as changed; the group and the due lesson only as context.
    assert hw["payload"]["student_ids"] == sorted([s1, s2, s3])
    assert hw["changed_ids"] == sorted([lesson, s1, s2, s3])
    marked = next(b for b in bodies if b["type"] == "learning.attendance.marked")
    assert B1 not in marked["changed_ids"] and marked["payload"]["student_id"] in marked["changed_ids"]

    async def published() -> bool:
        async with env.runtime.sessionmaker() as s:
            return all(r.published_at for r in (await s.execute(select(outbox))).all())

    from kabinet.testing.stack import eventually
    await eventually(published)


async def test_who_may_write_and_read_a_sheet(env: Env) -> None:
    b, f1, f2, s1, s2 = B1, uid(), uid(), uid(), uid()
    start = datetime.now(UTC) - timedelta(hours=3)
    lesson = await env.schedule(branch=b, teacher=T1, group=G1, starts_at=start, participants=[(s1, f1), (s2, f2)])
    future = await env.schedule(branch=b, teacher=T1, group=G1, starts_at=datetime.now(UTC) + timedelta(days=1),
                                participants=[(s1, f1)])
    await env.settled()
    rows = [{"studentId": s1, "attendance": "PRESENT", "grade": "5", "comment": "SECRET-1"},
            {"studentId": s2, "attendance": "PRESENT", "grade": "2", "comment": "SECRET-2"}]

    other_teacher = staff(Role.TEACHER, T_OTHER, (b,))
    other_admin = staff(Role.BRANCH_ADMIN, "adm-2", ("b2",))
    for who in (other_teacher, other_admin, guardian(f1)):
        denied = await env.save(who, lesson, rows)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN", denied
        assert denied["data"] is None
    anon = await env.client.execute("mutation($l: ID!) { saveLessonSheet(input: {lessonId: $l}) { errors { code } } }",
                                    {"l": lesson})
    assert anon["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    admin = staff(Role.BRANCH_ADMIN, "adm-1", (b,))
    assert (await env.save(admin, lesson, rows))["data"]["saveLessonSheet"]["errors"] == []
    early = await env.save(staff(Role.TEACHER, T1), future, rows[:1])
    assert early["data"]["saveLessonSheet"]["errors"][0]["code"] == "LESSON_NOT_STARTED"

    # a replacement teacher may fill it; the regular teacher keeps access
    await env.send("scheduling.lesson.rescheduled", {"lesson_id": lesson, "branch_id": b,
                                                     "starts_at": start.isoformat(),
                                                     "ends_at": (start + timedelta(hours=1)).isoformat(),
                                                     "teacher_id": T2, "room_id": None})
    await env.settled()
    rows[0]["grade"] = "4"
    assert (await env.save(staff(Role.TEACHER, T2), lesson, rows))["data"]["saveLessonSheet"]["errors"] == []
    assert (await env.save(staff(Role.TEACHER, T1), lesson, rows, summary="x"))["data"]["saveLessonSheet"][
        "errors"] == []

    q = "query($id: ID!) { lessonSheet(lessonId: $id) { summary students { studentId grade comment } } }"
    mine = await env.as_(guardian(f1)).execute(q, {"id": lesson})
    assert mine["data"]["lessonSheet"]["students"] == [{"studentId": s1, "grade": "4", "comment": "SECRET-1"}]
    theirs = await env.as_(guardian(f2)).execute(q, {"id": lesson})
    assert theirs["data"]["lessonSheet"]["students"] == [{"studentId": s2, "grade": "2", "comment": "SECRET-2"}]
    for who in (other_teacher, other_admin, guardian(uid())):
        res = await env.as_(who).execute(q, {"id": lesson})
        assert res["errors"][0]["extensions"]["code"] == "FORBIDDEN" and "SECRET" not in json.dumps(res)
        ent = await env.as_(who).execute(
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Lesson { summary sheet { students {"
            " comment } } } } }", {"r": [{"__typename": "Lesson", "id": lesson}]})
        assert "SECRET" not in json.dumps(ent) and ent["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # cancelled lessons cannot be filled
    await env.send("scheduling.lesson.cancelled", {"lesson_id": lesson, "branch_id": b, "reason": "teacher ill"})
    await env.settled()
    assert (await env.save(admin, lesson, rows, summary="y"))["data"]["saveLessonSheet"]["errors"][0][
        "code"] == "LESSON_CANCELLED"


async def test_a_save_answers_with_the_sheet_as_a_read_after_it_shows_it(env: Env) -> None:
    """The mutation answers from what it read and wrote (not a re-read): the same sheet a query then returns,
    for a first save, a retry, a partial edit and a save that changes nothing; on the course's own scale."""
    b, f1, f2, s1, s2, s3 = B1, uid(), uid(), uid(), uid(), uid()
    course = uid()
    owner = staff(Role.OWNER)
    scale = await env.as_(owner).execute(
        'mutation($c: ID!) { setCourseGradeScale(courseId: $c, gradeScale: TEN_POINT) { errors { code } } }',
        {"c": course})
    assert scale["data"]["setCourseGradeScale"]["errors"] == [], scale
    lesson = await env.schedule(branch=b, teacher=T1, group=G1, course=course,
                                starts_at=datetime.now(UTC) - timedelta(hours=3),
                                participants=[(s1, f1), (s2, f2), (s3, f1)])
    await env.settled()
    teacher = staff(Role.TEACHER, T1, (b,))
    fields = SHEET_FIELDS + " updatedAt"
    save = ("mutation($input: SaveLessonSheetInput!) { saveLessonSheet(input: $input) { sheet { " + fields
            + " } errors { code } } }")
    read = "query($id: ID!) { lessonSheet(lessonId: $id) { " + fields + " } }"

    async def saved_then_read(**payload: object) -> dict[str, object]:
        got = await env.as_(teacher).execute(save, {"input": {"lessonId": lesson, "summary": "Past simple",
                                                              "homework": "Ex. 4", **payload}})
        assert got["data"]["saveLessonSheet"]["errors"] == [], got
        answered = got["data"]["saveLessonSheet"]["sheet"]
        assert answered == (await env.as_(teacher).execute(read, {"id": lesson}))["data"]["lessonSheet"]
        return answered  # type: ignore[no-any-return]

    rows = [{"studentId": s1, "attendance": "PRESENT", "homeworkDone": "YES", "grade": "9", "comment": "Good"},
            {"studentId": s2, "attendance": "ABSENT"}]
    first = await saved_then_read(students=rows, idempotencyKey="a")
    assert first["revision"] == 1 and first["gradeScale"] == "TEN_POINT" and len(first["students"]) == 3
    assert await saved_then_read(students=rows, idempotencyKey="a") == first  # the retry
    edit = await saved_then_read(students=[{"studentId": s3, "attendance": "LATE", "grade": "7"}])
    assert edit["revision"] == 2 and {r["studentId"]: r["grade"] for r in edit["students"]} == {
        s1: "9", s2: None, s3: "7"}
    assert await saved_then_read(students=[{"studentId": s3, "attendance": "LATE", "grade": "7"}]) == edit


async def test_a_lesson_the_caller_may_not_see_is_answered_as_one_that_is_not_there(env: Env) -> None:
    """lessonSheet and saveLessonSheet name a lesson: one learning does not know and one the caller may not see
    get the same FORBIDDEN (before, null or LESSON_NOT_FOUND for the first told another branch's staff and other
    families that the second exists). The owner, who may see every lesson, still hears "not known (yet)"."""
    f1, s1 = uid(), uid()
    lesson = await env.schedule(branch=B1, teacher=T1, group=G1, starts_at=datetime.now(UTC) - timedelta(hours=3),
                                participants=[(s1, f1)])
    await env.settled()
    unknown = uid()
    read = "query($id: ID!) { lessonSheet(lessonId: $id) { revision } }"
    outsiders = (staff(Role.TEACHER, T_OTHER, (B1,)), staff(Role.BRANCH_ADMIN, "adm-2", ("b2",)), guardian(uid()),
                 Principal(user_id="s9", role=Role.STUDENT, family_id=uid(), student_ids=frozenset({uid()})))
    for who in outsiders:
        answers = []
        for lesson_id in (lesson, unknown):
            got = await env.as_(who).execute(read, {"id": lesson_id})
            saved = await env.save(who, lesson_id, [{"studentId": s1, "attendance": "ABSENT"}],
                                   idempotencyKey=uid())
            answers.append(([e["extensions"]["code"] for e in got.get("errors", [])], got["data"],
                            [e["extensions"]["code"] for e in saved.get("errors", [])], saved["data"]))
        assert answers[0] == answers[1] == (["FORBIDDEN"], {"lessonSheet": None}, ["FORBIDDEN"], None), \
            (who.role, answers)
    owner = Principal(user_id="o", role=Role.OWNER)
    assert (await env.as_(owner).execute(read, {"id": unknown}))["data"] == {"lessonSheet": None}
    not_yet = await env.save(owner, unknown, [{"studentId": s1, "attendance": "ABSENT"}])
    assert [e["code"] for e in not_yet["data"]["saveLessonSheet"]["errors"]] == ["LESSON_NOT_FOUND"]
