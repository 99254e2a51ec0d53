"""Groups, their memberships and their regular lessons (recurring rules)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kabinet.db.any_of import any_of
from kabinet.db.dialect import dialect_of
from kabinet.money import Money
from scheduling.adapters.tables import (
    groups,
    memberships,
    recurring_rules,
)
from scheduling.domain.model import (
    Group,
    Membership,
    ParticipantReason,
)
from scheduling.domain.recurrence import RecurringRule

# Hot reads built once (kabinet.db.any_of): building a select per call costs more than running it.
_BY_IDS = select(groups).where(any_of(groups.c.id, bindparam("ids")))
_HOLD_ALONE = select(groups.c.id).where(any_of(groups.c.id, bindparam("ids"))).order_by(groups.c.id).with_for_update()
_HOLD = _HOLD_ALONE.with_for_update(read=True)


def _group(r: Any) -> Group:
    return Group(r.id, r.branch_id, r.course_id, r.teacher_id, r.room_id, r.name, r.capacity,
                 Money(r.price, r.currency))


def _membership(r: Any) -> Membership:
    return Membership(r.id, r.group_id, r.student_id, r.family_id, r.starts_on, r.ends_on, r.transferred_to,
                      ParticipantReason(r.reason))


class GroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, g: Group) -> None:
        await self.session.execute(insert(groups).values(
            id=g.id, branch_id=g.branch_id, course_id=g.course_id, teacher_id=g.teacher_id, room_id=g.room_id,
            name=g.name, capacity=g.capacity, price=g.price.amount, currency=g.price.currency))

    async def get(self, group_id: str, *, lock: bool = False) -> Group | None:
        q = select(groups).where(groups.c.id == group_id)
        if lock and dialect_of(self.session) == "postgresql":
            q = q.with_for_update()
        r = (await self.session.execute(q)).first()
        return _group(r) if r else None

    async def hold_rosters(self, group_ids: Sequence[str], *, exclusive: bool = False) -> None:
        """Lock the groups' rows until commit, in id order. Shared (a month's generation): a join or a leave, which
        lock their group's row exclusively, waits for this transaction, and this one for a join or leave begun
        first, so the members read after this are those of the transaction's new lessons. Exclusive: a change of
        the roster (a transfer holds both its groups, in this order: no cycle with another transfer)."""
        if group_ids and dialect_of(self.session) == "postgresql":
            await self.session.execute(_HOLD_ALONE if exclusive else _HOLD, {"ids": sorted(set(group_ids))})

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Group]:
        rows = await self.session.execute(_BY_IDS, {"ids": list(ids)})
        return {r.id: _group(r) for r in rows}

    async def list_groups(self, branch_ids: Sequence[str] | None = None, teacher_id: str | None = None) -> list[Group]:
        q = select(groups).order_by(groups.c.name)
        if branch_ids is not None:
            q = q.where(any_of(groups.c.branch_id, branch_ids))
        if teacher_id is not None:
            q = q.where(groups.c.teacher_id == teacher_id)
        return [_group(r) for r in await self.session.execute(q)]

    async def add_membership(self, m: Membership) -> None:
        await self.session.execute(insert(memberships).values(
            id=m.id, group_id=m.group_id, student_id=m.student_id, family_id=m.family_id,
            starts_on=m.starts_on, ends_on=m.ends_on, transferred_to=m.transferred_to, reason=m.reason.value))

    async def save_membership(self, m: Membership) -> None:
        await self.session.execute(update(memberships).where(memberships.c.id == m.id).values(
            ends_on=m.ends_on, transferred_to=m.transferred_to))

    async def membership(self, membership_id: str) -> Membership | None:
        r = (await self.session.execute(select(memberships).where(memberships.c.id == membership_id))).first()
        return _membership(r) if r else None

    async def memberships_of_groups(self, group_ids: Sequence[str]) -> dict[str, list[Membership]]:
        out: dict[str, list[Membership]] = defaultdict(list)
        rows = await self.session.execute(select(memberships).where(any_of(memberships.c.group_id, group_ids))
                                          .order_by(memberships.c.starts_on))
        for r in rows:
            out[r.group_id].append(_membership(r))
        return out

    async def memberships_of_student(self, student_id: str) -> list[Membership]:
        rows = await self.session.execute(select(memberships).where(memberships.c.student_id == student_id)
                                          .order_by(memberships.c.starts_on))
        return [_membership(r) for r in rows]

    async def add_rule(self, rule: RecurringRule) -> None:
        await self.session.execute(insert(recurring_rules).values(
            id=rule.id, branch_id=rule.branch_id, group_id=rule.group_id, course_id=rule.course_id,
            teacher_id=rule.teacher_id, room_id=rule.room_id, lesson_type=rule.lesson_type, rrule=rule.rrule,
            start_time=rule.start_time, duration_min=rule.duration_min, price=rule.price.amount,
            currency=rule.price.currency, capacity=rule.capacity, valid_from=rule.valid_from,
            valid_until=rule.valid_until, skip_dates=[d.isoformat() for d in rule.skip_dates], active=True))

    async def rule(self, rule_id: str) -> RecurringRule | None:
        rules = await self.rules(ids=[rule_id])
        return rules[0] if rules else None

    async def rules(self, branch_id: str | None = None, group_ids: Sequence[str] | None = None,
                    ids: Sequence[str] | None = None) -> list[RecurringRule]:
        q = select(recurring_rules).where(recurring_rules.c.active.is_(True))
        if branch_id is not None:
            q = q.where(recurring_rules.c.branch_id == branch_id)
        if group_ids is not None:
            q = q.where(any_of(recurring_rules.c.group_id, group_ids))
        if ids is not None:
            q = q.where(any_of(recurring_rules.c.id, ids))
        return [RecurringRule(
            id=r.id, branch_id=r.branch_id, teacher_id=r.teacher_id, lesson_type=r.lesson_type, rrule=r.rrule,
            start_time=r.start_time, duration_min=r.duration_min, price=Money(r.price, r.currency),
            valid_from=r.valid_from, valid_until=r.valid_until, group_id=r.group_id, course_id=r.course_id,
            room_id=r.room_id, capacity=r.capacity, skip_dates=[date.fromisoformat(d) for d in r.skip_dates],
        ) for r in await self.session.execute(q.order_by(recurring_rules.c.id))]

    async def deactivate_rules(self, group_id: str) -> None:
        await self.session.execute(update(recurring_rules).where(recurring_rules.c.group_id == group_id)
                                   .values(active=False))
