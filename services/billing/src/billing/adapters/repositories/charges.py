"""Lesson charges: at most one active charge per lesson and student."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import lesson_charges
from billing.domain.records import LessonCharge
from kabinet.db.bulk import COPY_FROM, BulkCopy, BulkInsert

_FIELDS = tuple(f.name for f in fields(LessonCharge))
_VALUES = attrgetter(*_FIELDS)  # a charge's values in _FIELDS order, as one tuple
_CLAIM = BulkInsert(lesson_charges, (*_FIELDS, "active_key"), lambda stmt: stmt.on_conflict_do_nothing(
    index_elements=["active_key"]).returning(lesson_charges.c.lesson_id, lesson_charges.c.student_id))
_COPY = BulkCopy(lesson_charges, (*_FIELDS, "active_key"))  # from COPY_FROM charges (see claim_many)


class ChargeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_many(self, charges: Sequence[LessonCharge]) -> set[tuple[str, str]]:
        """Record active charges in one statement; returns the (lesson, student) pairs newly charged (the
        unique active key drops those already charged)."""
        if not charges:
            return set()
        # One order everywhere: concurrent claims never deadlock.
        ordered = sorted(((f"{c.lesson_id}:{c.student_id}", c) for c in charges), key=lambda kc: kc[0])
        # A batch's charges are almost always all new: one COPY of them (no conflict clause, no rows returned);
        # if one was charged already (by an earlier event or a concurrent transaction, committed) the COPY
        # writes nothing and the INSERT ... ON CONFLICT below sorts the new ones out - each charged once.
        if len(ordered) >= COPY_FROM and await _COPY.execute_unless_conflict(
                self.session, [(*_VALUES(c), key) for key, c in ordered]):
            return {(c.lesson_id, c.student_id) for _, c in ordered}
        columns: dict[str, Any] = dict(zip(_FIELDS, zip(*(_VALUES(c) for _, c in ordered), strict=True),
                                           strict=True))
        columns["active_key"] = [key for key, _ in ordered]
        result = await _CLAIM.execute(self.session, columns)
        assert result is not None
        return {(r.lesson_id, r.student_id) for r in result.all()}

    async def active(self, lesson_id: str, student_id: str | None = None) -> list[LessonCharge]:
        c = lesson_charges
        stmt = select(c).where(c.c.lesson_id == lesson_id, c.c.active_key.is_not(None))
        if student_id is not None:
            stmt = stmt.where(c.c.student_id == student_id)
        return [record(LessonCharge, r) for r in (await self.session.execute(stmt.with_for_update())).all()]

    async def mark_refunded(self, charge_id: str, refund_tx_id: str) -> None:
        c = lesson_charges
        await self.session.execute(update(c).where(c.c.id == charge_id)
                                   .values(active_key=None, refund_transaction_id=refund_tx_id))
