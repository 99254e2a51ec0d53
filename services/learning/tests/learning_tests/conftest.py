from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from identity.keys import own_key_source
from kabinet.auth import SigningKey
from kabinet.testing.stack import GraphQLClient, running
from learning.bootstrap import build_runtime, create_app
from learning.settings import LearningSettings

from .support import Env


@pytest.fixture
async def env(database_factory: Any, messaging: Any) -> AsyncIterator[Env]:
    key = SigningKey.generate()
    runtime = build_runtime(LearningSettings(database_url=await database_factory("learning"), messaging=messaging,
                                             outbox_poll_interval_s=0.1), key_source=own_key_source(key))
    async with running(runtime):
        client = GraphQLClient(create_app(runtime=runtime, manage_runtime=False))
        yield Env(runtime, key, client)
        await client.aclose()
