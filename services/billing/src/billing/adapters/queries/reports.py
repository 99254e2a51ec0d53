"""Read models: debtors and branch reports (SQL aggregates, no N+1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import (
    accounts,
    ledger_entries,
    ledger_transactions,
    students,
)
from billing.domain.model import LESSON_CREDIT, TxKind
from billing.service.read_models import BranchReport, Debtor
from kabinet.db.any_of import any_of

ZERO = Decimal("0.00")


async def debtors(session: AsyncSession, branch_id: str) -> list[Debtor]:
    """Families of the branch with a negative balance, largest debt first."""
    a, s = accounts, students
    family_ids = select(s.c.family_id).where(s.c.branch_id == branch_id).distinct().scalar_subquery()
    rows = (await session.execute(select(a.c.family_id, a.c.balance, a.c.currency).where(
        a.c.family_id.in_(family_ids), a.c.balance < 0).order_by(a.c.balance, a.c.family_id))).all()
    names: dict[str, list[str]] = {r.family_id: [] for r in rows}
    if names:
        for r in (await session.execute(select(s.c.family_id, s.c.display_name).where(
                any_of(s.c.family_id, list(names)), s.c.erased.is_(False)).order_by(s.c.display_name))).all():
            names[r.family_id].append(r.display_name)
    return [Debtor(r.family_id, Decimal(r.balance), r.currency, names[r.family_id]) for r in rows]


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
