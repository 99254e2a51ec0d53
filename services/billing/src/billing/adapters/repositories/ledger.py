"""The ledger: transactions and their entries, the cached balances, the lesson credits they move."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, case, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.tables import accounts, ledger_entries, ledger_transactions, payments, subscriptions
from billing.domain.errors import AccountNotFound, BalanceLimitExceeded, InsufficientFunds, SubscriptionStateInvalid
from billing.domain.model import CENT, LESSON_CREDIT, Entry, SubscriptionStatus, Transaction, new_id
from billing.domain.records import Payment, Posted, PostedTransaction
from kabinet.db.any_of import any_of
from kabinet.db.bulk import BulkCopy, unnest
from kabinet.db.dialect import dialect_of
from kabinet.db.types import Amount
from kabinet.money import AMOUNT_COLUMN_MAX

_ZERO = Decimal(0)
_LIVE = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.FROZEN.value)
_CREDITS_REFUSED = "The subscription has no lessons left, or has ended."


def _credits_movable(delta: Any) -> tuple[Any, ...]:
    """When a subscription's credits may move by ``delta``: never below zero, and none back to an ended one.
    Checked in the credits' UPDATE, under the row's lock: a lesson refund that read the subscription open while
    it was being closed (or expired) is refused here rather than leaving a credit on it that no one can use -
    the event is delivered again and the refund, reading it ended, settles the credit in money as the close did.
    A settlement's credits go back and out again in one transaction: no move (0) there."""
    s = subscriptions
    return (s.c.lessons_left.is_not(None), s.c.lessons_left + delta >= 0,
            or_(delta <= 0, s.c.status.in_(_LIVE)))
_ADD_TO_BALANCE = (update(accounts).where(accounts.c.id == bindparam("account_id"))
                   .values(balance=accounts.c.balance + bindparam("delta", type_=Amount())))
_CHANGES = unnest(accounts, ("id", "balance"), prefix="change_")  # (account id, delta) pairs
_ADD_TO_BALANCES = (update(accounts).where(accounts.c.id == _CHANGES.c.id)
                    .values(balance=accounts.c.balance + _CHANGES.c.balance))
_TX_COLUMNS = tuple(c.name for c in ledger_transactions.columns if c.name != "seq")
_ENTRY_COLUMNS = tuple(c.name for c in ledger_entries.columns)
# Ledger rows are only ever inserted: written by COPY on PostgreSQL (see kabinet.db.bulk.BulkCopy).
_INSERT_TRANSACTIONS = BulkCopy(ledger_transactions, _TX_COLUMNS)
_INSERT_ENTRIES = BulkCopy(ledger_entries, _ENTRY_COLUMNS)
assert _TX_COLUMNS == (
    "id", "account_id", "family_id", "kind", "description", "amount", "currency", "balance_after", "lessons_delta",
    "debt", "branch_id", "student_id", "lesson_id", "subscription_id", "payment_id", "invoice_id", "reverses_id",
    "discount_id", "discount_name", "discount_amount", "created_by", "created_at")  # _tx_row's order
assert _ENTRY_COLUMNS == ("id", "transaction_id", "account_id", "ledger_account", "amount", "currency",
                          "description", "created_at")  # _entry_rows' order


def _payment_posting() -> Any:
    """A payment's posting in ONE statement (PostgreSQL): the balance's conditional UPDATE, and from its
    RETURNING the transaction, its entries and the payment row, as data-modifying CTEs. The inserts select FROM
    the UPDATE's row: refused by the ceiling (no row), nothing is inserted. The ledger's checks are the same
    as post()'s statements get: the foreign keys and the balanced-entries statement trigger run on these rows."""
    a = accounts
    delta = bindparam("delta", type_=a.c.balance.type)
    new_balance = a.c.balance + delta
    posted = (update(a).where(a.c.id == bindparam("account_id", type_=a.c.id.type),
                              new_balance <= bindparam("ceiling", type_=a.c.balance.type))
              .values(balance=new_balance).returning(a.c.balance, a.c.credit_limit).cte("posted"))
    tx_columns = [n for n in _TX_COLUMNS if n != "balance_after"]
    tx_values = [bindparam(f"tx_{n}", type_=ledger_transactions.c[n].type) for n in tx_columns]
    tx_insert = pg_insert(ledger_transactions).from_select(
        [*tx_columns, "balance_after"], select(*tx_values, posted.c.balance)).cte("tx")
    entries = unnest(ledger_entries, _ENTRY_COLUMNS, prefix="entry_")
    entries_insert = pg_insert(ledger_entries).from_select(
        _ENTRY_COLUMNS, select(*entries.c).where(exists(select(posted.c.balance)))).cte("entries")
    payment_columns = [f.name for f in fields(Payment)]
    payment_insert = pg_insert(payments).from_select(payment_columns, select(
        *(bindparam(f"payment_{n}", type_=payments.c[n].type) for n in payment_columns)
    ).where(exists(select(posted.c.balance)))).cte("payment")
    return select(posted.c.balance, posted.c.credit_limit).add_cte(tx_insert, entries_insert, payment_insert)


