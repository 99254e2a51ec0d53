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
from typing import Any

from billing.domain.events import BalanceChanged, LessonCharged, SubscriptionEnding
from billing.domain.model import Transaction, utcnow
from billing.domain.records import LessonCharge
from billing.service.unit_of_work import BillingUnitOfWork
from kabinet.context import EventContext, current_context
from kabinet.events import MoneyPayload, Prepared


@dataclass
class ChargedLesson:
    """A lesson's charges of one batch, on behalf of one event: one ``billing.lesson.charged`` at the end."""

    lesson_id: str
    branch_id: str
    context: EventContext
    charges: list[tuple[LessonCharge, Transaction | None]] = field(default_factory=list)


@dataclass
class Postings:
    """What the handlers of one batch post to the ledger at its end (the consumer's per-batch state)."""

    txs: list[Transaction] = field(default_factory=list)
    contexts: dict[str, EventContext] = field(default_factory=dict)  # transaction id -> its event's context
    # The charges' events wait for the posting: the balance after each, and whether it went into debt, are
    # known only then. By (lesson id, causing event id).
    lessons: dict[tuple[str, str | None], ChargedLesson] = field(default_factory=dict)

    def add(self, tx: Transaction, context: EventContext | None = None) -> None:
        """A posting on behalf of ``context``, by default the current one."""
        self.txs.append(tx)
        self.contexts[tx.id] = context or current_context()

    def charge(self, lesson_id: str, branch_id: str, charge: LessonCharge, tx: Transaction | None,
               context: EventContext | None = None) -> None:
        """A lesson charge (and its posting, None when it moves nothing) on behalf of ``context``."""
        ctx = context or current_context()
        if tx is not None:
            self.txs.append(tx)
            self.contexts[tx.id] = ctx
        key = (lesson_id, ctx.causation_id)
        lesson = self.lessons.get(key)
        if lesson is None:
            lesson = self.lessons[key] = ChargedLesson(lesson_id, branch_id, ctx)
        lesson.charges.append((charge, tx))

    def transaction(self, tx_id: str) -> Transaction | None:
        """A transaction collected in this batch (charged, not posted yet)."""
        return next((t for t in self.txs if t.id == tx_id), None)


async def post_batch(uow: BillingUnitOfWork, postings: Postings) -> None:
    """The consumer's finish step: post what the batch collected, then publish one ``billing.lesson.charged``
    per charged lesson, one ``billing.subscription.ending`` per subscription those charges took down to the
    threshold, and one ``billing.balance.changed`` per family whose balance something else changed."""
    if not postings.txs and not postings.lessons:
        return
    txs, contexts = postings.txs, postings.contexts
    posted = await uow.ledger.post_many(txs, uow.limits.balance_ceiling)
    moved = {tx.id for tx in txs if tx.family_delta != 0}  # the transactions that changed a money balance
    charged: set[str] = set()  # of them, those whose balance a lesson-charged event carries
    for lesson in postings.lessons.values():
        # The payload in its JSON form, as LessonCharged(...).to_payload() gives it (fields in the contract's
        # order, amounts as "%.2f" strings): built here, not validated and dumped by pydantic for each of a month's
        # 3,520 lessons. The unit tests' unit of work validates every one against the contract (Prepared).
        lines: list[dict[str, Any]] = []
        for c, tx in lesson.charges:
            line: dict[str, Any] = {"charge_id": c.id, "family_id": c.family_id, "student_id": c.student_id,
                                    "amount": {"amount": f"{c.amount:.2f}", "currency": c.currency},
                                    "subscription_id": c.subscription_id, "debt": False, "balance": None}
            if tx is not None:
                p = posted[tx.id]
                line["debt"] = p.debt
                if tx.id in moved:
                    line["balance"] = {"amount": f"{p.balance_after:.2f}", "currency": tx.currency}
                    charged.add(tx.id)
            lines.append(line)
        uow.publish(Prepared(LessonCharged, {"lesson_id": lesson.lesson_id, "branch_id": lesson.branch_id,
                                             "charges": lines}), context=lesson.context)
    await _announce_ending(uow, postings)
    last: dict[str, Transaction] = {}
    for tx in txs:
        if tx.id in moved:
            last[tx.family_id] = tx
    # One event per family (its balance after the batch), after the charges' events: the last word is the
    # latest balance; none when its last change was a lesson charge (that lesson's event says it).
    for family_id, tx in sorted(last.items()):
        if tx.id in charged:
            continue
        balance = MoneyPayload(amount=posted[tx.id].balance_after, currency=tx.currency)
        uow.publish(BalanceChanged(family_id=family_id, balance=balance, transaction_id=tx.id, kind=tx.kind.value),
                    context=contexts.get(tx.id))


async def _announce_ending(uow: BillingUnitOfWork, postings: Postings) -> None:
    """The subscriptions this batch's charges took to the package-ending threshold: announced once each, in the
    charges' transaction (the outbox), on behalf of the lesson's event that charged it last."""
    charged_by = {c.subscription_id: lesson.context for lesson in postings.lessons.values()
                  for c, tx in lesson.charges if c.subscription_id is not None and tx is not None}
    if not charged_by:
        return
    for sub in await uow.subscriptions.announce_ending(sorted(charged_by), uow.limits.subscription_ending_at,
                                                       utcnow()):
        uow.publish(SubscriptionEnding(
            subscription_id=sub.id, family_id=sub.family_id, student_id=sub.student_id, branch_id=sub.branch_id,
            name=sub.name, lessons_left=sub.lessons_left or 0, lessons_total=sub.lessons_total or 0,
            valid_until=sub.valid_until.isoformat()), context=charged_by[sub.id])
