"""Support questions and their topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import question_topics, questions
from identity.domain.model import new_id
from identity.domain.questions import Question, QuestionStatus, Topic
from kabinet.db.any_of import any_of

SCHOOL_WIDE = "*"


def _question(r: Row[Any]) -> Question:
    return Question(r.id, r.family_id, r.branch_id, r.topic, r.text, r.asked_by, r.due_at, r.student_id,
                    QuestionStatus(r.status), r.asked_at, r.answer, r.answered_by, r.answered_at, r.closed_at)


class SqlQuestionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def topic(self, code: str, branch_id: str) -> Topic | None:
        """The branch's own setting for the topic, else the school-wide one."""
        rows = (await self.session.execute(select(question_topics).where(
            question_topics.c.code == code, question_topics.c.scope.in_([branch_id, SCHOOL_WIDE])))).all()
        rows = sorted(rows, key=lambda r: r.scope == SCHOOL_WIDE)
        return None if not rows else self._topic(rows[0])

    async def topics(self, branch_id: str | None) -> list[Topic]:
        scopes = [SCHOOL_WIDE] + ([branch_id] if branch_id else [])
        rows = (await self.session.execute(select(question_topics).where(any_of(question_topics.c.scope, scopes))
                                           .order_by(question_topics.c.code))).all()
        chosen: dict[str, Row[Any]] = {}
        for r in rows:
            if r.code not in chosen or r.scope != SCHOOL_WIDE:
                chosen[r.code] = r
        return [self._topic(r) for r in chosen.values()]

    @staticmethod
    def _topic(r: Row[Any]) -> Topic:
        return Topic(r.code, r.title, r.response_hours, r.response_working_days,
                     None if r.scope == SCHOOL_WIDE else r.scope)

    async def set_topic(self, t: Topic) -> None:
        scope = t.branch_id or SCHOOL_WIDE
        values = {"title": t.title, "response_hours": t.response_hours,
                  "response_working_days": t.response_working_days}
        result = await self.session.execute(update(question_topics).where(
            question_topics.c.scope == scope, question_topics.c.code == t.code).values(**values))
        if not result.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(insert(question_topics).values(id=new_id(), scope=scope, code=t.code,
                                                                       **values))

    async def add(self, q: Question) -> None:
        await self.session.execute(insert(questions).values(
            id=q.id, family_id=q.family_id, student_id=q.student_id, branch_id=q.branch_id, topic=q.topic,
            text=q.text, asked_by=q.asked_by, status=q.status.value, asked_at=q.asked_at, due_at=q.due_at))

    async def save(self, q: Question) -> None:
        await self.session.execute(update(questions).where(questions.c.id == q.id).values(
            status=q.status.value, answer=q.answer, answered_by=q.answered_by, answered_at=q.answered_at,
            closed_at=q.closed_at))

    async def get(self, question_id: str, *, for_update: bool = False) -> Question | None:
        stmt = select(questions).where(questions.c.id == question_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _question(row)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Question]:
        rows = (await self.session.execute(select(questions).where(any_of(questions.c.id, ids)))).all()
        return {r.id: _question(r) for r in rows}

    async def of_family(self, family_id: str) -> list[Question]:
        rows = (await self.session.execute(select(questions).where(questions.c.family_id == family_id)
                                           .order_by(questions.c.asked_at.desc()))).all()
        return [_question(r) for r in rows]

    async def of_branches(self, branch_ids: Sequence[str] | None, *, open_only: bool,
                          overdue_at: datetime | None) -> list[Question]:
        stmt = select(questions)
        if branch_ids is not None:
            stmt = stmt.where(any_of(questions.c.branch_id, branch_ids))
        if open_only or overdue_at is not None:
            stmt = stmt.where(questions.c.status == QuestionStatus.OPEN.value)
        if overdue_at is not None:
            stmt = stmt.where(questions.c.due_at < overdue_at)
        rows = (await self.session.execute(stmt.order_by(questions.c.due_at))).all()
        return [_question(r) for r in rows]