_POST_PAYMENT = _payment_posting()


def _tx_row(tx: Transaction, delta: Decimal, balance_after: Decimal, lessons_delta: int, debt: bool
            ) -> tuple[Any, ...]:
    """One transaction's row, in _TX_COLUMNS order."""
    return (tx.id, tx.account_id, tx.family_id, tx.kind.value, tx.description, delta, tx.currency, balance_after,
            lessons_delta, debt, tx.branch_id, tx.student_id, tx.lesson_id, tx.subscription_id, tx.payment_id,
            tx.invoice_id, tx.reverses_id, tx.discount_id, tx.discount_name, tx.discount_amount, tx.created_by,
            tx.created_at)


def _entry_rows(txs: Sequence[Transaction]) -> list[tuple[Any, ...]]:
    """The entries of the transactions, in _ENTRY_COLUMNS order."""
    return [(new_id(), tx.id, e.account_id, e.ledger_account, e.amount, e.currency, tx.description, tx.created_at)
            for tx in txs for e in tx.entries]


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
        await _INSERT_TRANSACTIONS.execute(self.session, [_tx_row(tx, delta, balance_after, lessons_delta, debt)])
        await _INSERT_ENTRIES.execute(self.session, _entry_rows([tx]))
        return Posted(tx.id, balance_after, debt)

    async def post_payment(self, tx: Transaction, payment: Payment, *, ceiling: Decimal = AMOUNT_COLUMN_MAX
                           ) -> Posted:
        """Post a payment's transaction (money in, no lesson credits) and add the payment, as ``post`` and
        ``PaymentRepository.add`` do, in one statement on PostgreSQL (four before)."""
        delta = tx.family_delta
        if dialect_of(self.session) != "postgresql" or delta <= 0 or any(
                e.currency == LESSON_CREDIT for e in tx.entries):
            posted = await self.post(tx, allow_debt=False, ceiling=ceiling)
            await self.session.execute(payments.insert().values(**asdict(payment)))
            return posted
        # balance_after: the UPDATE's, in the statement
        tx_row = zip(_TX_COLUMNS, _tx_row(tx, delta, _ZERO, 0, False), strict=True)
        params: dict[str, Any] = {"account_id": tx.account_id, "delta": delta,
                                  "ceiling": min(ceiling, AMOUNT_COLUMN_MAX)}
        params.update({f"tx_{n}": v for n, v in tx_row if n != "balance_after"})
        entries = _entry_rows([tx])
        params.update({f"entry_{n}": [row[i] for row in entries] for i, n in enumerate(_ENTRY_COLUMNS)})
        params.update({f"payment_{n}": v for n, v in asdict(payment).items()})
        row = (await self.session.execute(_POST_PAYMENT, params)).first()
        if row is None:
            if (await self.session.execute(select(accounts.c.id).where(accounts.c.id == tx.account_id))).first():
                raise BalanceLimitExceeded(field="amount")
            raise AccountNotFound(field="familyId")
        return Posted(tx.id, Decimal(row.balance).quantize(Decimal("0.01")), False)

    async def post_many(self, txs: Sequence[Transaction], ceiling: Decimal = AMOUNT_COLUMN_MAX
                        ) -> dict[str, Posted]:
        """Apply many transactions (of any families) in a few statements, never refused for the credit limit:
        charges of lessons that happened or were booked are recorded, beyond the credit limit as debt.

        The rows are locked in id order (accounts, then subscriptions), so concurrent batches touching the
        same families wait for each other instead of deadlocking. The balances are read under the lock and
        every transaction's ``balance_after`` follows from them in the order given. A balance that would end
        beyond ± ``ceiling`` refuses the whole batch (BalanceLimitExceeded) before any balance changes.
        Whatever the number of transactions: one statement each to lock, to change the balances, to insert
        the transactions and to insert their entries (see kabinet.db.bulk).
        """
        if not txs:
            return {}
        a = accounts
        family_deltas = [tx.family_delta for tx in txs]  # a property summing the entries: once per transaction
        deltas: dict[str, Decimal] = {}
        credits: dict[str, int] = {}
        lessons_deltas: list[int] = []
        for tx, delta in zip(txs, family_deltas, strict=True):
            deltas[tx.account_id] = deltas.get(tx.account_id, _ZERO) + delta
            lessons = 0
            for e in tx.entries:
                if e.currency == LESSON_CREDIT and e.account_id is not None:
                    sid = e.ledger_account.split(":", 1)[1]
                    credits[sid] = credits.get(sid, 0) + int(e.amount)
                    lessons += int(e.amount)
            lessons_deltas.append(lessons)
        # The entries do not depend on the balances: written before the accounts are locked, which are then
        # held only for what needs them (their foreign keys' KEY SHARE locks do not conflict with the NO KEY
        # UPDATE locks below, so another batch holding these accounts does not stop this insert).
        await _INSERT_ENTRIES.execute(self.session, _entry_rows(txs))
        ids = sorted(deltas)
        locked = (await self.session.execute(
            select(a.c.id, a.c.balance, a.c.credit_limit).where(any_of(a.c.id, ids)).order_by(a.c.id)
            .with_for_update(key_share=True))).all()  # FOR NO KEY UPDATE: what the balance's UPDATE takes
        state = {r.id: (Decimal(r.balance).quantize(CENT), Decimal(r.credit_limit)) for r in locked}
        limit_of = min(ceiling, AMOUNT_COLUMN_MAX)
        posted: dict[str, Posted] = {}
        tx_rows: list[tuple[Any, ...]] = []
        for tx, delta, lessons in zip(txs, family_deltas, lessons_deltas, strict=True):
            # every intermediate balance too: each is stored as a transaction's balance_after
            before, limit = state[tx.account_id]
            after = (before + delta).quantize(CENT)
            if (delta > 0 and after > limit_of) or (delta < 0 and after < -limit_of):
                raise BalanceLimitExceeded(field="amount")
            state[tx.account_id] = (after, limit)
            debt = delta < 0 and after < -limit
            posted[tx.id] = Posted(tx.id, after, debt)
            tx_rows.append(_tx_row(tx, delta, after, lessons, debt))
        # The transactions before the balances' UPDATE: their foreign keys then check the accounts' rows as
        # locked, not the versions this UPDATE makes (a COPY after such an UPDATE measured ~20 % slower alone).
        await _INSERT_TRANSACTIONS.execute(self.session, tx_rows)
        changed = sorted((k, v) for k, v in deltas.items() if v != 0)
        if changed:  # the rows are already locked above, in id order
            await self._add_to_balances(changed)
        if credits:
            await self._move_credits_many(credits)
        return posted

    async def _add_to_balances(self, changed: Sequence[tuple[str, Decimal]]) -> None:
        if dialect_of(self.session) == "postgresql":  # one UPDATE ... FROM unnest(ids, deltas)
            await self.session.execute(_ADD_TO_BALANCES, {"change_id": [k for k, _ in changed],
                                                          "change_balance": [v for _, v in changed]})
        else:  # executemany of one cached UPDATE
            await self.session.execute(_ADD_TO_BALANCE, [{"account_id": k, "delta": v} for k, v in changed])

    async def _move_credits_many(self, credits: dict[str, int]) -> None:
        s = subscriptions
        ids = sorted(credits)
        await self.session.execute(select(s.c.id).where(any_of(s.c.id, ids)).order_by(s.c.id).with_for_update())
        delta_of = case(credits, value=s.c.id)
        rows = (await self.session.execute(
            update(s).where(any_of(s.c.id, ids), *_credits_movable(delta_of))
            .values(lessons_left=s.c.lessons_left + delta_of).returning(s.c.id))).all()
        if len(rows) != len(ids):
            raise SubscriptionStateInvalid(_CREDITS_REFUSED)

    async def transactions(self, tx_ids: Sequence[str]) -> dict[str, PostedTransaction]:
        """Transactions in the ledger with their entries (in entry-id order)."""
        t, e = ledger_transactions, ledger_entries
        entries: dict[str, list[Entry]] = {i: [] for i in tx_ids}
        for r in (await self.session.execute(select(e).where(any_of(e.c.transaction_id, tx_ids))
                                             .order_by(e.c.id))).all():
            entries[r.transaction_id].append(Entry(r.ledger_account, r.amount, r.currency, r.account_id))
        return {r.id: PostedTransaction(r.id, r.account_id, r.family_id, r.description, tuple(entries[r.id]))
                for r in (await self.session.execute(select(t).where(any_of(t.c.id, tx_ids)))).all()}

    async def _move_credits(self, subscription_id: str, lessons: int) -> None:
        s = subscriptions
        stmt = (update(s).where(s.c.id == subscription_id, *_credits_movable(lessons))
                .values(lessons_left=s.c.lessons_left + lessons).returning(s.c.id))
        if (await self.session.execute(stmt)).first() is None:
            raise SubscriptionStateInvalid(_CREDITS_REFUSED)
