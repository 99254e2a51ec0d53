"""Input at the edges of what parses (a signalling NaN grade, dates at year 1 and 9999): a typed error that changes
nothing, never an internal error."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from learning_testkit import Env, guardian, staff, uid

from kabinet.auth import Role

B1 = "00000000-0000-4000-8000-0000000000b1"
T1 = "00000000-0000-4000-8000-0000000000d1"


async def test_a_signalling_nan_grade_is_an_invalid_grade(env: Env) -> None:
    s1, f1 = uid(), uid()
    lesson = await env.schedule(branch=B1, teacher=T1, starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(s1, f1)])
    await env.settled()
    teacher = staff(Role.TEACHER, T1, (B1,))
    for grade in ("sNaN", "-sNaN"):
        got = await env.save(teacher, lesson, [{"studentId": s1, "attendance": "PRESENT", "grade": grade}])
        assert "errors" not in got, got
        assert got["data"]["saveLessonSheet"]["sheet"] is None
        assert [(e["field"], e["code"]) for e in got["data"]["saveLessonSheet"]["errors"]] == [
            ("students.0.grade", "INVALID_GRADE")]
    sheet = await env.as_(teacher).execute("query($id: ID!) { lessonSheet(lessonId: $id) { revision } }",
                                           {"id": lesson})
    assert sheet["data"]["lessonSheet"]["revision"] == 0


WINDOW = """query($r: [_Any!]!, $from: DateTime, $to: DateTime) { _entities(representations: $r) {
  ... on Student { FIELD } } }"""


async def test_periods_at_the_ends_of_the_calendar_are_invalid_periods(env: Env) -> None:
    s1, f1 = uid(), uid()
    await env.schedule(branch=B1, teacher=T1, starts_at=datetime.now(UTC) - timedelta(hours=2),
                       participants=[(s1, f1)])
    await env.settled()
    homework, progress = "homework(from: $from, to: $to) { lessonId }", "progress(from: $from, to: $to) { courseId }"
    cases = [(homework, None, "9999-12-31T00:00:00+00:00"),  # lessons read up to the due horizon after the end
             (homework, None, "0001-01-02T00:00:00+00:00"),  # the default window before the end
             (progress, "0001-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00")]  # the period before (trend)
    for field, start, end in cases:
        got = await env.as_(guardian(f1)).execute(WINDOW.replace("FIELD", field), {
            "r": [{"__typename": "Student", "id": s1}], "from": start, "to": end})
        codes = [e["extensions"]["code"] for e in got.get("errors", [])]
        assert codes == ["INVALID_PERIOD"], (field, start, end, got)


PAST = """query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Student {
  pastLessons(first: 10, after: $after) { edges { cursor node { lessonId } } } } } }"""


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(b"lesson:" + raw).decode()


async def test_a_past_lessons_cursor_names_one_of_the_students_own_lessons(env: Env) -> None:
    s1, f1, s2, f2 = uid(), uid(), uid(), uid()
    now = datetime.now(UTC)
    own = [await env.schedule(branch=B1, teacher=T1, starts_at=now - timedelta(days=d), participants=[(s1, f1)])
           for d in (3, 2)]
    foreign = await env.schedule(branch=B1, teacher=T1, starts_at=now - timedelta(days=1), participants=[(s2, f2)])
    await env.settled()
    family = env.as_(guardian(f1))
    first = await family.execute(PAST, {"r": [{"__typename": "Student", "id": s1}], "after": None})
    page = first["data"]["_entities"][0]["pastLessons"]["edges"]
    assert [e["node"]["lessonId"] for e in page] == [own[1], own[0]]
    nxt = await family.execute(PAST, {"r": [{"__typename": "Student", "id": s1}], "after": page[0]["cursor"]})
    assert [e["node"]["lessonId"] for e in nxt["data"]["_entities"][0]["pastLessons"]["edges"]] == [own[0]]
    # A NUL in the decoded cursor reached the database (an internal error); another family's lesson as a cursor
    # answered with this student's lessons before it, telling when that lesson is. Both: an unknown cursor.
    for after in (_cursor(b"\x00x"), _cursor(foreign.encode())):
        got = await family.execute(PAST, {"r": [{"__typename": "Student", "id": s1}], "after": after})
        assert "errors" not in got, got
        assert got["data"]["_entities"][0]["pastLessons"]["edges"] == []


SHEET_AND_TEXT = """query($id: ID!, $r: [_Any!]!) { lessonSheet(lessonId: $id) { summary students { studentId grade } }
  _entities(representations: $r) { ... on Lesson { summary homework } } }"""


async def test_a_family_removed_from_a_lesson_before_its_marks_no_longer_reads_it(env: Env) -> None:
    s1, f1, s2, f2, s3, f3 = uid(), uid(), uid(), uid(), uid(), uid()
    lesson = await env.schedule(branch=B1, teacher=T1, starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(s1, f1), (s2, f2), (s3, f3)])
    await env.settled()
    saved = await env.save(staff(Role.TEACHER, T1, (B1,)), lesson,
                           [{"studentId": s2, "attendance": "PRESENT"},
                            {"studentId": s3, "attendance": "PRESENT", "grade": "5"}])
    assert saved["data"]["saveLessonSheet"]["errors"] == [], saved
    # s1 left the group before being marked (its membership ended), s3 after: scheduling no longer lists either.
    for sid, fam in ((s1, f1), (s3, f3)):
        await env.send("scheduling.participant.removed", {"lesson_id": lesson, "branch_id": B1, "student_id": sid,
                                                         "family_id": fam, "reason": "member"})
    await env.settled()
    ask = {"id": lesson, "r": [{"__typename": "Lesson", "id": lesson}]}

    gone = await env.as_(guardian(f1)).execute(SHEET_AND_TEXT, ask)
    assert [e["extensions"]["code"] for e in gone["errors"]] == ["FORBIDDEN", "FORBIDDEN", "FORBIDDEN"], gone
    assert "Past simple" not in str(gone["data"]) and "Ex. 4" not in str(gone["data"])
    marked = await env.as_(guardian(f3)).execute(SHEET_AND_TEXT, ask)  # its own mark stays its record
    assert "errors" not in marked, marked
    assert marked["data"]["lessonSheet"]["students"] == [{"studentId": s3, "grade": "5"}]
    assert marked["data"]["_entities"] == [{"summary": "Past simple", "homework": "Ex. 4 p. 12"}]
