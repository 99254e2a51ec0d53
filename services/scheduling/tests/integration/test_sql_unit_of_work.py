"""The SQLAlchemy unit of work on PostgreSQL: use cases through the real repositories (the same rules the unit
tests check in memory), and the migration of the idempotency keys to the kit's table."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from kabinet.auth.principal import Principal, Role
from kabinet.db import create_engine, create_sessionmaker
from kabinet.db.migrations import upgrade
from scheduling.adapters.queries.read_model import SqlSchedulingReads
from scheduling.adapters.tables import outbox
from scheduling.adapters.unit_of_work import SqlSchedulingUnitOfWork
from scheduling.bootstrap import MIGRATIONS
from scheduling.domain.model import StaffRef, StudentRef, Trial, utcnow
from scheduling.schema.loaders import Loaders
from scheduling.service import generation, groups, lessons
from scheduling.service.unit_of_work import LessonFilter
from scheduling.service.views import encode_cursor, list_lessons

pytestmark = pytest.mark.integration  # PostgreSQL only

OWNER = Principal(user_id="owner", role=Role.OWNER)
BEFORE_KIT_KEYS = "5d1c7e2a9b40"


@pytest.fixture
async def sessions(database_factory: Callable[[str], Awaitable[str]]
                   ) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    url = await database_factory("scheduling_uow")
    engine = create_engine(url)
    try:
        yield url, create_sessionmaker(engine)
    finally:
        await engine.dispose()


def _uow(sm: async_sessionmaker[AsyncSession]) -> SqlSchedulingUnitOfWork:
    return SqlSchedulingUnitOfWork(sm, outbox, "scheduling")


async def test_a_month_with_a_clash_on_postgresql(sessions: tuple[str, async_sessionmaker[AsyncSession]]) -> None:
    url, sm = sessions
    await upgrade(MIGRATIONS, url)
    async with _uow(sm) as uow:
        await uow.projections.upsert_branch("b1", "Centre", "Europe/Moscow")
        await uow.projections.upsert_staff(StaffRef("t1", "teacher", ("b1",), "Olga", "Smirnova"))
        await uow.projections.upsert_student(StudentRef("s1", "f1", "b1", "Masha", "K"))
        await uow.commit()
    async with _uow(sm) as uow:  # the teacher is busy on Monday 14 June
        await lessons.create_lesson(lessons.CreateLesson(
            "b1", "t1", "individual", datetime(2027, 6, 14, 14, 30, tzinfo=UTC),
            datetime(2027, 6, 14, 15, 30, tzinfo=UTC), Decimal(900)), uow, OWNER)
    async with _uow(sm) as uow:
        g = await groups.create_group(groups.CreateGroup("b1", "Starters", "t1", 10, Decimal(1200)), uow, OWNER)
    async with _uow(sm) as uow:
        await groups.add_rule(groups.AddRule("FREQ=WEEKLY;BYDAY=MO", time(17), 90, date(2027, 6, 1),
                                             group_id=g.id), uow, OWNER)
    async with _uow(sm) as uow:
        await groups.add_member(groups.AddMember(g.id, "s1", date(2027, 6, 1), idempotency_key="m1"), uow, OWNER)
    async with _uow(sm) as uow:
        r = await generation.generate_month(generation.GenerateMonth("b1", "2027-06"), uow, OWNER)
    assert (r.created, r.existing) == (3, 0)
    assert [(c.local_date, c.error.code) for c in r.conflicts] == [(date(2027, 6, 14), "TEACHER_CONFLICT")]
    async with _uow(sm) as uow:
        p = await generation.publish_month(generation.PublishMonth("b1", "2027-06"), uow, OWNER)
        found = await uow.lessons.of_group_between(g.id, date(2027, 6, 1), None)
    assert (p.published, p.participants) == (3, 3)
    assert [x.local_date.day for x in found] == [7, 21, 28]
    assert found[0].starts_at == datetime(2027, 6, 7, 14, tzinfo=UTC)  # 17:00 in Moscow
    assert all([q.student_id for q in x.participants] == ["s1"] for x in found)
    # A retried membership with the same key is the first one (the kit's idempotency on the real table).
    async with _uow(sm) as uow:
        again = await groups.add_member(groups.AddMember(g.id, "s1", date(2027, 6, 1), idempotency_key="m1"),
                                        uow, OWNER)
        members = (await uow.groups.memberships_of_groups([g.id]))[g.id]
    assert [m.id for m in members] == [again.id]
    async with sm() as s:
        scheduled = (await s.execute(select(func.count()).select_from(outbox).where(
            outbox.c.routing_key == "scheduling.lesson.scheduled.v1"))).scalar_one()
    assert scheduled == 1 + 3  # the one-off lesson and the month's three


async def test_the_keys_move_to_the_kits_table(sessions: tuple[str, async_sessionmaker[AsyncSession]]) -> None:
    url, sm = sessions
    await upgrade(MIGRATIONS, url, BEFORE_KIT_KEYS)
    at = datetime(2027, 1, 1, tzinfo=UTC)
    async with sm() as s:
        old = text("INSERT INTO idempotency_keys (principal, key, operation, request_hash, result_id, created_at) "
                   "VALUES (:p, :k, 'bookPlace', :h, :r, :at)")
        await s.execute(old, [{"p": "u1", "k": "done", "h": "a" * 64, "r": "booking-1", "at": at},
                              {"p": "u1", "k": "unfinished", "h": "b" * 64, "r": None, "at": at}])
        await s.commit()
    await upgrade(MIGRATIONS, url)
    async with sm() as s:
        rows = (await s.execute(text("SELECT scope, key, request_hash, result FROM idempotency_keys"))).all()
    assert [tuple(r) for r in rows] == [("user:u1", "done", "a" * 64, "booking-1")]


async def _family(url: str, sm: async_sessionmaker[AsyncSession], children: tuple[str, ...]) -> None:
    """Branch b1 with teacher t1, and family f1's children there."""
    await upgrade(MIGRATIONS, url)
    async with _uow(sm) as uow:
        await uow.projections.upsert_branch("b1", "Centre", "Europe/Moscow")
        await uow.projections.upsert_staff(StaffRef("t1", "teacher", ("b1",), "Olga", "Smirnova"))
        for sid in children:
            await uow.projections.upsert_student(StudentRef(sid, "f1", "b1", sid, "K"))
        await uow.commit()


