"""Learning's test environment: one learning service per test on real PostgreSQL and RabbitMQ, called through
its own /graphql (ASGI, no network) and fed scheduling's and identity's events. ``tests/unit`` needs none of it."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# The test kit sits next to this file; with --import-mode=importlib the directory is not on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

from learning_testkit import Env

from identity.keys import own_key_source
from kabinet.auth import SigningKey
from kabinet.testing.stack import GraphQLClient, running
from learning.bootstrap import build_runtime, create_app
from learning.settings import LearningSettings

# The in-memory unit of work (tests/unit/memory.py), under a name no other service's tests use.
_memory = importlib.util.spec_from_file_location("learning_memory", Path(__file__).parent / "unit" / "memory.py")
assert _memory is not None and _memory.loader is not None
sys.modules["learning_memory"] = importlib.util.module_from_spec(_memory)
_memory.loader.exec_module(sys.modules["learning_memory"])


@pytest.fixture
async def env(database_factory: Any, messaging: Any) -> AsyncIterator[Env]:
    key = SigningKey.generate()
    runtime = build_runtime(LearningSettings(database_url=await database_factory("learning"), messaging=messaging,
                                             outbox_poll_interval_s=0.1), key_source=own_key_source(key))
    async with running(runtime):
        client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False))
        yield Env(runtime, key, client)
        await client.aclose()
