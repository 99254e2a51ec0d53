"""The read side in memory: which lessons a caller may list, the family's pages, and the calendar feeds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from scheduling_memory import MemoryReads
from scheduling_school import ADMIN, IVANOV_GUARDIAN, MASHA, OLYA, PETYA, SMIRNOV_GUARDIAN, TEACHER, School

from kabinet.auth.principal import Principal, Role
from kabinet.errors import KabinetError
from scheduling.schema.loaders import Loaders
from scheduling.service import feeds
from scheduling.service.views import LessonQuery, authorised_filter, list_lessons

JUNE = (datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC))
TEACHER_2_LOGIN = Principal(user_id="u-t2", role=Role.TEACHER, branch_ids=frozenset({"b1"}), staff_id="t2")


async def _month(school: School) -> None:
    await school.group(members=(MASHA, PETYA, OLYA))
    await school.generate()
    await school.publish()
    await school.one_off(datetime(2027, 6, 9, 12, tzinfo=UTC), students=(PETYA,), teacher="t2")


async def test_a_guardian_sees_the_familys_lessons_and_nobody_elses(school: School) -> None:
    await _month(school)
    reads = MemoryReads(school.store)
    f = await authorised_filter(LessonQuery(*JUNE), reads, IVANOV_GUARDIAN)  # no filter: narrowed to the family
    page = await list_lessons(f, reads, 3, None)
    assert (len(page.lessons), page.has_next_page, page.total_count) == (3, True, 5)
    with pytest.raises(KabinetError) as refused:
        await authorised_filter(LessonQuery(*JUNE, student_id=OLYA), reads, IVANOV_GUARDIAN)
    assert refused.value.code == "FORBIDDEN"
    with pytest.raises(KabinetError) as teacher:  # a teacher sees the students of their own lessons only
        await authorised_filter(LessonQuery(*JUNE, student_id=OLYA), reads, TEACHER_2_LOGIN)
    assert teacher.value.code == "FORBIDDEN"
    mine = await authorised_filter(LessonQuery(*JUNE, student_id=PETYA), reads, TEACHER_2_LOGIN)
    assert (await list_lessons(mine, reads, 10, None)).total_count == 1  # narrowed to the teacher's lesson


async def test_the_familys_first_pages_come_per_child_with_refusals_per_child(school: School) -> None:
    await _month(school)
    loaders = Loaders(MemoryReads(school.store), SMIRNOV_GUARDIAN)
    pages = loaders.student_lesson_pages
    olya, masha = await asyncio.gather(pages.load((OLYA, *JUNE, 2, None)), pages.load((MASHA, *JUNE, 2, None)),
                                       return_exceptions=True)  # one batch, as the family cabinet asks
    assert not isinstance(olya, BaseException)
    assert (len(olya.lessons), olya.has_next_page, olya.total_count) == (2, True, 4)
    assert isinstance(masha, KabinetError) and masha.code == "FORBIDDEN"  # not this family's child


async def test_a_feed_shows_its_owners_lessons_until_revoked(school: School) -> None:
    await _month(school)
    issued = await school.run(feeds.issue_feed, feeds.IssueFeed(student_id=MASHA), IVANOV_GUARDIAN)
    reads = MemoryReads(school.store)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    body = await feeds.render_feed(issued.token, reads, now)
    assert body is not None and body.count(b"BEGIN:VEVENT") == 4
    assert await feeds.render_feed(issued.token + "x", reads, now) is None
    with pytest.raises(KabinetError) as refused:
        await school.run(feeds.revoke_feed, feeds.RevokeFeed(issued.feed_id), SMIRNOV_GUARDIAN)
    assert refused.value.code == "FORBIDDEN"
    await school.run(feeds.revoke_feed, feeds.RevokeFeed(issued.feed_id), IVANOV_GUARDIAN)
    assert await feeds.render_feed(issued.token, reads, now) is None
    teacher = await school.run(feeds.issue_feed, feeds.IssueFeed(teacher_id=TEACHER), ADMIN)
    assert (await feeds.render_feed(teacher.token, reads, now + timedelta(days=1)) or b"").count(
        b"BEGIN:VEVENT") == 4