def _recorded(conn: AsyncConnection) -> list[str]:
    """The SQL statements sent on this connection from now on."""
    statements: list[str] = []
    event.listen(conn.sync_connection, "before_cursor_execute", lambda *args: statements.append(str(args[2])))
    return statements


async def test_a_familys_first_pages_are_one_statement(sessions: tuple[str, async_sessionmaker[AsyncSession]]
                                                       ) -> None:
    """The family cabinet's hot read (docs/performance.md): each child's access is checked (the children's
    projections read in one statement), then one statement reads every child's first page and count, whatever
    the number of children."""
    url, sm = sessions
    children = ("s1", "s2", "s3")
    await _family(url, sm, children)
    for day, sid in enumerate(children, start=7):
        async with _uow(sm) as uow:
            await lessons.create_lesson(lessons.CreateLesson(
                "b1", "t1", "individual", datetime(2027, 6, day, 12, tzinfo=UTC),
                datetime(2027, 6, day, 13, tzinfo=UTC), Decimal(900), student_ids=(sid,)), uow, OWNER)
    guardian = Principal(user_id="g1", role=Role.GUARDIAN, family_id="f1", student_ids=frozenset(children))
    async with sm() as session:
        statements = _recorded(await session.connection())
        loaders = Loaders(SqlSchedulingReads.over(session), guardian)
        june, july = datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
        pages = await loaders.student_lesson_pages.load_many([(sid, june, july, 10, None) for sid in children])
    assert [(len(p.lessons), p.total_count, p.has_next_page) for p in pages] == [(1, 1, False)] * 3
    # (the projections' statement names lessons too: the upcoming count's lookup, run only for counted children)
    reading_lessons = [q for q in statements if "FROM lessons" in q and "AS part" not in q]
    assert len(reading_lessons) == 1  # every child's page and count
    assert len(statements) == 2  # + every child looked up for the access check, in one statement


