"""Read models: the family statement, debtors, branch reports (SQL aggregates, no N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.records import record
from billing.adapters.tables import (
    accounts,
    invoices,
    ledger_entries,
    ledger_transactions,
    lesson_participants,
    lessons,
    payments,
    staff,
    students,
    subscriptions,
)
from billing.domain.model import LESSON_CREDIT, LedgerAccount, TxKind
from billing.domain.records import Invoice, Payment

ZERO = Decimal("0.00")


def statement_lines() -> Select[Any]:
    """Ledger transactions with what a person needs to read them: the child's name, the lesson (when, what type,
    its list price), the package a lesson came from, and the staff member who made it."""
    t, st, le, lp, sub, sf = (ledger_transactions, students, lessons, lesson_participants, subscriptions,
                              staff)
    return (select(t, st.c.display_name.label("student_name"), le.c.starts_at.label("lesson_starts_at"),
                   le.c.lesson_type.label("lesson_type"), lp.c.price.label("list_price"),
                   sub.c.name.label("subscription_name"), sf.c.display_name.label("created_by_name"))
            .select_from(t)
            .outerjoin(st, st.c.id == t.c.student_id)
            .outerjoin(le, le.c.id == t.c.lesson_id)
            .outerjoin(lp, and_(lp.c.lesson_id == t.c.lesson_id, lp.c.student_id == t.c.student_id))
            .outerjoin(sub, sub.c.id == t.c.subscription_id)
            .outerjoin(sf, sf.c.id == t.c.created_by))


async def statement_line(session: AsyncSession, tx_id: str) -> Row[Any] | None:
    row: Row[Any] | None = (await session.execute(statement_lines().where(ledger_transactions.c.id == tx_id))).first()
    return row


async def statement(session: AsyncSession, account_id: str, *, after_seq: int | None, limit: int,
                    since: datetime | None = None, until: datetime | None = None) -> list[Row[Any]]:
    """The family's history, oldest first: every line says what it was for (R-BIL-3, R-BIL-6)."""
    t = ledger_transactions
    stmt = statement_lines().where(t.c.account_id == account_id)
    if after_seq is not None:
        stmt = stmt.where(t.c.seq > after_seq)
    if since is not None:
        stmt = stmt.where(t.c.created_at >= since)
    if until is not None:
        stmt = stmt.where(t.c.created_at < until)
    return list((await session.execute(stmt.order_by(t.c.seq).limit(limit))).all())


async def entries_sum(session: AsyncSession, account_id: str) -> Decimal:
    e = ledger_entries
    total = (await session.execute(select(func.coalesce(func.sum(e.c.amount), 0)).where(
        e.c.account_id == account_id, e.c.ledger_account == LedgerAccount.FAMILY))).scalar_one()
    return Decimal(total).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Debtor:
    family_id: str
    balance: Decimal
    currency: str
    student_names: list[str]


async def debtors(session: AsyncSession, branch_id: str) -> list[Debtor]:
    """Families of the branch with a negative balance, largest debt first."""
    a, s = accounts, students
    family_ids = select(s.c.family_id).where(s.c.branch_id == branch_id).distinct().scalar_subquery()
    rows = (await session.execute(select(a.c.family_id, a.c.balance, a.c.currency).where(
        a.c.family_id.in_(family_ids), a.c.balance < 0).order_by(a.c.balance, a.c.family_id))).all()
    names: dict[str, list[str]] = {r.family_id: [] for r in rows}
    if names:
        for r in (await session.execute(select(s.c.family_id, s.c.display_name).where(
                s.c.family_id.in_(list(names)), s.c.erased.is_(False)).order_by(s.c.display_name))).all():
            names[r.family_id].append(r.display_name)
    return [Debtor(r.family_id, Decimal(r.balance), r.currency, names[r.family_id]) for r in rows]


@dataclass(frozen=True)
class BranchReport:
    revenue: Decimal
    payments: Decimal
    refunds: Decimal
    debts: Decimal
    debtors: int
    subscriptions_sold: int
    subscriptions_amount: Decimal
    lessons_charged: int
    lessons_amount: Decimal
    lessons_from_subscriptions: int


