"""Messenger links (a person's Telegram chat) and their one-time link codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import messenger_link_codes, messenger_links
from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for

links_, codes_ = messenger_links.c, messenger_link_codes.c


class SqlMessengerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def chats(self, messenger: str, person_ids: Sequence[str]) -> dict[str, str]:
        if not person_ids:
            return {}
        rows = (await self.session.execute(select(links_.person_id, links_.chat_id).where(
            links_.messenger == messenger, any_of(links_.person_id, person_ids)))).all()
        return {r.person_id: r.chat_id for r in rows}

    async def link(self, messenger: str, person_id: str, chat_id: str, now: datetime) -> None:
        stmt = insert_for(self.session, messenger_links).values(person_id=person_id, messenger=messenger,
                                                                 chat_id=chat_id, linked_at=now)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["person_id", "messenger"],
                                                              set_={"chat_id": chat_id, "linked_at": now}))

    async def unlink(self, messenger: str, person_id: str) -> bool:
        result = await self.session.execute(delete(messenger_links).where(
            links_.messenger == messenger, links_.person_id == person_id))
        return bool(getattr(result, "rowcount", 0))

    async def add_code(self, messenger: str, person_id: str, code_hash: str, expires_at: datetime) -> None:
        await self.session.execute(delete(messenger_link_codes).where(
            codes_.messenger == messenger, codes_.person_id == person_id))
        await self.session.execute(messenger_link_codes.insert().values(
            code_hash=code_hash, person_id=person_id, messenger=messenger, expires_at=expires_at))

    async def take_code(self, messenger: str, code_hash: str, now: datetime) -> str | None:
        # DELETE ... RETURNING: of two webhooks with one code, only one gets the person.
        result = await self.session.execute(delete(messenger_link_codes).where(
            codes_.code_hash == code_hash, codes_.messenger == messenger).returning(
            codes_.person_id, codes_.expires_at))
        row = result.first()
        return row.person_id if row is not None and row.expires_at > now else None