async def _family_in_a_group(url: str, sm: async_sessionmaker[AsyncSession], children: tuple[str, ...]) -> str:
    """Family f1's children in group «Starters» (Mondays in June 2027, published), the last child in no group."""
    await _family(url, sm, children)
    async with _uow(sm) as uow:
        g = await groups.create_group(groups.CreateGroup("b1", "Starters", "t1", 10, Decimal(1200)), uow, OWNER)
    async with _uow(sm) as uow:
        await groups.add_rule(groups.AddRule("FREQ=WEEKLY;BYDAY=MO", time(17), 90, date(2027, 6, 1),
                                             group_id=g.id), uow, OWNER)
    for sid in children[:-1]:
        async with _uow(sm) as uow:
            await groups.add_member(groups.AddMember(g.id, sid, date(2027, 6, 1)), uow, OWNER)
    async with _uow(sm) as uow:
        await generation.generate_month(generation.GenerateMonth("b1", "2027-06"), uow, OWNER)
    async with _uow(sm) as uow:
        await generation.publish_month(generation.PublishMonth("b1", "2027-06"), uow, OWNER)
    return g.id


async def test_the_cabinets_home_reads_are_two_statements(sessions: tuple[str, async_sessionmaker[AsyncSession]]
                                                          ) -> None:
    """The family frame's booked counts and trial come with the children's projections (read for the access
    check) and the home child's lessons bring their groups: two statements whatever the number of children, and
    the same counts, trial and groups as the separate reads give."""
    url, sm = sessions
    children = ("s1", "s2", "s3")
    group_id = await _family_in_a_group(url, sm, children)
    used = datetime(2026, 11, 2, 10, tzinfo=UTC)
    async with _uow(sm) as uow:
        assert await uow.trials.claim(Trial("f1", "s3", None, "recorded", used))
        assert await uow.trials.claim(Trial("f2", "x1", None, "recorded", used))  # another family's
        await uow.commit()
    guardian = Principal(user_id="g1", role=Role.GUARDIAN, family_id="f1", student_ids=frozenset(children))
    june, july = datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
    async with sm() as session:
        statements = _recorded(await session.connection())
        loaders = Loaders(SqlSchedulingReads.over(session), guardian)

        async def booked(sid: str) -> int:  # as Student.bookedLessonsCount: the check, then the count
            loaders.want_upcoming_count(sid)
            assert await loaders.student_by_id.load(sid) is not None
            return await loaders.upcoming_count_by_student.load(sid)

        counts, [page], trial, no_trial = await asyncio.gather(
            asyncio.gather(*(booked(s) for s in children)),
            loaders.student_lesson_pages.load_many([("s1", june, july, 2, None)]),
            loaders.trial_by_family.load("f1"), loaders.trial_by_family.load("f3"))
        group = await loaders.group_by_id.load(page.lessons[0].group_id or "")
        assert len(statements) == 2
        separate = await SqlSchedulingReads.over(session).upcoming_counts(children, utcnow())
        assert await loaders.student_by_id.load("x1") is None  # a later read is a statement of its own
        assert len(statements) == 4
    assert counts == [4, 4, 0] and separate == {"s1": 4, "s2": 4}
    assert trial == Trial("f1", "s3", None, "recorded", used) and no_trial is None
    assert (len(page.lessons), page.total_count, page.has_next_page) == (2, 4, True)
    assert group is not None and (group.id, group.name, group.price.amount) == (group_id, "Starters", Decimal(1200))


async def test_a_first_lesson_page_and_its_count_are_one_statement(
        sessions: tuple[str, async_sessionmaker[AsyncSession]]) -> None:
    url, sm = sessions
    await _family_in_a_group(url, sm, ("s1", "s2"))
    june, july = datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
    f = LessonFilter(family_id="f1", starts_from=june, starts_before=july)
    async with sm() as session:
        statements = _recorded(await session.connection())
        reads = SqlSchedulingReads.over(session)
        first = await list_lessons(f, reads, 3, None)
        assert len(statements) == 1
        later = await list_lessons(f, reads, 3, encode_cursor(first.lessons[-1].starts_at, first.lessons[-1].id))
        empty = await list_lessons(replace(f, family_id="nobody"), reads, 3, None)
        assert len(statements) == 4  # a later page counts apart (its rows start after the cursor)
    assert [x.local_date.day for x in first.lessons] == [7, 14, 21]
    assert (first.has_next_page, first.total_count) == (True, 4)
    assert ([x.local_date.day for x in later.lessons], later.has_next_page, later.total_count) == ([28], False, 4)
    assert (empty.lessons, empty.has_next_page, empty.total_count) == ([], False, 0)
