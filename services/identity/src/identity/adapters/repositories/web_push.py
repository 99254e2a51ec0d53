"""A person's browsers subscribed to web push."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import web_push_subscriptions
from identity.domain.web_push import PushSubscription
from kabinet.db.any_of import any_of
from kabinet.db.dialect import insert_for

c = web_push_subscriptions.c


class SqlWebPushRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_person(self, person_id: str) -> list[PushSubscription]:
        rows = (await self.session.execute(select(c.endpoint, c.p256dh, c.auth).where(
            c.person_id == person_id).order_by(c.created_at))).all()
        return [PushSubscription(r.endpoint, r.p256dh, r.auth) for r in rows]

    async def people_with(self, person_ids: Sequence[str]) -> set[str]:
        if not person_ids:
            return set()
        rows = await self.session.execute(select(c.person_id).distinct().where(any_of(c.person_id, person_ids)))
        return set(rows.scalars())

    async def count(self, person_id: str) -> int:
        return int((await self.session.execute(select(func.count()).where(c.person_id == person_id))).scalar_one())

    async def owner(self, endpoint: str) -> str | None:
        got = await self.session.execute(select(c.person_id).where(c.endpoint == endpoint))
        return got.scalar_one_or_none()

    async def add(self, person_id: str, sub: PushSubscription, now: datetime) -> None:
        # One browser, one row: re-subscribing (new keys) or another account signing in on it takes the row over.
        values = {"person_id": person_id, "p256dh": sub.p256dh, "auth": sub.auth, "created_at": now}
        stmt = insert_for(self.session, web_push_subscriptions).values(endpoint=sub.endpoint, **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["endpoint"], set_=values))

    async def remove(self, endpoint: str, person_id: str | None = None) -> bool:
        where = [c.endpoint == endpoint] + ([c.person_id == person_id] if person_id is not None else [])
        result = await self.session.execute(delete(web_push_subscriptions).where(*where))
        return bool(getattr(result, "rowcount", 0))
