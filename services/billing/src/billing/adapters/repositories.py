"""Repositories: the only place that knows billing's tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, case, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import (
    accounts,
    branches,
    checkout_sessions,
    discounts,
    invoices,
    ledger_entries,
    ledger_transactions,
    lesson_charges,
    lesson_participants,
    lessons,
    payments,
    staff,
    students,
    subscription_types,
    subscriptions,
)
from billing.domain.errors import BalanceLimitExceeded, InsufficientFunds, SubscriptionStateInvalid
from billing.domain.model import (
    CENT,
    LESSON_CREDIT,
    Discount,
    DiscountKind,
    DiscountScope,
    FamilyAccount,
    Subscription,
    SubscriptionStatus,
    SubscriptionType,
    Transaction,
    new_id,
)
from kabinet.db.dialect import insert_for
from kabinet.db.types import Amount
from kabinet.money import AMOUNT_COLUMN_MAX


def _account(r: Row[Any]) -> FamilyAccount:
    return FamilyAccount(r.id, r.family_id, r.currency, r.balance, r.opened_at, r.credit_limit)


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, account: FamilyAccount) -> bool:
        """Insert unless the family already has an account; True when this call created it."""
        stmt = insert_for(self.session, accounts).values(
            id=account.id, family_id=account.family_id, currency=account.currency, balance=account.balance,
            opened_at=account.opened_at, credit_limit=account.credit_limit,
        ).on_conflict_do_nothing(index_elements=["family_id"]).returning(accounts.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def add_many_if_absent(self, new: Sequence[FamilyAccount]) -> list[FamilyAccount]:
        """Insert the accounts of families that have none, in one statement; returns those inserted."""
        if not new:
            return []
        stmt = insert_for(self.session, accounts).values([
            {"id": x.id, "family_id": x.family_id, "currency": x.currency, "balance": x.balance,
             "opened_at": x.opened_at, "credit_limit": x.credit_limit} for x in new
        ]).on_conflict_do_nothing(index_elements=["family_id"]).returning(accounts.c.id)
        created = {r.id for r in (await self.session.execute(stmt)).all()}
        return [x for x in new if x.id in created]

    async def by_families(self, family_ids: Sequence[str]) -> dict[str, FamilyAccount]:
        rows = (await self.session.execute(select(accounts).where(accounts.c.family_id.in_(family_ids)))).all()
        return {r.family_id: _account(r) for r in rows}

    async def by_family(self, family_id: str) -> FamilyAccount | None:
        return (await self.by_families([family_id])).get(family_id)

    async def set_credit_limit(self, account_id: str, limit: Decimal) -> None:
        await self.session.execute(update(accounts).where(accounts.c.id == account_id).values(credit_limit=limit))


@dataclass(frozen=True)
class Posted:
    transaction_id: str
    balance_after: Decimal
    debt: bool


class LedgerRepository:
    """Posts a transaction: the cached balance and the entries change together, under the account's row lock."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(self, tx: Transaction, *, allow_debt: bool, ceiling: Decimal = AMOUNT_COLUMN_MAX) -> Posted:
        a = accounts
        delta = tx.family_delta
        new_balance = a.c.balance + delta  # exact on both dialects (Amount: integer cents on SQLite)
        stmt = update(a).where(a.c.id == tx.account_id).values(balance=new_balance)
        # Conditional UPDATEs: the checks and the change are one atomic statement under the row lock, so
        # concurrent operations can never take the balance below the credit limit nor beyond the ceiling
        # (which is within the column's range: the sum is compared before it is stored, never overflows).
        if delta > 0:
            stmt = stmt.where(new_balance <= min(ceiling, AMOUNT_COLUMN_MAX))
        elif delta < 0:
            stmt = stmt.where(new_balance >= -min(ceiling, AMOUNT_COLUMN_MAX))
            if not allow_debt:
                stmt = stmt.where(new_balance >= -a.c.credit_limit)
        row = (await self.session.execute(stmt.returning(a.c.balance, a.c.credit_limit))).first()
        if row is None:
            before = (await self.session.execute(select(a.c.balance).where(a.c.id == tx.account_id))).scalar_one()
            if abs(Decimal(before) + delta) > min(ceiling, AMOUNT_COLUMN_MAX):
                raise BalanceLimitExceeded(field="amount")
            raise InsufficientFunds()
        balance_after = Decimal(row.balance).quantize(Decimal("0.01"))
        debt = delta < 0 and balance_after < -Decimal(row.credit_limit)
        lessons_delta = 0
        for e in tx.entries:
            if e.currency == LESSON_CREDIT and e.account_id is not None:
                lessons_delta += int(e.amount)
                await self._move_credits(e.ledger_account.split(":", 1)[1], int(e.amount))
        tx_row = self._tx_row(tx, balance_after, debt)
        tx_row["lessons_delta"] = lessons_delta
        await self.session.execute(ledger_transactions.insert().values(**tx_row))
        await self.session.execute(ledger_entries.insert(), self._entry_rows(tx))
        return Posted(tx.id, balance_after, debt)

    async def post_many(self, txs: Sequence[Transaction], ceiling: Decimal = AMOUNT_COLUMN_MAX
                        ) -> dict[str, Posted]:
        """Apply many transactions (of any families) in a few statements, never refused for the credit limit:
        charges of lessons that happened or were booked are recorded, beyond the credit limit as debt.

        The rows are locked in id order (accounts, then subscriptions), so concurrent batches touching the
        same families wait for each other instead of deadlocking. The balances are read under the lock and
        every transaction's ``balance_after`` follows from them in the order given. A balance that would end
        beyond ± ``ceiling`` refuses the whole batch (BalanceLimitExceeded) before anything is written.
        """
        if not txs:
            return {}
        a = accounts
        deltas: dict[str, Decimal] = {}
        credits: dict[str, int] = {}
        for tx in txs:
            deltas[tx.account_id] = deltas.get(tx.account_id, Decimal(0)) + tx.family_delta
            for e in tx.entries:
                if e.currency == LESSON_CREDIT and e.account_id is not None:
                    sid = e.ledger_account.split(":", 1)[1]
                    credits[sid] = credits.get(sid, 0) + int(e.amount)
        ids = sorted(deltas)
        locked = (await self.session.execute(
            select(a.c.id, a.c.balance, a.c.credit_limit).where(a.c.id.in_(ids)).order_by(a.c.id)
            .with_for_update())).all()
        state = {r.id: (Decimal(r.balance).quantize(CENT), Decimal(r.credit_limit)) for r in locked}
        limit_of = min(ceiling, AMOUNT_COLUMN_MAX)
        running = {k: v[0] for k, v in state.items()}
        for tx in txs:  # every intermediate balance too: each is stored as a transaction's balance_after
            delta = tx.family_delta
            running[tx.account_id] += delta
            if (delta > 0 and running[tx.account_id] > limit_of) or (delta < 0 and running[tx.account_id] < -limit_of):
                raise BalanceLimitExceeded(field="amount")
        changed = {k: v for k, v in deltas.items() if v != 0}
        if changed:
            delta_of = case({k: literal(v, Amount()) for k, v in changed.items()}, value=a.c.id)
            await self.session.execute(update(a).where(a.c.id.in_(sorted(changed)))
                                       .values(balance=a.c.balance + delta_of))
        if credits:
            await self._move_credits_many(credits)
        posted: dict[str, Posted] = {}
        tx_rows: list[dict[str, Any]] = []
        entry_rows: list[dict[str, Any]] = []
        for tx in txs:
            before, limit = state[tx.account_id]
            delta = tx.family_delta
            after = (before + delta).quantize(CENT)
            state[tx.account_id] = (after, limit)
            debt = delta < 0 and after < -limit
            posted[tx.id] = Posted(tx.id, after, debt)
            tx_rows.append(self._tx_row(tx, after, debt))
            entry_rows.extend(self._entry_rows(tx))
        await self.session.execute(ledger_transactions.insert(), tx_rows)
        await self.session.execute(ledger_entries.insert(), entry_rows)
        return posted

    async def _move_credits_many(self, credits: dict[str, int]) -> None:
        s = subscriptions
        ids = sorted(credits)
        await self.session.execute(select(s.c.id).where(s.c.id.in_(ids)).order_by(s.c.id).with_for_update())
        delta_of = case(credits, value=s.c.id)
        rows = (await self.session.execute(
            update(s).where(s.c.id.in_(ids), s.c.lessons_left.is_not(None), s.c.lessons_left + delta_of >= 0)
            .values(lessons_left=s.c.lessons_left + delta_of).returning(s.c.id))).all()
        if len(rows) != len(ids):
            raise SubscriptionStateInvalid("The subscription has no lessons left.")

    @staticmethod
    def _tx_row(tx: Transaction, balance_after: Decimal, debt: bool) -> dict[str, Any]:
        lessons_delta = sum(int(e.amount) for e in tx.entries if e.currency == LESSON_CREDIT and e.account_id)
        return dict(
            id=tx.id, account_id=tx.account_id, family_id=tx.family_id, kind=tx.kind.value,
            description=tx.description, amount=tx.family_delta, currency=tx.currency, balance_after=balance_after,
            lessons_delta=lessons_delta, debt=debt, branch_id=tx.branch_id, student_id=tx.student_id,
            lesson_id=tx.lesson_id, subscription_id=tx.subscription_id, payment_id=tx.payment_id,
            invoice_id=tx.invoice_id, reverses_id=tx.reverses_id, discount_id=tx.discount_id,
            discount_name=tx.discount_name, discount_amount=tx.discount_amount, created_by=tx.created_by,
            created_at=tx.created_at,
        )

    @staticmethod
    def _entry_rows(tx: Transaction) -> list[dict[str, Any]]:
        return [{"id": new_id(), "transaction_id": tx.id, "account_id": e.account_id,
                 "ledger_account": e.ledger_account, "amount": e.amount, "currency": e.currency,
                 "description": tx.description, "created_at": tx.created_at} for e in tx.entries]

    async def transactions(self, tx_ids: Sequence[str]) -> dict[str, Row[Any]]:
        t = ledger_transactions
        return {r.id: r for r in (await self.session.execute(select(t).where(t.c.id.in_(tx_ids)))).all()}

    async def entries_of_many(self, tx_ids: Sequence[str]) -> dict[str, list[Row[Any]]]:
        e = ledger_entries
        out: dict[str, list[Row[Any]]] = {t: [] for t in tx_ids}
        for r in (await self.session.execute(select(e).where(e.c.transaction_id.in_(tx_ids))
                                             .order_by(e.c.id))).all():
            out[r.transaction_id].append(r)
        return out

    async def _move_credits(self, subscription_id: str, lessons: int) -> None:
        s = subscriptions
        stmt = (update(s).where(s.c.id == subscription_id, s.c.lessons_left.is_not(None),
                                s.c.lessons_left + lessons >= 0)
                .values(lessons_left=s.c.lessons_left + lessons).returning(s.c.id))
        if (await self.session.execute(stmt)).first() is None:
            raise SubscriptionStateInvalid("The subscription has no lessons left.")

    async def transaction(self, tx_id: str) -> Row[Any] | None:
        return (await self.session.execute(
            select(ledger_transactions).where(ledger_transactions.c.id == tx_id))).first()

    async def entries_of(self, tx_id: str) -> list[Row[Any]]:
        return list((await self.session.execute(
            select(ledger_entries).where(ledger_entries.c.transaction_id == tx_id)
            .order_by(ledger_entries.c.id))).all())


