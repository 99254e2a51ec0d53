"""The ledger postings of a batch of events, posted together at its end in one lock order.

The kit's consumer handles a batch of events in one transaction, and several batches at once. Posting each
charge as its event is handled would lock family accounts in event order, so two batches sharing families
could deadlock. The handlers collect their charges and refunds in the batch's :class:`Postings` instead, and
the consumer's finish step, :func:`post_batch`, posts them together: one locking SELECT in account-id order,
one UPDATE for all the balances, one INSERT each for the transactions and their entries.

The events published then carry the context (correlation and causation ids) captured when the event that
caused them was handled: the finish step runs after every event's own context has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billing.domain.events import BalanceChanged, ChargeApplied
from billing.domain.model import Transaction
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.context import EventContext, current_context
from kabinet.events import MoneyPayload


@dataclass
class Postings:
    """What the handlers of one batch post to the ledger at its end (the consumer's per-batch state)."""

    txs: list[Transaction] = field(default_factory=list)
    # Charge events wait for the posting: whether a charge went into debt is known only then.
    charges: list[tuple[ChargeApplied, str | None, EventContext]] = field(default_factory=list)
    contexts: dict[str, EventContext] = field(default_factory=dict)  # transaction id -> its event's context

    def add(self, tx: Transaction | None, charge: ChargeApplied | None = None,
            context: EventContext | None = None) -> None:
        """A posting (and its charge event) on behalf of ``context``, by default the current one."""
        ctx = context or current_context()
        if tx is not None:
            self.txs.append(tx)
            self.contexts[tx.id] = ctx
        if charge is not None:
            self.charges.append((charge, tx.id if tx is not None else None, ctx))

    def transaction(self, tx_id: str) -> Transaction | None:
        """A transaction collected in this batch (charged, not posted yet)."""
        return next((t for t in self.txs if t.id == tx_id), None)


async def post_batch(uow: BillingUnitOfWork, postings: Postings) -> None:
    """The consumer's finish step: post what the batch collected, then publish the balance and charge events."""
    if not postings.txs and not postings.charges:
        return
    txs, charges, contexts = postings.txs, postings.charges, postings.contexts
    posted = await uow.ledger.post_many(txs, uow.limits.balance_ceiling)
    last: dict[str, Transaction] = {}
    for tx in txs:
        if tx.family_delta != 0:
            last[tx.family_id] = tx
    for family_id, tx in sorted(last.items()):  # one event per family: its balance after the batch
        balance = MoneyPayload(amount=posted[tx.id].balance_after, currency=tx.currency)
        uow.publish(BalanceChanged(family_id=family_id, balance=balance, transaction_id=tx.id, kind=tx.kind.value),
                    context=contexts.get(tx.id))
    for event, tx_id, ctx in charges:
        debt = posted[tx_id].debt if tx_id is not None else False
        uow.publish(event.model_copy(update={"debt": debt}) if debt else event, context=ctx)

