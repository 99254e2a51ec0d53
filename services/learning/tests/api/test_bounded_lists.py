"""A student's lists are windows and pages over the history (issue #15): homework defaults to the last 60 days,
pastLessons pages by cursor, and what is outside the window is still there when asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning_testkit import Env, guardian, staff, uid

from kabinet.auth import Role

B1 = "00000000-0000-4000-8000-0000000000b2"
G1 = "00000000-0000-4000-8000-0000000000a2"
T1 = "00000000-0000-4000-8000-0000000000d2"

LISTS = """query($r: [_Any!]!, $first: Int!, $after: String, $from: DateTime) { _entities(representations: $r) {
  ... on Student { recent: homework { lessonId status }  all: homework(from: $from, first: 200) { lessonId }
  two: homework(from: $from, first: 2) { lessonId }
  pastLessons(first: $first, after: $after) { totalCount edges { cursor node { lessonId homework } }
    pageInfo { hasNextPage endCursor } } } } }"""


async def test_homework_is_a_window_and_past_lessons_a_page(env: Env) -> None:
    family, student = uid(), uid()
    now = datetime.now(UTC).replace(microsecond=0)
    days_ago = [200, 150, 90, 40, 20, 5]
    lessons = [await env.schedule(branch=B1, teacher=T1, group=G1, starts_at=now - timedelta(days=d),
                                  participants=[(student, family)]) for d in days_ago]
    await env.settled()
    for i, lesson in enumerate(lessons):
        done = await env.save(staff(Role.TEACHER, T1), lesson, [{"studentId": student, "attendance": "PRESENT",
                                                                 "homeworkDone": "YES"}], homework=f"hw-{i}")
        assert done["data"]["saveLessonSheet"]["errors"] == [], done
    newest_first = lessons[::-1]
    ref = [{"__typename": "Student", "id": student}]
    year_ago = (now - timedelta(days=365)).isoformat()

    seen: list[str] = []
    after = None
    while True:
        got = await env.as_(guardian(family)).execute(LISTS, {"r": ref, "first": 4, "after": after,
                                                              "from": year_ago})
        assert "errors" not in got, got
        st = got["data"]["_entities"][0]
        assert [h["lessonId"] for h in st["recent"]] == newest_first[:3]  # set in the last 60 days
        assert [h["lessonId"] for h in st["all"]] == newest_first
        assert [h["lessonId"] for h in st["two"]] == newest_first[:2]
        page = st["pastLessons"]
        assert page["totalCount"] == 6
        seen += [e["node"]["lessonId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == newest_first
    # The newest homework is due at no known lesson yet (open); the others were checked at the next one.
    assert [h["status"] for h in st["recent"]] == ["OPEN", "DONE", "DONE"]

    stale = await env.as_(guardian(family)).execute(LISTS, {"r": ref, "first": 4, "after": "bm90LWEtY3Vyc29y"})
    assert stale["data"]["_entities"][0]["pastLessons"]["edges"] == []