# -- projections -----------------------------------------------------------------------------------
class ProjectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_student(self, student_id: str, family_id: str, branch_id: str | None, name: str) -> None:
        stmt = insert_for(self.session, students).values(id=student_id, family_id=family_id, branch_id=branch_id,
                                                         display_name=name, erased=False)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"family_id": family_id, "branch_id": branch_id, "display_name": name}))

    async def upsert_staff(self, staff_id: str, name: str) -> None:
        stmt = insert_for(self.session, staff).values(id=staff_id, display_name=name)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"display_name": name}))

    async def erase_student(self, student_id: str) -> None:
        # Billing keeps the money records (legal duty) but drops the personal data it holds: the name.
        await self.session.execute(update(students).where(students.c.id == student_id)
                                   .values(display_name="", erased=True))

    async def upsert_branch(self, branch_id: str, name: str, time_zone: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name=name, time_zone=time_zone)
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["id"], set_={"name": name, "time_zone": time_zone}))

    async def ensure_branch(self, branch_id: str) -> None:
        stmt = insert_for(self.session, branches).values(id=branch_id, name="", time_zone="UTC")
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))

    async def branch(self, branch_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(branches).where(branches.c.id == branch_id))).first()

    async def set_branch_settings(self, branch_id: str, charge_on: str | None, burn: bool | None,
                                  makeup_charge: str | None = None) -> None:
        await self.ensure_branch(branch_id)
        values: dict[str, Any] = {}
        if makeup_charge is not None:
            values["makeup_charge"] = makeup_charge
        if charge_on is not None:
            values["charge_on"] = charge_on
        if burn is not None:
            values["burn_expired_lessons"] = burn
        if values:
            await self.session.execute(update(branches).where(branches.c.id == branch_id).values(**values))

    async def student(self, student_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(students).where(students.c.id == student_id))).first()

    async def students_by_ids(self, ids: Sequence[str]) -> dict[str, Row[Any]]:
        rows = (await self.session.execute(select(students).where(students.c.id.in_(ids)))).all()
        return {r.id: r for r in rows}

    async def family_had_trial(self, family_id: str) -> bool:
        """The family's free trial is used: a trial subscription sold to it, or a lesson taken as its trial."""
        sold = select(subscriptions.c.id).where(subscriptions.c.family_id == family_id,
                                                subscriptions.c.trial.is_(True)).limit(1)
        taken = select(lesson_participants.c.lesson_id).where(
            lesson_participants.c.family_id == family_id, lesson_participants.c.reason == "trial",
            lesson_participants.c.removed.is_(False)).limit(1)
        return ((await self.session.execute(sold)).first() is not None
                or (await self.session.execute(taken)).first() is not None)

    async def family_branches(self, family_id: str) -> set[str]:
        rows = (await self.session.execute(select(students.c.branch_id).where(
            students.c.family_id == family_id, students.c.branch_id.is_not(None)))).all()
        return {r.branch_id for r in rows}

    async def families_branches(self, family_ids: Sequence[str]) -> dict[str, set[str]]:
        rows = (await self.session.execute(select(students.c.family_id, students.c.branch_id).where(
            students.c.family_id.in_(family_ids), students.c.branch_id.is_not(None)))).all()
        out: dict[str, set[str]] = {f: set() for f in family_ids}
        for r in rows:
            out[r.family_id].add(r.branch_id)
        return out

    # lessons
    async def upsert_lesson(self, *, lesson_id: str, branch_id: str, group_id: str | None, course_id: str | None,
                            teacher_id: str | None, lesson_type: str, charged_by_default: bool,
                            starts_at: datetime, price: Decimal | None = None, currency: str = "RUB") -> None:
        values: dict[str, Any] = {"branch_id": branch_id, "group_id": group_id, "course_id": course_id,
                                  "teacher_id": teacher_id, "lesson_type": lesson_type,
                                  "charged_by_default": charged_by_default, "starts_at": starts_at}
        if price is not None:
            values.update(price=price, currency=currency)
        stmt = insert_for(self.session, lessons).values(id=lesson_id, cancelled=False, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))

    async def upsert_lessons(self, rows: Sequence[dict[str, Any]]) -> None:
        """Many lessons in one executemany; an existing lesson keeps its cancelled flag."""
        if not rows:
            return
        stmt = insert_for(self.session, lessons)
        keep = {"id", "cancelled"}
        stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={
            c.name: stmt.excluded[c.name] for c in lessons.columns if c.name not in keep})
        await self.session.execute(stmt, sorted(({**r, "cancelled": False} for r in rows), key=lambda r: r["id"]))

    async def lessons_by_ids(self, ids: Sequence[str]) -> dict[str, Row[Any]]:
        return {r.id: r for r in (await self.session.execute(select(lessons).where(lessons.c.id.in_(ids)))).all()}

    async def branches_by_ids(self, ids: Sequence[str]) -> dict[str, Row[Any]]:
        return {r.id: r for r in (await self.session.execute(select(branches).where(branches.c.id.in_(ids)))).all()}

    async def upsert_rosters(self, rows: Sequence[dict[str, Any]]) -> None:
        """Participants of many lessons, (lesson_id, student_id, family_id, price, currency), in one executemany."""
        if not rows:
            return
        p = lesson_participants
        stmt = insert_for(self.session, p)
        stmt = stmt.on_conflict_do_update(
            index_elements=["lesson_id", "student_id"],
            set_={"family_id": stmt.excluded.family_id, "price": stmt.excluded.price,
                  "currency": stmt.excluded.currency, "reason": stmt.excluded.reason, "removed": False})
        await self.session.execute(stmt, sorted(({**r, "removed": False} for r in rows),
                                                key=lambda r: (r["lesson_id"], r["student_id"])))

    async def lesson(self, lesson_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(lessons).where(lessons.c.id == lesson_id))).first()

    async def reschedule_lesson(self, lesson_id: str, starts_at: datetime) -> None:
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(starts_at=starts_at))

    async def cancel_lesson(self, lesson_id: str) -> None:
        await self.session.execute(update(lessons).where(lessons.c.id == lesson_id).values(cancelled=True))

    async def upsert_participant(self, lesson_id: str, student_id: str, family_id: str, price: Decimal,
                                 currency: str, reason: str = "member") -> None:
        values = {"family_id": family_id, "price": price, "currency": currency, "removed": False, "reason": reason}
        stmt = insert_for(self.session, lesson_participants).values(lesson_id=lesson_id, student_id=student_id,
                                                                    **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["lesson_id", "student_id"],
                                                              set_=values))

    async def upsert_participants(self, lesson_id: str, rows: Sequence[tuple[str, str, Decimal, str]]) -> None:
        """(student, family, price, currency) of a lesson's roster, in one statement."""
        if not rows:
            return
        p = lesson_participants
        stmt = insert_for(self.session, p).values([
            {"lesson_id": lesson_id, "student_id": sid, "family_id": fid, "price": price, "currency": cur,
             "removed": False} for sid, fid, price, cur in rows])
        await self.session.execute(stmt.on_conflict_do_update(
            index_elements=["lesson_id", "student_id"],
            set_={"family_id": stmt.excluded.family_id, "price": stmt.excluded.price,
                  "currency": stmt.excluded.currency, "reason": stmt.excluded.reason, "removed": False}))

    async def participant(self, lesson_id: str, student_id: str) -> Row[Any] | None:
        p = lesson_participants
        return (await self.session.execute(select(p).where(p.c.lesson_id == lesson_id,
                                                           p.c.student_id == student_id))).first()

    async def remove_participant(self, lesson_id: str, student_id: str) -> None:
        p = lesson_participants
        await self.session.execute(update(p).where(p.c.lesson_id == lesson_id, p.c.student_id == student_id)
                                   .values(removed=True))

    async def record_attendance(self, lesson_id: str, student_id: str, status: str, revision: int) -> bool:
        """Keep the latest revision only; False when this mark is older than one already applied."""
        p = lesson_participants
        row = (await self.session.execute(
            update(p).where(p.c.lesson_id == lesson_id, p.c.student_id == student_id,
                            p.c.attendance_revision < revision)
            .values(attendance_status=status, attendance_revision=revision).returning(p.c.lesson_id))).first()
        return row is not None


