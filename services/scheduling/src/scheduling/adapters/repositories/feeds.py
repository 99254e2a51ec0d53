"""Calendar feeds (only the SHA-256 of a token is stored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.adapters.tables import calendar_feeds
from scheduling.domain.model import CalendarFeed


class FeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, feed_id: str, token_hash: str, owner_kind: str, owner_id: str, now: datetime) -> None:
        await self.session.execute(insert(calendar_feeds).values(
            id=feed_id, token_hash=token_hash, owner_kind=owner_kind, owner_id=owner_id, created_at=now))

    async def by_hash(self, token_hash: str) -> CalendarFeed | None:
        r = (await self.session.execute(select(calendar_feeds).where(calendar_feeds.c.token_hash == token_hash))
             ).first()
        return CalendarFeed(r.id, r.owner_kind, r.owner_id, r.revoked_at is not None) if r else None

    async def get(self, feed_id: str) -> CalendarFeed | None:
        r = (await self.session.execute(select(calendar_feeds).where(calendar_feeds.c.id == feed_id))).first()
        return CalendarFeed(r.id, r.owner_kind, r.owner_id, r.revoked_at is not None) if r else None

    async def revoke(self, feed_id: str, now: datetime) -> None:
        await self.session.execute(update(calendar_feeds).where(
            and_(calendar_feeds.c.id == feed_id, calendar_feeds.c.revoked_at.is_(None))).values(revoked_at=now))

    async def revoke_owner(self, owner_kind: str, owner_id: str, now: datetime) -> None:
        """Every live feed of a student or teacher stops working (erasure)."""
        await self.session.execute(update(calendar_feeds).where(
            calendar_feeds.c.owner_kind == owner_kind, calendar_feeds.c.owner_id == owner_id,
            calendar_feeds.c.revoked_at.is_(None)).values(revoked_at=now))
