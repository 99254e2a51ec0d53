"""Events billing publishes."""

from __future__ import annotations

from typing import ClassVar

from kabinet.events import EventContract, produces


@produces
class AccountOpened(EventContract):
    event_type: ClassVar[str] = "billing.account.opened"
    event_version: ClassVar[int] = 1
    description: ClassVar[str] = "A family's account was opened (on its first student's registration)."

    account_id: str
    family_id: str
    currency: str
