"""Read models: the family statement, oldest or newest first, each line with what a person needs to read it."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import (
    ledger_entries,
    ledger_transactions,
    lesson_participants,
    lessons,
    staff,
    students,
    subscriptions,
)
from billing.domain.model import LedgerAccount
from billing.service.read_models import StatementEntry

_EXTRA = ("created_by_name", "student_name", "lesson_starts_at", "lesson_type", "list_price", "subscription_name")
# The transaction's columns a line shows, in StatementEntry's field order: rows become entries by position
# (``StatementEntry(*row)``), not by name lookups per field and row.
_TX_FIELDS = tuple(f.name for f in fields(StatementEntry) if f.name not in _EXTRA)


def statement_lines() -> Select[Any]:
    """Ledger transactions with what a person needs to read them: the child's name, the lesson (when, what type,
    its list price), the package a lesson came from, and the staff member who made it; the columns in
    StatementEntry's field order."""
    t, st, le, lp, sub, sf = (ledger_transactions, students, lessons, lesson_participants, subscriptions,
                              staff)
    extra = {"created_by_name": sf.c.display_name, "student_name": st.c.display_name,
             "lesson_starts_at": le.c.starts_at, "lesson_type": le.c.lesson_type, "list_price": lp.c.price,
             "subscription_name": sub.c.name}
    columns = [*(t.c[name] for name in _TX_FIELDS), *(extra[name].label(name) for name in _EXTRA)]
    if [c.name for c in columns] != [f.name for f in fields(StatementEntry)]:
        raise AssertionError("statement_lines() must select StatementEntry's fields in order")
    return (select(*columns)
            .select_from(t)
            .outerjoin(st, st.c.id == t.c.student_id)
            .outerjoin(le, le.c.id == t.c.lesson_id)
            .outerjoin(lp, and_(lp.c.lesson_id == t.c.lesson_id, lp.c.student_id == t.c.student_id))
            .outerjoin(sub, sub.c.id == t.c.subscription_id)
            .outerjoin(sf, sf.c.id == t.c.created_by))


async def statement_entry(session: AsyncSession, tx_id: str) -> StatementEntry | None:
    row = (await session.execute(statement_lines().where(ledger_transactions.c.id == tx_id))).first()
    return StatementEntry(*row) if row is not None else None


async def statement(session: AsyncSession, account_id: str, *, after_seq: int | None, limit: int,
                    since: datetime | None = None, until: datetime | None = None,
                    newest_first: bool = False) -> list[StatementEntry]:
    """The family's history, oldest first (newest first: ``after_seq`` then means older than): every line says
    what it was for (R-BIL-3, R-BIL-6). Either way one range of ix_ledger_transactions_account_seq, read forwards
    or backwards."""
    stmt = _statement_page(after_seq is not None, since is not None, until is not None, newest_first)
    params = {"account_id": account_id, "after_seq": after_seq, "since": since, "until": until, "limit": limit}
    return [StatementEntry(*r) for r in (await session.execute(stmt, params)).all()]


@cache
def _statement_page(after: bool, since: bool, until: bool, newest_first: bool) -> Select[Any]:
    """Built once per shape (sixteen at most): building this six-join select and its cache key per call cost more
    than running it."""
    t = ledger_transactions
    stmt = statement_lines().where(t.c.account_id == bindparam("account_id"))
    if after:
        seq = bindparam("after_seq", type_=t.c.seq.type)
        stmt = stmt.where(t.c.seq < seq if newest_first else t.c.seq > seq)
    if since:
        stmt = stmt.where(t.c.created_at >= bindparam("since", type_=t.c.created_at.type))
    if until:
        stmt = stmt.where(t.c.created_at < bindparam("until", type_=t.c.created_at.type))
    return stmt.order_by(t.c.seq.desc() if newest_first else t.c.seq).limit(bindparam("limit", type_=Integer()))


async def entries_sum(session: AsyncSession, account_id: str) -> Decimal:
    e = ledger_entries
    total = (await session.execute(select(func.coalesce(func.sum(e.c.amount), 0)).where(
        e.c.account_id == account_id, e.c.ledger_account == LedgerAccount.FAMILY))).scalar_one()
    return Decimal(total).quantize(Decimal("0.01"))
