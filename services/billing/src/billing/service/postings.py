"""Ledger postings deferred to the end of a unit of work, applied together in a fixed lock order.

The kit's consumer handles a batch of events in one transaction, and several batches at once. Posting each
charge as its event is handled would lock family accounts in event order, so two batches sharing families
could deadlock. Charges and refunds from events are queued here instead and posted together just before the
commit: one locking SELECT in account-id order, one UPDATE for all the balances, one INSERT each for the
transactions and their entries.

The events published then carry the context (correlation and causation ids) captured when the event that
caused them was handled: the commit runs after every event's own context has ended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from billing.adapters.repositories import LedgerRepository
from billing.domain.events import BalanceChanged, ChargeApplied, money
from billing.domain.model import DEFAULT_LIMITS, MoneyLimits, Transaction
from kabinet.context import EventContext, current_context
from kabinet.db import UnitOfWork

_ATTR = "_billing_postings"


@dataclass
class PendingPostings:
    txs: list[Transaction] = field(default_factory=list)
    # Charge events wait for the posting: whether a charge went into debt is known only then.
    charges: list[tuple[ChargeApplied, str | None, EventContext]] = field(default_factory=list)
    contexts: dict[str, EventContext] = field(default_factory=dict)  # transaction id -> its event's context
    # Work deferred to be done set-wise for many events (lessons published), before the postings:
    # (event, the context it was handled in).
    lessons: list[tuple[Any, EventContext]] = field(default_factory=list)
    settle_lessons: Callable[[UnitOfWork, list[tuple[Any, EventContext]]], Awaitable[None]] | None = None

    def transaction(self, tx_id: str) -> Transaction | None:
        return next((t for t in self.txs if t.id == tx_id), None)


def pending(uow: UnitOfWork) -> PendingPostings:
    found = getattr(uow, _ATTR, None)
    if found is None:
        found = PendingPostings()
        setattr(uow, _ATTR, found)
    return found


def queue(uow: UnitOfWork, tx: Transaction | None, charge: ChargeApplied | None = None,
          context: EventContext | None = None) -> None:
    """Queue a posting (and its charge event) on behalf of ``context``, by default the current one."""
    p = pending(uow)
    ctx = context or current_context()
    if tx is not None:
        p.txs.append(tx)
        p.contexts[tx.id] = ctx
    if charge is not None:
        p.charges.append((charge, tx.id if tx is not None else None, ctx))


async def settle(uow: UnitOfWork) -> None:
    """Do the deferred per-event work now (before a handler that may read what it writes)."""
    p = pending(uow)
    if p.lessons and p.settle_lessons is not None:
        events = list(p.lessons)
        p.lessons.clear()
        await p.settle_lessons(uow, events)


async def flush(uow: UnitOfWork) -> None:
    """Settle the deferred work, post what is queued, then publish the balance and charge events."""
    await settle(uow)
    p = pending(uow)
    if not p.txs and not p.charges:
        return
    txs, charges, contexts = list(p.txs), list(p.charges), dict(p.contexts)
    p.txs.clear()
    p.charges.clear()
    p.contexts.clear()
    posted = await LedgerRepository(uow.session).post_many(txs, limits_of(uow).balance_ceiling)
    last: dict[str, Transaction] = {}
    for tx in txs:
        if tx.family_delta != 0:
            last[tx.family_id] = tx
    for family_id, tx in sorted(last.items()):  # one event per family: its balance after the batch
        uow.publish(BalanceChanged(family_id=family_id, balance=money(posted[tx.id].balance_after, tx.currency),
                                   transaction_id=tx.id, kind=tx.kind.value), context=contexts.get(tx.id))
    for event, tx_id, ctx in charges:
        debt = posted[tx_id].debt if tx_id is not None else False
        uow.publish(event.model_copy(update={"debt": debt}) if debt else event, context=ctx)


def limits_of(uow: UnitOfWork) -> MoneyLimits:
    """The money limits of the runtime that made this unit of work (the defaults for a plain one)."""
    return getattr(uow, "limits", DEFAULT_LIMITS)


class BillingUnitOfWork(UnitOfWork):
    """The kit's unit of work that posts the queued ledger transactions right before it commits, and knows
    the runtime's money limits."""

    limits: MoneyLimits = DEFAULT_LIMITS

    async def commit(self) -> None:
        await flush(self)
        await super().commit()