# -- lesson charges -------------------------------------------------------------------------------------
class ChargeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, *, charge_id: str, lesson_id: str, student_id: str, family_id: str, branch_id: str,
                    amount: Decimal, currency: str, subscription_id: str | None, transaction_id: str | None,
                    created_at: datetime) -> bool:
        """Record the active charge; False when the (lesson, student) is already charged."""
        stmt = insert_for(self.session, lesson_charges).values(
            id=charge_id, lesson_id=lesson_id, student_id=student_id, family_id=family_id, branch_id=branch_id,
            amount=amount, currency=currency, subscription_id=subscription_id, transaction_id=transaction_id,
            active_key=f"{lesson_id}:{student_id}", created_at=created_at,
        ).on_conflict_do_nothing(index_elements=["active_key"]).returning(lesson_charges.c.id)
        return (await self.session.execute(stmt)).first() is not None

    async def claim_many(self, charges: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
        """Record active charges in one statement per 1,000; returns the (lesson, student) pairs newly charged
        (the unique active key drops those already charged)."""
        claimed: set[tuple[str, str]] = set()
        rows = [{**c, "active_key": f"{c['lesson_id']}:{c['student_id']}"} for c in charges]
        rows.sort(key=lambda r: r["active_key"])  # one order everywhere: concurrent claims never deadlock
        if not rows:
            return claimed
        # executemany: one cached statement (SQLAlchemy batches the rows into multi-row INSERTs itself).
        stmt = insert_for(self.session, lesson_charges).on_conflict_do_nothing(
            index_elements=["active_key"]).returning(lesson_charges.c.lesson_id, lesson_charges.c.student_id)
        claimed.update((r.lesson_id, r.student_id) for r in (await self.session.execute(stmt, rows)).all())
        return claimed

    async def active(self, lesson_id: str, student_id: str | None = None) -> list[Row[Any]]:
        c = lesson_charges
        stmt = select(c).where(c.c.lesson_id == lesson_id, c.c.active_key.is_not(None))
        if student_id is not None:
            stmt = stmt.where(c.c.student_id == student_id)
        return list((await self.session.execute(stmt.with_for_update())).all())

    async def mark_refunded(self, charge_id: str, refund_tx_id: str) -> None:
        c = lesson_charges
        await self.session.execute(update(c).where(c.c.id == charge_id)
                                   .values(active_key=None, refund_transaction_id=refund_tx_id))


# -- subscriptions ---------------------------------------------------------------------------------------
def _type(r: Row[Any]) -> SubscriptionType:
    return SubscriptionType(r.id, r.name, r.lessons, r.validity_days, r.price, json.loads(r.lesson_types),
                            json.loads(r.course_ids), r.trial, r.branch_id, r.currency)


def _subscription(r: Row[Any]) -> Subscription:
    return Subscription(
        id=r.id, type_id=r.type_id, account_id=r.account_id, family_id=r.family_id, student_id=r.student_id,
        branch_id=r.branch_id, name=r.name, lessons_total=r.lessons_total, lessons_left=r.lessons_left,
        price=r.price, lesson_types=json.loads(r.lesson_types), course_ids=json.loads(r.course_ids),
        trial=r.trial, on_credit=r.on_credit, valid_from=r.valid_from, valid_until=r.valid_until,
        status=SubscriptionStatus(r.status), frozen_on=r.frozen_on, currency=r.currency, sold_at=r.sold_at,
    )


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_type(self, t: SubscriptionType, created_at: datetime) -> None:
        await self.session.execute(subscription_types.insert().values(
            id=t.id, branch_id=t.branch_id, name=t.name, lessons=t.lessons, validity_days=t.validity_days,
            price=t.price, currency=t.currency, lesson_types=json.dumps(t.lesson_types),
            course_ids=json.dumps(t.course_ids), trial=t.trial, created_at=created_at))

    async def type(self, type_id: str) -> SubscriptionType | None:
        r = (await self.session.execute(select(subscription_types).where(subscription_types.c.id == type_id))).first()
        return _type(r) if r else None

    async def types(self, branch_id: str | None) -> list[SubscriptionType]:
        st = subscription_types
        stmt = select(st).order_by(st.c.created_at, st.c.id)
        if branch_id is not None:
            stmt = stmt.where((st.c.branch_id == branch_id) | st.c.branch_id.is_(None))
        return [_type(r) for r in (await self.session.execute(stmt)).all()]

    async def add(self, s: Subscription) -> None:
        # Credits arrive through the ledger (LSN entries), so the cache starts at 0 and the sale adds them.
        await self.session.execute(subscriptions.insert().values(
            id=s.id, type_id=s.type_id, account_id=s.account_id, family_id=s.family_id, student_id=s.student_id,
            branch_id=s.branch_id, name=s.name, lessons_total=s.lessons_total,
            lessons_left=None if s.unlimited else 0, price=s.price, currency=s.currency,
            lesson_types=json.dumps(s.lesson_types), course_ids=json.dumps(s.course_ids), trial=s.trial,
            on_credit=s.on_credit, valid_from=s.valid_from, valid_until=s.valid_until, status=s.status.value,
            frozen_on=s.frozen_on, sold_at=s.sold_at))

    async def get(self, subscription_id: str, *, lock: bool = False) -> Subscription | None:
        stmt = select(subscriptions).where(subscriptions.c.id == subscription_id)
        if lock:
            stmt = stmt.with_for_update()
        r = (await self.session.execute(stmt)).first()
        return _subscription(r) if r else None

    async def save_state(self, s: Subscription) -> None:
        await self.session.execute(update(subscriptions).where(subscriptions.c.id == s.id).values(
            status=s.status.value, frozen_on=s.frozen_on, valid_until=s.valid_until))

    async def of_students(self, student_ids: Sequence[str]) -> dict[str, list[Subscription]]:
        rows = (await self.session.execute(select(subscriptions).where(subscriptions.c.student_id.in_(student_ids))
                                           .order_by(subscriptions.c.sold_at))).all()
        out: dict[str, list[Subscription]] = {sid: [] for sid in student_ids}
        for r in rows:
            out[r.student_id].append(_subscription(r))
        return out

    async def of_families(self, family_ids: Sequence[str]) -> dict[str, list[Subscription]]:
        rows = (await self.session.execute(select(subscriptions).where(subscriptions.c.family_id.in_(family_ids))
                                           .order_by(subscriptions.c.sold_at))).all()
        out: dict[str, list[Subscription]] = {fid: [] for fid in family_ids}
        for r in rows:
            out[r.family_id].append(_subscription(r))
        return out

    async def due_to_expire(self, today: date) -> list[Subscription]:
        rows = (await self.session.execute(select(subscriptions).where(
            subscriptions.c.status == SubscriptionStatus.ACTIVE.value, subscriptions.c.valid_until < today)
            # The scheduled job, the owner's mutation and other replicas may run at once: each row is
            # expired by exactly one of them (the others skip it; its status is no longer active after).
            .with_for_update(skip_locked=True))).all()
        return [_subscription(r) for r in rows]


# -- discounts ---------------------------------------------------------------------------------------------
def _discount(r: Row[Any]) -> Discount:
    return Discount(r.id, r.name, DiscountScope(r.scope), r.target, DiscountKind(r.kind), r.value, r.valid_from,
                    r.valid_to, r.branch_id)


class DiscountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, d: Discount, created_by: str | None, created_at: datetime) -> None:
        await self.session.execute(discounts.insert().values(
            id=d.id, branch_id=d.branch_id, name=d.name, scope=d.scope.value, target=d.target, kind=d.kind.value,
            value=d.value, valid_from=d.valid_from, valid_to=d.valid_to, created_by=created_by,
            created_at=created_at))

    async def candidates(self, targets: Sequence[str], on: date) -> list[Discount]:
        """Discounts whose target is one of these ids/codes and whose dates include ``on``."""
        d = discounts
        rows = (await self.session.execute(select(d).where(
            d.c.target.in_(targets), (d.c.valid_from.is_(None)) | (d.c.valid_from <= on),
            (d.c.valid_to.is_(None)) | (d.c.valid_to >= on)))).all()
        return [_discount(r) for r in rows]

    async def candidates_between(self, targets: Sequence[str], first: date, last: date) -> list[Discount]:
        """Discounts for these targets valid on some day between ``first`` and ``last`` (each charge then
        checks its own date)."""
        d = discounts
        rows = (await self.session.execute(select(d).where(
            d.c.target.in_(targets), (d.c.valid_from.is_(None)) | (d.c.valid_from <= last),
            (d.c.valid_to.is_(None)) | (d.c.valid_to >= first)))).all()
        return [_discount(r) for r in rows]

    async def get(self, discount_id: str) -> Discount | None:
        r = (await self.session.execute(select(discounts).where(discounts.c.id == discount_id))).first()
        return _discount(r) if r else None

    async def of_branch(self, branch_id: str) -> list[Discount]:
        rows = (await self.session.execute(select(discounts).where(
            (discounts.c.branch_id == branch_id) | discounts.c.branch_id.is_(None))
            .order_by(discounts.c.created_at))).all()
        return [_discount(r) for r in rows]


