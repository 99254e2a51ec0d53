"""Demo data for `make run`: a few filled sheets for past demo lessons.

Learning knows lessons only from scheduling's events, so it seeds from its own projection (after scheduling's
seeder ran and its events were drained), through the real use case, so the usual events flow out.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from kabinet.auth.principal import Principal, Role
from kabinet.runtime import ServiceRuntime
from learning.adapters.tables import lessons, sheets
from learning.adapters.unit_of_work import learning_uow
from learning.domain.model import Attendance, HomeworkDone, MarkDraft, SheetDraft
from learning.service.sheets import SaveSheet, save_sheet

SUMMARIES = ["Present simple: questions and negatives", "Reading: 'A day in London'", "Vocabulary: food and drink",
             "Listening practice and dictation", "Past simple of irregular verbs"]
HOMEWORK = ["Workbook p. 12, ex. 1-3", "Learn 10 new words", "Write 5 sentences about your weekend",
            "Read the text on p. 30 aloud", ""]
COMMENTS = ["Very attentive today", "Needs to practise reading at home", None, "Great progress!", None]


async def seed(runtime: ServiceRuntime, max_sheets: int = 12, **_: Any) -> dict[str, Any]:
    rnd = random.Random(7)  # the same demo every time
    now = datetime.now(UTC)
    async with runtime.sessionmaker() as s:
        past = (await s.execute(
            select(lessons.c.id).where(lessons.c.ends_at <= now, lessons.c.cancelled.is_(False),
                                       ~lessons.c.id.in_(select(sheets.c.lesson_id)))
            .order_by(lessons.c.starts_at.desc()).limit(max_sheets))).scalars().all()
    owner = Principal(user_id="demo-seed", role=Role.OWNER)
    filled = []
    for lesson_id in past:
        async with learning_uow(runtime.uow()) as uow:
            lesson = await uow.projections.lesson(lesson_id)
        if lesson is None:
            continue
        marks = tuple(
            MarkDraft(sid, rnd.choices(list(Attendance), weights=[8, 1, 1, 1])[0],
                      rnd.choice(list(HomeworkDone)), str(rnd.choice([3, 4, 4, 5, 5])), rnd.choice(COMMENTS))
            for sid, p in sorted(lesson.participants.items()) if p.active)
        draft = SheetDraft(lesson_id, rnd.choice(SUMMARIES), rnd.choice(HOMEWORK), marks)
        async with learning_uow(runtime.uow()) as uow:
            await save_sheet(SaveSheet(draft, now, idempotency_key=f"demo-{lesson_id}"), uow, owner)
        filled.append(lesson_id)
    return {"sheets": filled}
