"""A lesson's sheet saved by two people (or a phone's retry under another key) at once, on real PostgreSQL: the
save locks the lesson's row (``SELECT … FOR UPDATE``) before it reads the sheet and checks the revision, so saves
of one sheet take turns and the second sees the first's revision. Two saves from revision 0: one wins, the other
gets STALE_REVISION; without an expected revision both go through, as revisions 1 and 2, none lost. Saves of
different lessons at once all go through (each holds only its own lesson)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from learning_testkit import Env, staff, uid

from kabinet.auth import Role

B1 = "00000000-0000-4000-8000-0000000000b1"
T1 = "00000000-0000-4000-8000-0000000000d1"
ROUNDS = 3
HISTORY = "query($id: ID!) { lessonSheet(lessonId: $id) { revision history { revision } } }"


def _code(res: dict[str, Any]) -> str:
    errors = res["data"]["saveLessonSheet"]["errors"]
    return str(errors[0]["code"]) if errors else "ok"


async def _lesson(env: Env) -> tuple[str, str]:
    student = uid()
    lesson = await env.schedule(branch=B1, teacher=T1, starts_at=datetime.now(UTC) - timedelta(hours=2),
                                participants=[(student, uid())])
    return lesson, student


async def test_one_sheet_saved_twice_at_once_from_one_revision_one_wins(env: Env) -> None:
    teacher, admin = staff(Role.TEACHER, T1, (B1,)), staff(Role.BRANCH_ADMIN, uid(), (B1,))
    for _ in range(ROUNDS):
        lesson, s = await _lesson(env)
        await env.settled()
        got = await asyncio.gather(*(env.save(who, lesson, [{"studentId": s, "attendance": mark}], expectedRevision=0,
                                              idempotencyKey=uid(), summary=mark)
                                     for who, mark in ((teacher, "PRESENT"), (admin, "ABSENT"))))
        assert sorted(_code(r) for r in got) == ["STALE_REVISION", "ok"], got
        sheet = (await env.as_(admin).execute(HISTORY, {"id": lesson}))["data"]["lessonSheet"]
        assert sheet == {"revision": 1, "history": [{"revision": 1}]}


async def test_one_sheet_saved_twice_at_once_without_a_revision_keeps_both(env: Env) -> None:
    teacher, admin = staff(Role.TEACHER, T1, (B1,)), staff(Role.BRANCH_ADMIN, uid(), (B1,))
    for _ in range(ROUNDS):
        lessons = [await _lesson(env) for _ in range(3)]
        await env.settled()
        got = await asyncio.gather(*(env.save(who, lesson, [{"studentId": s, "attendance": mark}],
                                              idempotencyKey=uid(), summary=mark)
                                     for lesson, s in lessons
                                     for who, mark in ((teacher, "PRESENT"), (admin, "ABSENT"))))
        assert [_code(r) for r in got] == ["ok"] * 6, got
        for lesson, _ in lessons:
            sheet = (await env.as_(admin).execute(HISTORY, {"id": lesson}))["data"]["lessonSheet"]
            assert sheet == {"revision": 2, "history": [{"revision": 1}, {"revision": 2}]}
