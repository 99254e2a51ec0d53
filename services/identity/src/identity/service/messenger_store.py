"""What messenger links need of storage (a Protocol; the SQL one is identity.adapters.repositories.messengers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class MessengerRepository(Protocol):
    async def chats(self, messenger: str, person_ids: Sequence[str]) -> dict[str, str]:
        """The linked chat of each given person who has one (person id -> chat id)."""
        ...

    async def link(self, messenger: str, person_id: str, chat_id: str, now: datetime) -> None:
        """Link (or re-link) the person's chat."""
        ...

    async def unlink(self, messenger: str, person_id: str) -> bool: ...

    async def add_code(self, messenger: str, person_id: str, code_hash: str, expires_at: datetime) -> None:
        """A new one-time code for the person; their earlier unused codes stop working."""
        ...

    async def take_code(self, messenger: str, code_hash: str, now: datetime) -> str | None:
        """The person of an unexpired code, the code used up (a second use finds nothing); None otherwise."""
        ...
