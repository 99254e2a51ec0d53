"""Memberships and the lessons' rosters (R-SCH-3, R-SCH-4) on the in-memory unit of work."""

from __future__ import annotations

from datetime import date

import pytest
from scheduling_school import IVANOV_GUARDIAN, MASHA, OLYA, PETYA, School

from kabinet.errors import KabinetError
from scheduling.domain.events import (
    MembershipEnded,
    MembershipStarted,
    MembershipTransferred,
    ParticipantAdded,
    ParticipantRemoved,
)
from scheduling.service import groups


async def test_a_new_member_joins_the_lessons_of_their_period_and_published_ones_are_announced(
        school: School) -> None:
    g = await school.group()
    await school.generate()
    await school.publish()
    m = await school.run(groups.add_member, groups.AddMember(g.id, MASHA, date(2027, 6, 10), date(2027, 6, 25)))
    rosters = {x.local_date.day: [p.student_id for p in x.participants] for x in await school.lessons_of(g)}
    assert rosters == {7: [], 14: [MASHA], 21: [MASHA], 28: []}
    assert [e.lesson_id for e in school.store.events_of(ParticipantAdded)] == [
        x.id for x in await school.lessons_of(g) if x.local_date.day in (14, 21)]
    [started] = school.store.events_of(MembershipStarted)
    assert (started.membership_id, started.from_, started.to) == (m.id, "2027-06-10", "2027-06-25")


async def test_leaving_withdraws_from_later_lessons_only(school: School) -> None:
    g = await school.group(members=(MASHA,))
    await school.generate()
    await school.publish()
    async with school.store.uow() as uow:
        [m] = (await uow.groups.memberships_of_groups([g.id]))[g.id]
    await school.run(groups.end_membership, groups.EndMembership(m.id, date(2027, 6, 14)))
    rosters = {x.local_date.day: [p.student_id for p in x.participants] for x in await school.lessons_of(g)}
    assert rosters == {7: [MASHA], 14: [MASHA], 21: [], 28: []}
    assert len(school.store.events_of(ParticipantRemoved)) == 2
    assert len(school.store.events_of(MembershipEnded)) == 1


async def test_a_transfer_ends_one_membership_the_day_before_and_starts_the_other(school: School) -> None:
    a = await school.group("A", members=(MASHA,))
    b = await school.group("B", teacher="t2", rrule="FREQ=WEEKLY;BYDAY=TU")
    await school.generate()
    async with school.store.uow() as uow:
        [old] = (await uow.groups.memberships_of_groups([a.id]))[a.id]
    new = await school.run(groups.transfer_member, groups.TransferMember(old.id, b.id, date(2027, 6, 15)))
    async with school.store.uow() as uow:
        ended = await uow.groups.membership(old.id)
    assert ended is not None and (ended.ends_on, ended.transferred_to) == (date(2027, 6, 14), new.id)
    assert [x.local_date.day for x in await school.lessons_of(a) if x.participants] == [7, 14]
    assert [x.local_date.day for x in await school.lessons_of(b) if x.participants] == [15, 22, 29]
    [moved] = school.store.events_of(MembershipTransferred)
    assert (moved.from_group_id, moved.group_id) == (a.id, b.id)


async def test_capacity_and_double_membership_are_refused(school: School) -> None:
    g = await school.group(capacity=1, members=(MASHA,))
    with pytest.raises(KabinetError) as full:
        await school.run(groups.add_member, groups.AddMember(g.id, OLYA, date(2027, 6, 1)))
    assert full.value.code == "CAPACITY_EXCEEDED"
    with pytest.raises(KabinetError) as twice:
        await school.run(groups.add_member, groups.AddMember(g.id, MASHA, date(2027, 6, 10)))
    assert twice.value.code == "ALREADY_MEMBER"


async def test_a_guardian_cannot_change_a_group(school: School) -> None:
    g = await school.group()
    with pytest.raises(KabinetError) as refused:
        await school.run(groups.add_member, groups.AddMember(g.id, PETYA, date(2027, 6, 1)), IVANOV_GUARDIAN)
    assert refused.value.code == "FORBIDDEN"