async def branch_report(session: AsyncSession, branch_id: str, since: datetime, until: datetime) -> BranchReport:
    t, e = ledger_transactions, ledger_entries
    in_period = and_(t.c.branch_id == branch_id, t.c.created_at >= since, t.c.created_at < until)

    def count_kind(kind: TxKind) -> Any:
        return func.coalesce(func.sum(case((t.c.kind == kind.value, 1), else_=0)), 0)

    def sum_kind(kind: TxKind) -> Any:
        return func.coalesce(func.sum(case((t.c.kind == kind.value, t.c.amount), else_=0)), 0)

    agg = (await session.execute(select(
        sum_kind(TxKind.PAYMENT).label("payments"),
        sum_kind(TxKind.PAYMENT_REFUND).label("refunds"),
        count_kind(TxKind.SUBSCRIPTION_SALE).label("subs"),
        sum_kind(TxKind.SUBSCRIPTION_SALE).label("subs_amount"),
        func.coalesce(func.sum(case((and_(t.c.kind == TxKind.LESSON_CHARGE.value, t.c.lessons_delta == 0), 1),
                                    else_=0)), 0).label("lessons_money"),
        func.coalesce(func.sum(case((t.c.kind == TxKind.LESSON_CHARGE.value, t.c.lessons_delta), else_=0)),
                      0).label("lessons_credit"),
        func.coalesce(func.sum(case((t.c.kind == TxKind.LESSON_REFUND.value, 1), else_=0)), 0).label("refunded"),
        sum_kind(TxKind.LESSON_CHARGE).label("lessons_amount"),
        sum_kind(TxKind.LESSON_REFUND).label("lessons_refund_amount"),
    ).where(in_period))).one()
    revenue = (await session.execute(
        select(func.coalesce(func.sum(e.c.amount), 0)).select_from(e.join(t, e.c.transaction_id == t.c.id))
        .where(in_period, e.c.ledger_account.like("revenue:%"), e.c.currency != LESSON_CREDIT))).scalar_one()
    debt_rows = await debtors(session, branch_id)
    lessons_from_subs = -int(agg.lessons_credit)
    return BranchReport(
        revenue=Decimal(revenue).quantize(Decimal("0.01")),
        payments=Decimal(agg.payments).quantize(Decimal("0.01")),
        refunds=(-Decimal(agg.refunds)).quantize(Decimal("0.01")),
        debts=(-sum((d.balance for d in debt_rows), ZERO)).quantize(Decimal("0.01")),
        debtors=len(debt_rows),
        subscriptions_sold=int(agg.subs),
        subscriptions_amount=(-Decimal(agg.subs_amount)).quantize(Decimal("0.01")),
        lessons_charged=int(agg.lessons_money) + lessons_from_subs - int(agg.refunded),
        lessons_amount=(-(Decimal(agg.lessons_amount) + Decimal(agg.lessons_refund_amount))).quantize(
            Decimal("0.01")),
        lessons_from_subscriptions=lessons_from_subs,
    )


async def payments_of(session: AsyncSession, family_ids: Sequence[str]) -> dict[str, list[Payment]]:
    rows = (await session.execute(select(payments).where(payments.c.family_id.in_(family_ids))
                                  .order_by(payments.c.received_at))).all()
    out: dict[str, list[Payment]] = {f: [] for f in family_ids}
    for r in rows:
        out[r.family_id].append(record(Payment, r))
    return out


async def invoices_of(session: AsyncSession, family_ids: Sequence[str]) -> dict[str, list[Invoice]]:
    rows = (await session.execute(select(invoices).where(invoices.c.family_id.in_(family_ids))
                                  .order_by(invoices.c.issued_at))).all()
    out: dict[str, list[Invoice]] = {f: [] for f in family_ids}
    for r in rows:
        out[r.family_id].append(record(Invoice, r))
    return out
