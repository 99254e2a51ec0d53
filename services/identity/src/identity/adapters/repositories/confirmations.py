"""Families' pending confirmations (identity.domain.confirmations)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import family_confirmations as t
from identity.domain.confirmations import (
    ConfirmationKind,
    ConfirmationPayload,
    ConfirmationStatus,
    FamilyConfirmation,
)
from identity.domain.model import as_utc


def _confirmation(r: Row[Any]) -> FamilyConfirmation:
    return FamilyConfirmation(r.id, r.family_id, r.phone, ConfirmationKind(r.kind), r.requested_by, r.branch_id,
                              ConfirmationPayload.from_json(json.loads(r.payload)), r.code_hash,
                              as_utc(r.created_at), as_utc(r.expires_at), r.attempts, ConfirmationStatus(r.status),
                              as_utc(r.decided_at) if r.decided_at else None)


class SqlConfirmationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, c: FamilyConfirmation) -> None:
        await self.session.execute(insert(t).values(
            id=c.id, family_id=c.family_id, phone=c.phone, kind=c.kind.value, requested_by=c.requested_by,
            branch_id=c.branch_id, payload=json.dumps(c.payload.to_json()), code_hash=c.code_hash,
            created_at=c.created_at, expires_at=c.expires_at, attempts=c.attempts, status=c.status.value,
            decided_at=c.decided_at))

    async def get(self, confirmation_id: str, *, for_update: bool = False) -> FamilyConfirmation | None:
        stmt = select(t).where(t.c.id == confirmation_id)
        if for_update:  # serialises concurrent tries of one code on PostgreSQL (SQLite serialises writers)
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).first()
        return None if row is None else _confirmation(row)

    async def save(self, c: FamilyConfirmation) -> None:
        await self.session.execute(update(t).where(t.c.id == c.id).values(
            attempts=c.attempts, status=c.status.value, decided_at=c.decided_at))

    async def pending_of_family(self, family_id: str, now: datetime) -> list[FamilyConfirmation]:
        rows = (await self.session.execute(select(t).where(
            t.c.family_id == family_id, t.c.status == ConfirmationStatus.PENDING.value, t.c.expires_at > now)
            .order_by(t.c.created_at))).all()
        return [_confirmation(r) for r in rows]

    async def count_since(self, family_id: str, since: datetime) -> int:
        return int((await self.session.execute(select(func.count()).select_from(t).where(
            t.c.family_id == family_id, t.c.created_at >= since))).scalar_one())
