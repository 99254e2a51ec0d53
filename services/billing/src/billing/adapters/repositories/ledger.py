"""The ledger: transactions and their entries, the cached balances, the lesson credits they move."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import accounts, ledger_entries, ledger_transactions, subscriptions
from billing.domain.errors import BalanceLimitExceeded, InsufficientFunds, SubscriptionStateInvalid
from billing.domain.model import CENT, LESSON_CREDIT, Entry, Transaction, new_id
from billing.domain.records import Posted, PostedTransaction
from kabinet.db.types import Amount
from kabinet.money import AMOUNT_COLUMN_MAX

_ADD_TO_BALANCE = (update(accounts).where(accounts.c.id == bindparam("account_id"))
                   .values(balance=accounts.c.balance + bindparam("delta", type_=Amount())))


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
        if changed:  # executemany of one cached UPDATE (rows already locked above, in id order)
            await self.session.execute(_ADD_TO_BALANCE,
                                       [{"account_id": k, "delta": changed[k]} for k in sorted(changed)])
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

    async def transactions(self, tx_ids: Sequence[str]) -> dict[str, PostedTransaction]:
        """Transactions in the ledger with their entries (in entry-id order)."""
        t, e = ledger_transactions, ledger_entries
        entries: dict[str, list[Entry]] = {i: [] for i in tx_ids}
        for r in (await self.session.execute(select(e).where(e.c.transaction_id.in_(tx_ids))
                                             .order_by(e.c.id))).all():
            entries[r.transaction_id].append(Entry(r.ledger_account, r.amount, r.currency, r.account_id))
        return {r.id: PostedTransaction(r.id, r.account_id, r.family_id, r.description, tuple(entries[r.id]))
                for r in (await self.session.execute(select(t).where(t.c.id.in_(tx_ids)))).all()}

    async def _move_credits(self, subscription_id: str, lessons: int) -> None:
        s = subscriptions
        stmt = (update(s).where(s.c.id == subscription_id, s.c.lessons_left.is_not(None),
                                s.c.lessons_left + lessons >= 0)
                .values(lessons_left=s.c.lessons_left + lessons).returning(s.c.id))
        if (await self.session.execute(stmt)).first() is None:
            raise SubscriptionStateInvalid("The subscription has no lessons left.")
