"""Secrets and counters of signing in: one-time codes and the SMS log, email links, refresh-token chains
(sessions) and throttles. Codes and tokens are stored only as keyed hashes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.adapters.tables import (
    email_tokens,
    notifications,
    one_time_codes,
    refresh_tokens,
    sms_day_totals,
    sms_messages,
    throttle_events,
)
from identity.domain.credentials import EmailToken, OneTimeCode, RefreshToken
from identity.domain.model import new_id
from kabinet.db.dialect import insert_for
from kabinet.db.locks import take_turns


def _locking(stmt: Any) -> Any:
    # Row locks serialise concurrent tries of one code or token on PostgreSQL (on SQLite a unit of work holds the
    # write lock from its start: kabinet.db.engine).
    return stmt.with_for_update()


async def _take_turns(session: AsyncSession, scope: str, key: str) -> None:
    """Callers count events, then insert one if under the cap. Under READ COMMITTED concurrent requests would
    all count before any inserts and all pass (30 parallel wrong passwords got 19 tries, not 10). A transaction
    advisory lock per cap key makes them take turns; commit or rollback releases it."""
    await take_turns(session, [(scope, key)])


class SqlCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, c: OneTimeCode) -> None:
        await self.session.execute(insert(one_time_codes).values(
            id=c.id, phone=c.phone, purpose=c.purpose, code_hash=c.code_hash, created_at=c.created_at,
            expires_at=c.expires_at, attempts=c.attempts, used_at=c.used_at))

    async def latest(self, phone: str, purpose: str) -> OneTimeCode | None:
        stmt = (select(one_time_codes).where(one_time_codes.c.phone == phone, one_time_codes.c.purpose == purpose)
                .order_by(one_time_codes.c.created_at.desc()).limit(1))
        row = (await self.session.execute(_locking(stmt))).first()
        if row is None:
            return None
        return OneTimeCode(row.id, row.phone, row.purpose, row.code_hash, row.created_at, row.expires_at,
                           row.attempts, row.used_at)

    async def save(self, c: OneTimeCode) -> None:
        await self.session.execute(update(one_time_codes).where(one_time_codes.c.id == c.id)
                                   .values(attempts=c.attempts, used_at=c.used_at))

    async def retire(self, phone: str, purpose: str, now: datetime) -> None:
        await self.session.execute(update(one_time_codes).where(
            one_time_codes.c.phone == phone, one_time_codes.c.purpose == purpose, one_time_codes.c.used_at.is_(None)
        ).values(used_at=now))

    async def count_since(self, phone: str, since: datetime) -> int:
        await _take_turns(self.session, "code_phone", phone)
        stmt = select(func.count()).select_from(one_time_codes).where(
            one_time_codes.c.phone == phone, one_time_codes.c.created_at >= since)
        return int((await self.session.execute(stmt)).scalar_one())

    async def log_sms(self, phone: str, purpose: str, branch_id: str | None, cost: Decimal, currency: str,
                      client_ip: str | None, now: datetime, notification_id: str | None = None) -> None:
        await self.session.execute(insert(sms_messages).values(
            id=new_id(), phone=phone, purpose=purpose, branch_id=branch_id, cost_amount=cost, currency=currency,
            client_ip=client_ip, created_at=now, notification_id=notification_id))

    async def charged_for(self, notification_id: str) -> bool:
        return (await self.session.execute(select(sms_messages.c.id).where(
            sms_messages.c.notification_id == notification_id))).first() is not None

    async def delete_old_sms(self, before: datetime, limit: int) -> int:
        old = sms_messages.alias("old")
        # A notification's SMS only once its notification is gone: while it is kept (pending, refused) the row is
        # its charge-once key (charged_for), and a later try must not be charged, nor sent, again.
        done = or_(old.c.notification_id.is_(None), ~exists().where(notifications.c.id == old.c.notification_id))
        oldest = (select(old.c.id).where(old.c.created_at < before, done)
                  .order_by(old.c.created_at, old.c.id).limit(limit))
        result = await self.session.execute(delete(sms_messages).where(sms_messages.c.id.in_(oldest)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def add_to_day_total(self, day: date, key: str, cost: Decimal, *, max_sent: int | None = None,
                               max_cost: Decimal | None = None) -> bool:
        if (max_sent is not None and max_sent < 1) or (max_cost is not None and cost > max_cost):
            return False  # the day's first SMS is over the cap already (the INSERT branch below checks none)
        t = sms_day_totals
        within = []
        if max_sent is not None:
            within.append(t.c.sent + 1 <= max_sent)
        if max_cost is not None:
            within.append(t.c.cost_amount + cost <= max_cost)
        # One statement: the row is created or raised only while under the caps; PostgreSQL locks the row until
        # commit (concurrent callers of this key wait here, others do not), SQLite's unit of work holds the write
        # lock anyway. Nothing returned: a cap would be passed, and nothing changed.
        stmt = insert_for(self.session, t).values(day=day, key=key, sent=1, cost_amount=cost).on_conflict_do_update(
            index_elements=["day", "key"], set_={"sent": t.c.sent + 1, "cost_amount": t.c.cost_amount + cost},
            where=and_(*within) if within else None,
        ).returning(t.c.sent)
        return (await self.session.execute(stmt)).first() is not None

    async def sent_on(self, day: date, key: str) -> int:
        stmt = select(sms_day_totals.c.sent).where(sms_day_totals.c.day == day, sms_day_totals.c.key == key)
        return int((await self.session.execute(stmt)).scalar_one_or_none() or 0)


class SqlEmailLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token_hash: str, purpose: str, subject_kind: str, subject_id: str, email: str,
                  now: datetime, expires_at: datetime) -> None:
        await self.session.execute(insert(email_tokens).values(
            id=new_id(), token_hash=token_hash, purpose=purpose, subject_kind=subject_kind, subject_id=subject_id,
            email=email, created_at=now, expires_at=expires_at))

    async def by_hash(self, token_hash: str) -> EmailToken | None:
        stmt = select(email_tokens).where(email_tokens.c.token_hash == token_hash)
        row = (await self.session.execute(_locking(stmt))).first()
        if row is None:
            return None
        return EmailToken(row.id, row.purpose, row.subject_kind, row.subject_id, row.email, row.expires_at,
                          row.used_at)

    async def use(self, token_id: str, now: datetime) -> None:
        await self.session.execute(update(email_tokens).where(email_tokens.c.id == token_id).values(used_at=now))


class SqlSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token_hash: str, chain_id: str, subject_kind: str, subject_id: str, now: datetime,
                  expires_at: datetime) -> None:
        await self.session.execute(insert(refresh_tokens).values(
            id=new_id(), token_hash=token_hash, chain_id=chain_id, subject_kind=subject_kind,
            subject_id=subject_id, created_at=now, expires_at=expires_at))

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        stmt = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self.session.execute(_locking(stmt))).first()
        if row is None:
            return None
        return RefreshToken(row.id, row.chain_id, row.subject_kind, row.subject_id, row.expires_at, row.used_at,
                            row.revoked_at)

    async def mark_used(self, token_id: str, now: datetime) -> None:
        await self.session.execute(update(refresh_tokens).where(refresh_tokens.c.id == token_id)
                                   .values(used_at=now))

    async def revoke_chain(self, chain_id: str, now: datetime) -> None:
        await self.session.execute(update(refresh_tokens).where(
            refresh_tokens.c.chain_id == chain_id, refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))

    async def revoke_subject(self, subject_id: str, now: datetime) -> None:
        await self.session.execute(update(refresh_tokens).where(
            refresh_tokens.c.subject_id == subject_id, refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now))


class SqlThrottleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hit(self, bucket: str, key: str, now: datetime) -> None:
        await self.session.execute(insert(throttle_events).values(id=new_id(), bucket=bucket, key=key,
                                                                  created_at=now))

    async def hits_since(self, bucket: str, key: str, since: datetime) -> int:
        await _take_turns(self.session, bucket, key)
        stmt = select(func.count()).select_from(throttle_events).where(
            throttle_events.c.bucket == bucket, throttle_events.c.key == key, throttle_events.c.created_at >= since)
        return int((await self.session.execute(stmt)).scalar_one())
