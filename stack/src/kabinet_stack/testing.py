"""pytest plugin: the whole system for end-to-end tests, on the real servers or embedded.

- ``real_stack``: the four services (each on its own PostgreSQL database of this run, each with its own
  RabbitMQ connection on this test's exchange) and the gateway, in this process.
- ``embedded_stack``: the same wiring on SQLite files and the in-process bus (the ``make run`` mode).
- ``stack``: parametrised over both, for flows that must hold in either mode.
- ``module_stack``: ``real_stack`` shared by one test module.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kabinet.auth import Principal, SigningKey
from kabinet.settings import MessagingSettings
from kabinet.testing.net import free_port
from kabinet.testing.stack import GraphQLClient, token_for
from kabinet.web.gateway_only import SECRET_ENV
from kabinet_stack import demo
from kabinet_stack.embedded import Stack
from kabinet_stack.services import SERVICE_NAMES


@contextlib.asynccontextmanager
async def kabinet_run(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """`kabinet run` (what `make run` starts) in a subprocess on a free port with its own data directory, until
    it is ready and has printed the demo logins; yields its base URL and its log file."""
    port = free_port()
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        # As a person starts it: without the test run's gateway secret, so it makes its data directory's own.
        env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
        proc = subprocess.Popen([str(Path(sys.executable).parent / "kabinet"), "run", "--port", str(port),
                                 "--data-dir", str(tmp_path / "var")], stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(180):
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{base}/readyz")).status_code == 200 and "Demo logins" in log.read_text():
                        break
                await asyncio.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class StackHandle:
    def __init__(self, stack: Stack, key: SigningKey, mode: str) -> None:
        self.stack, self.key, self.mode = stack, key, mode
        self._client = GraphQLClient(stack.app)

    def token(self, principal: Principal) -> str:
        return token_for(self.key, principal)

    def client(self, principal: Principal | None = None) -> GraphQLClient:
        """A client of the gateway's /graphql, signed in as ``principal`` (anonymous if None)."""
        return self._client.as_(self.token(principal) if principal else None)

    def service_client(self, name: str, principal: Principal | None = None) -> GraphQLClient:
        """A client of one service's own /graphql (bypassing the gateway), for authorization tests."""
        return GraphQLClient(self.stack.apps[name], self.token(principal) if principal else None)

    async def drain(self) -> None:
        """Wait until every event published so far has been delivered (outboxes empty)."""
        await demo.drain(self.stack)

    def runtime(self, name: str) -> Any:
        return self.stack.runtimes[name]


async def _run(stack: Stack, key: SigningKey, mode: str, migrate: bool) -> AsyncIterator[StackHandle]:
    if migrate:
        for runtime in stack.runtimes.values():
            await runtime.migrate()
    async with stack.running():
        handle = StackHandle(stack, key, mode)
        try:
            yield handle
        finally:
            await handle._client.aclose()


@pytest.fixture
async def real_stack(database_factory: Callable[[str], Awaitable[str]], messaging: MessagingSettings,
                     tmp_path: Path) -> AsyncIterator[StackHandle]:
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    stack = Stack(tmp_path, database_urls=urls, messaging=messaging, identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True)
    async for handle in _run(stack, key, "real", migrate=True):
        yield handle


@pytest.fixture(scope="module")
async def module_stack(database_factory: Callable[[str], Awaitable[str]], module_messaging: MessagingSettings,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StackHandle]:
    """``real_stack`` shared by every test of one module (a stack costs seconds to start): for modules whose
    tests each make their own branches, families and people."""
    key = SigningKey.generate()
    urls = {name: await database_factory(name) for name in SERVICE_NAMES}
    stack = Stack(tmp_path_factory.mktemp("stack"), database_urls=urls, messaging=module_messaging,
                  identity_private_key_pem=key.to_pem(), dev_mailbox=True)
    async for handle in _run(stack, key, "real", migrate=True):
        yield handle


@pytest.fixture
async def embedded_stack(tmp_path: Path) -> AsyncIterator[StackHandle]:
    key = SigningKey.generate()
    stack = Stack(tmp_path, messaging=MessagingSettings(amqp_url=None), identity_private_key_pem=key.to_pem(),
                  dev_mailbox=True)
    async for handle in _run(stack, key, "embedded", migrate=False):
        yield handle


@pytest.fixture(params=["real", "embedded"])
def stack(request: pytest.FixtureRequest) -> StackHandle:
    name = "real_stack" if request.param == "real" else "embedded_stack"
    handle: StackHandle = request.getfixturevalue(name)
    return handle