# -- payments and invoices ------------------------------------------------------------------------------
class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> None:
        await self.session.execute(payments.insert().values(**values))

    async def get(self, payment_id: str, *, lock: bool = False) -> Row[Any] | None:
        stmt = select(payments).where(payments.c.id == payment_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).first()

    async def by_external(self, external_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(payments).where(payments.c.external_id == external_id))).first()

    async def add_refunded(self, payment_id: str, amount: Decimal) -> None:
        await self.session.execute(update(payments).where(payments.c.id == payment_id)
                                   .values(refunded=payments.c.refunded + amount))


class CheckoutRepository:
    """Checkouts billing started with the payment provider (what a notification must match)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> None:
        await self.session.execute(checkout_sessions.insert().values(**values))

    async def get(self, provider: str, provider_payment_id: str) -> Row[Any] | None:
        c = checkout_sessions
        return (await self.session.execute(select(c).where(
            c.c.provider == provider, c.c.provider_payment_id == provider_payment_id))).first()

    async def mark_paid(self, session_id: str, payment_id: str) -> None:
        await self.session.execute(update(checkout_sessions).where(checkout_sessions.c.id == session_id)
                                   .values(status="paid", payment_id=payment_id))


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, **values: Any) -> None:
        await self.session.execute(invoices.insert().values(**values))

    async def get(self, invoice_id: str, *, lock: bool = False) -> Row[Any] | None:
        stmt = select(invoices).where(invoices.c.id == invoice_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).first()

    async def set_paid(self, invoice_id: str, paid: Decimal, status: str) -> None:
        await self.session.execute(update(invoices).where(invoices.c.id == invoice_id)
                                   .values(paid=paid, status=status))

    async def set_status(self, invoice_id: str, status: str) -> None:
        await self.session.execute(update(invoices).where(invoices.c.id == invoice_id).values(status=status))
