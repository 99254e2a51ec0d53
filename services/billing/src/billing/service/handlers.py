"""Billing's event handlers: all its subscriptions in one place."""

from __future__ import annotations

from billing.adapters.repositories import AccountRepository
from billing.domain.events import AccountOpened
from billing.domain.model import FamilyAccount, new_id
from billing.service.inbound_events import StudentRegisteredV1
from kabinet.db import UnitOfWork
from kabinet.events import Envelope
from kabinet.inbox import EventHandler


async def open_family_account(envelope: Envelope, uow: UnitOfWork) -> None:
    """A family's first registered student opens its account; later students share it (R-BIL-1)."""
    event = StudentRegisteredV1.parse_envelope(envelope)
    account = FamilyAccount(new_id(), event.family_id)
    if await AccountRepository(uow.session).add_if_absent(account):
        uow.publish(AccountOpened(account_id=account.id, family_id=account.family_id, currency=account.currency))


HANDLERS: dict[str, EventHandler] = {
    StudentRegisteredV1.routing_key(): open_family_account,
}
