"""Lesson charges: at most one active charge per lesson and student."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import lesson_charges
from billing.domain.records import LessonCharge
from kabinet.db.dialect import insert_for

_FIELDS = tuple(f.name for f in fields(LessonCharge))


class ChargeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_many(self, charges: Sequence[LessonCharge]) -> set[tuple[str, str]]:
        """Record active charges in one statement per 1,000; returns the (lesson, student) pairs newly charged
        (the unique active key drops those already charged)."""
        claimed: set[tuple[str, str]] = set()
        # A shallow row per charge (dataclasses.asdict deep-copies every value: ~4 % of charging a month).
        rows = [{**{f: getattr(c, f) for f in _FIELDS}, "active_key": f"{c.lesson_id}:{c.student_id}"}
                for c in charges]
        rows.sort(key=lambda r: r["active_key"])  # one order everywhere: concurrent claims never deadlock
        if not rows:
            return claimed
        # executemany: one cached statement (SQLAlchemy batches the rows into multi-row INSERTs itself).
        stmt = insert_for(self.session, lesson_charges).on_conflict_do_nothing(
            index_elements=["active_key"]).returning(lesson_charges.c.lesson_id, lesson_charges.c.student_id)
        claimed.update((r.lesson_id, r.student_id) for r in (await self.session.execute(stmt, rows)).all())
        return claimed

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
