"""The clash races in embedded mode (SQLite, one process): no advisory locks there (kabinet.db.locks takes none);
a unit of work holds the database's write lock from its start (BEGIN IMMEDIATE), so racing requests take turns
all the same and exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from scheduling_testkit import CLASH_CREATE_LESSON, CLASH_OPEN_SLOT, lesson_input, outcome

from kabinet.auth import Principal, Role, SigningKey
from kabinet.auth.tokens import KeySource
from kabinet.auth.tokens import jwks as jwks_of
from kabinet.bus.memory import InProcessTransport
from kabinet.testing.stack import GraphQLClient, running, token_for
from scheduling.adapters.repositories import ProjectionRepository, StaffRef
from scheduling.bootstrap import build_runtime, create_app
from scheduling.settings import SchedulingSettings


@pytest.fixture
async def admin_client(tmp_path: Path) -> AsyncIterator[tuple[GraphQLClient, str, str]]:
    """Scheduling alone on SQLite, a branch and a teacher in its projections; a client as the branch's admin."""
    key = SigningKey.generate()
    settings = SchedulingSettings(data_dir=tmp_path, public_url="https://kabinet.test")
    assert settings.resolved_database_url().startswith("sqlite")
    runtime = build_runtime(settings, transport=InProcessTransport(), key_source=KeySource(static=jwks_of([key])))
    branch_id, teacher_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with running(runtime):
        async with runtime.uow() as uow:
            projections = ProjectionRepository(uow.session)
            await projections.upsert_branch(branch_id, "Branch", "Europe/Moscow")
            await projections.upsert_staff(StaffRef(teacher_id, "teacher", (branch_id,), "T", "S"))
            await uow.commit()
        admin = Principal(user_id="adm", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch_id}))
        client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False), token_for(key, admin))
        yield client, branch_id, teacher_id
        await client.aclose()


async def test_open_slot_and_create_lesson_for_one_teacher_at_once_one_wins_on_sqlite(
        admin_client: tuple[GraphQLClient, str, str]) -> None:
    client, branch_id, teacher_id = admin_client
    names = ["createLesson" if i % 2 else "openSlot" for i in range(8)]
    results = await asyncio.wait_for(asyncio.gather(*(
        client.execute(CLASH_CREATE_LESSON if name == "createLesson" else CLASH_OPEN_SLOT,
                       {"input": lesson_input(branch_id, teacher_id, 10, i * 5)})
        for i, name in enumerate(names))), timeout=60)
    got = [outcome(r, name) for name, r in zip(names, results, strict=True)]
    assert got.count("ok") == 1, got
    assert set(got) - {"ok"} <= {"TEACHER_CONFLICT", "SLOT_CONFLICT"}, got
